"""Connectors: where documents come from (a folder, an intranet site, a git branch, a mailbox, ...).

Each module holds one source type: its config model (`CONFIG`) and `connect(source, workdir)`, which returns a
Connector. `ingestion.sources.connector_for` is the one registry; nothing heavy is imported here.
"""
