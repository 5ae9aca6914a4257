"""The sync plan: compare what a source holds now with what the manifest says is indexed, by content hash.

Unchanged files are skipped without reading them twice or re-embedding; changed files are replaced; files gone from
the source are deleted; a file that moved (same content, new place) is re-pointed without re-embedding.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingestion.connectors.base import SourceItem
from ingestion.manifest import FileRecord

ADD, REPLACE, DELETE, MOVE, REGROUP, SKIP = "add", "replace", "delete", "move", "regroup", "skip"


@dataclass(frozen=True)
class Operation:
    kind: str
    uri: str
    path: str | None = None  # local file for add/replace/move/regroup
    groups: tuple[str, ...] = ()
    sha256: str | None = None
    moved_from: str | None = None  # MOVE: the old uri whose chunks are re-used
    location: str | None = None  # where a citation sends the reader, when not the uri (page URL, mail subject)

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Operation:
        return cls(**{**data, "groups": tuple(data.get("groups") or ())})


@dataclass
class SyncPlan:
    operations: list[Operation] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # uri → why it could not even be hashed

    def count(self, kind: str) -> int:
        return sum(1 for op in self.operations if op.kind == kind)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def plan_sync(items: list[SourceItem], indexed: dict[str, FileRecord]) -> SyncPlan:
    """Operations that bring the index in line with `items`. `indexed`: this source's manifest, by uri."""
    plan = SyncPlan()
    current: dict[str, tuple[SourceItem, str]] = {}
    for item in items:
        try:
            current[item.uri] = (item, file_sha256(item.path))
        except OSError as exc:
            plan.errors[item.uri] = f"cannot read file ({exc.strerror or exc})"
    gone = {uri: rec for uri, rec in indexed.items() if uri not in current and uri not in plan.errors}
    gone_by_sha: dict[str, list[str]] = {}
    for uri, rec in sorted(gone.items()):
        gone_by_sha.setdefault(rec.file_sha256, []).append(uri)

    for uri, (item, sha) in sorted(current.items()):
        groups = tuple(sorted(item.groups))
        known = indexed.get(uri)
        moved_from: str | None = None
        if known is None:
            kind = ADD
            if gone_by_sha.get(sha):
                kind, moved_from = MOVE, gone_by_sha[sha].pop(0)
                del gone[moved_from]
        elif known.file_sha256 != sha:
            kind = REPLACE
        elif tuple(sorted(known.groups)) != groups:
            kind = REGROUP
        else:
            kind = SKIP
        plan.operations.append(Operation(kind, uri, str(item.path), groups, sha, moved_from, item.location or None))
    for uri in sorted(gone):
        plan.operations.append(Operation(DELETE, uri))
    return plan
