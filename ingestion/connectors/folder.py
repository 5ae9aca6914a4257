"""`type: folder`: every supported file under a folder on this machine's disk (or a mounted share)."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import yaml

from ingestion.connectors.base import SourceConfig, SourceItem, SourcesError
from ingestion.partition import SUPPORTED_SUFFIXES

ACL_FILE = ".perimeter-acl.yaml"


def source_uri(path: Path) -> str:
    """A file's identity in the index: its absolute, normalised path (symlinks are not resolved)."""
    return os.path.abspath(path)


class FolderSourceConfig(SourceConfig):
    type: Literal["folder"] = "folder"
    path: Path

    def resolve_paths(self, base: Path) -> None:
        if not self.path.is_absolute():
            self.path = base / self.path


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


CONFIG = FolderSourceConfig
KEEPS_COPIES = False  # reads the files where they are


def connect(source: FolderSourceConfig, workdir: Path | None) -> FolderConnector:
    return FolderConnector(source.path, source.groups)
