"""The plain data that flows through ingestion: sections of a document, chunks, and the report of a run."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass
class Section:
    """A run of text under one heading (or one PDF page)."""

    text: str
    heading: str | None = None
    page: int | None = None
    # The headings above this section, outermost first, ending with its own (`heading`): in a manual of hundreds of
    # sections "Options" means little without "tar > Options"; empty where a format has no nesting (PDF pages).
    path: tuple[str, ...] = ()


@dataclass
class Document:
    source: str  # resolved path (or URI) of the original
    title: str
    sha256: str
    sections: list[Section]
    # Version facts the file declares about itself (front matter, docx core properties): ingestion/version_marks.py
    declared: dict[str, Any] = field(default_factory=dict)


@dataclass
class Chunk:
    id: str
    text: str
    metadata: dict[str, Any]  # Chroma metadata: str, int, float, bool or a list of them


class FileStatus(StrEnum):
    """What became of one file in a run (a str: the same values in JSON, Redis and the CLI's --json)."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    MOVED = "moved"
    DELETED = "deleted"
    FAILED = "failed"
    SKIPPED = "skipped"  # a cancelled job's files that were not reached


@dataclass
class FileResult:
    source: str
    status: FileStatus
    chunks_added: int = 0
    chunks_updated: int = 0  # kept, with new metadata (access groups, new place)
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    reason: str | None = None

    def __post_init__(self) -> None:
        self.status = FileStatus(self.status)  # read back from JSON as a plain str


@dataclass
class IngestReport:
    collection: str
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == FileStatus.FAILED]

    @property
    def ok(self) -> list[FileResult]:
        return [f for f in self.files if f.status != FileStatus.FAILED]

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "collection": self.collection,
            "files": {s: sum(1 for f in self.files if f.status == s) for s in sorted({f.status for f in self.files})},
            "files_ok": len(self.ok),
            "files_failed": len(self.failed),
            "chunks_added": self.total("chunks_added"),
            "chunks_updated": self.total("chunks_updated"),
            "chunks_removed": self.total("chunks_removed"),
            "chunks_unchanged": self.total("chunks_unchanged"),
            "seconds": round(self.seconds, 2),
            "failures": [{"source": f.source, "reason": f.reason} for f in self.failed],
        }
