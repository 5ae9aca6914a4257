"""Where documents come from: configured sources, each a connector that lists the files it holds.

A connector yields SourceItems (a stable URI, the groups that may read it, and how to get a local file). Folders on
disk come first; a web crawl or S3 connector is one more class with `items()`.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import yaml

from ingestion.connectors.base import Connector, SourceConfig, SourceItem, SourcesError
from ingestion.partition import SUPPORTED_SUFFIXES

ACL_FILE = ".perimeter-acl.yaml"
__all__ = ["ACL_FILE", "Connector", "FolderConnector", "SourceConfig", "SourceItem", "SourcesError", "connector_for",
           "load_sources", "read_acl", "source_uri"]


def source_uri(path: Path) -> str:
    """A file's identity in the index: its absolute, normalised path (symlinks are not resolved)."""
    return os.path.abspath(path)


def load_sources(path: Path) -> list[SourceConfig]:
    """Read the sources file (YAML: `sources: [{name, path, collection, groups, interval_minutes}]`)."""
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        sources = [_config_class(raw)(**raw) for raw in data.get("sources", [])]
    except (yaml.YAMLError, TypeError, ValueError) as exc:
        raise SourcesError(f"{path}: {exc}") from exc
    base = path.resolve().parent
    for source in sources:
        if not source.path.is_absolute():
            source.path = base / source.path
    names = [s.name for s in sources]
    if len(names) != len(set(names)):
        raise SourcesError(f"{path}: source names must be unique")
    return sources


def read_acl(folder: Path) -> list[str] | None:
    """Groups from a folder's sidecar file, or None when it has none. A broken sidecar is an error, not a default."""
    sidecar = folder / ACL_FILE
    if not sidecar.exists():
        return None
    data = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    groups = sorted({str(g).strip() for g in data.get("groups") or [] if str(g).strip()})
    if not groups:
        raise SourcesError(f"{sidecar}: 'groups' must list at least one group")
    return groups


class FolderConnector:
    """Every supported file under a folder. A `.perimeter-acl.yaml` in a folder sets the groups for it and below."""

    def __init__(self, root: Path, groups: list[str]):
        self.root = root
        self.groups = groups

    def items(self) -> Iterator[SourceItem]:
        if not self.root.is_dir():
            raise SourcesError(f"source folder {self.root} does not exist or is not a folder")
        acl: dict[Path, list[str]] = {}
        # followlinks=False: a symlink loop cannot make the walk run forever.
        for current, dirs, files in os.walk(self.root, followlinks=False):
            folder = Path(current)
            parent_groups = acl.get(folder.parent, self.groups) if folder != self.root else self.groups
            acl[folder] = read_acl(folder) or parent_groups
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith(".") or Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                    continue
                path = folder / name
                yield SourceItem(uri=source_uri(path), path=path, groups=tuple(acl[folder]))


def _config_class(raw: object) -> type[SourceConfig]:
    if isinstance(raw, dict) and raw.get("type") == "smb":  # a share: ingestion/connectors/smb.py
        from ingestion.connectors.smb import SmbSourceConfig

        return SmbSourceConfig
    return SourceConfig


def connector_for(source: SourceConfig) -> Connector:
    if source.type == "folder":
        return FolderConnector(source.path, source.groups)
    if source.type == "smb":
        from ingestion.connectors.smb import SmbConnector, SmbSourceConfig

        return SmbConnector(SmbSourceConfig.model_validate(source, from_attributes=True))
    raise SourcesError(f"source '{source.name}': unknown type '{source.type}' (supported: folder, smb)")
