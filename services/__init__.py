"""Perimeter's services: settings, model backends, the ask pipeline and the front doors (api, cli)."""
