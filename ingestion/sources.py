"""Where documents come from: configured sources, each read by a connector of its type (ingestion/connectors/).

`connector_for` is the one registry: a source type names the module holding its config model (`CONFIG`) and
`connect(source, workdir)`. `load_sources` validates each source against its type's model, so an error names the
source and the field. A connector that fetches over the network keeps its copies and state in `workdir`
(data_dir/sources/NAME), which is what makes its syncs incremental.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from pydantic import ValidationError

from ingestion.connectors.base import Connector, SourceConfig, SourceItem, SourcesError
from ingestion.connectors.folder import ACL_FILE, FolderConnector, FolderSourceConfig, read_acl, source_uri

__all__ = ["ACL_FILE", "CONNECTOR_MODULES", "Connector", "FolderConnector", "FolderSourceConfig", "SourceConfig",
           "SourceItem", "SourcesError", "connector_for", "load_sources", "parse_source", "read_acl",
           "source_uri", "source_workdir"]

CONNECTOR_MODULES = {
    "folder": "ingestion.connectors.folder",
    "web": "ingestion.connectors.web",
    "git": "ingestion.connectors.git",
    "imap": "ingestion.connectors.imap",
    "smb": "ingestion.connectors.smb",
}


def _module(source_type: str, name: str) -> ModuleType:
    if source_type not in CONNECTOR_MODULES:
        raise SourcesError(f"source '{name}': unknown type '{source_type}' (supported: "
                           f"{', '.join(sorted(CONNECTOR_MODULES))})")
    return importlib.import_module(CONNECTOR_MODULES[source_type])


def _field_errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'source'}: {e['msg']}" for e in exc.errors())


def parse_source(raw: Any, position: int) -> SourceConfig:
    """One entry of `sources:` validated by its type's model; errors name the source (or its position) and field."""
    if not isinstance(raw, dict):
        raise SourcesError(f"source #{position + 1}: expected a mapping of fields, got {type(raw).__name__}")
    name = str(raw.get("name") or f"#{position + 1}")
    config: type[SourceConfig] = _module(str(raw.get("type", "folder")), name).CONFIG
    try:
        return config(**raw)
    except ValidationError as exc:
        raise SourcesError(f"source '{name}' (type {raw.get('type', 'folder')}): {_field_errors(exc)}") from exc


def load_sources(path: Path) -> list[SourceConfig]:
    """Read the sources file (YAML: `sources: [{name, type, collection, groups, interval_minutes, ...}]`)."""
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: {exc}") from exc
    entries = data.get("sources", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise SourcesError(f"{path}: 'sources' must be a list")
    try:
        sources = [parse_source(raw, n) for n, raw in enumerate(entries)]
    except SourcesError as exc:
        raise SourcesError(f"{path}: {exc}") from exc
    base = path.resolve().parent
    for source in sources:
        source.resolve_paths(base)
    names = [s.name for s in sources]
    if len(names) != len(set(names)):
        raise SourcesError(f"{path}: source names must be unique")
    return sources


def source_workdir(data_dir: Path, source: SourceConfig) -> Path:
    """Where a connector keeps its copies and sync state (a folder source keeps none)."""
    return data_dir / "sources" / source.name


def connector_for(source: SourceConfig, workdir: Path | None = None) -> Connector:
    """The connector of a source's type. `workdir`: its copies and state; None for a throwaway one (a test run)."""
    module = _module(source.type, source.name)
    if not isinstance(source, module.CONFIG):
        source = module.CONFIG(**source.model_dump())
    if getattr(module, "KEEPS_COPIES", True):
        if workdir is None:
            import tempfile

            workdir = Path(tempfile.mkdtemp(prefix=f"perimeter-{source.name}-"))
        workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    connector: Connector = module.connect(source, workdir)
    return connector
