"""The plain data that flows through ingestion: sections of a document, chunks, and the report of a run."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# What a document or section may add to its chunks' metadata (Chroma takes these value types).
Labels = dict[str, str | int | float | bool]


@dataclass
class Section:
    """A run of text under one heading (or one PDF page, one sheet, one table)."""

    text: str
    heading: str | None = None
    page: int | None = None
    # The headings above this section, outermost first, ending with its own (`heading`): in a manual of hundreds of
    # sections "Options" means little without "tar > Options"; empty where a format has no nesting (PDF pages).
    path: tuple[str, ...] = ()
    # The text is a Markdown table (after heading lines): chunked by whole rows with its header repeated.
    table: bool = False
    # Added to each of its chunks' metadata: `ocr` (the text was recognised from an image), `sheet`, `attachment`.
    labels: Labels = field(default_factory=dict)


@dataclass
class Document:
    source: str  # resolved path (or URI) of the original
    title: str
    sha256: str
    sections: list[Section]
    # Version facts the file declares about itself (front matter, docx core properties): ingestion/version_marks.py
    declared: dict[str, Any] = field(default_factory=dict)
    labels: Labels = field(default_factory=dict)  # every chunk's: a mail's from, to, date, subject
    # What was left out or could not be read while the rest was (the 21st attachment, an unreadable attachment):
    # reported with the file's result, the file itself is indexed.
    notes: list[str] = field(default_factory=list)
    ocr_pages: int = 0  # pages (or images) whose text came from OCR: counted in the file's result
    # A mail's attachments, each a document of its own (its source: attachment_source), indexed, replaced and deleted
    # with the mail's file, which alone has a manifest record; `parent` is the mail's source on an attachment.
    attachments: list[Document] = field(default_factory=list)
    parent: str | None = None


ATTACHMENT_MARK = "#attachment/"


def attachment_source(mail_source: str, number: int, name: str) -> str:
    """The identity of a mail's attachment in the index: the mail's, then its number and file name as the last part,
    so that a scope's file-name pattern and a version's name marks see the attachment's own name."""
    clean = " ".join(name.replace("/", "_").replace("\\", "_").split()) or f"attachment-{number}"
    return f"{mail_source}{ATTACHMENT_MARK}{number}/{clean}"


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
    notes: list[str] = field(default_factory=list)  # parts of an indexed file left out, and why
    ocr_pages: int = 0  # pages read by OCR for this run (0 when the file was unchanged: it was not read again)

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
            "ocr_pages": self.total("ocr_pages"),
            "failures": [{"source": f.source, "reason": f.reason} for f in self.failed],
            "notes": [{"source": f.source, "note": note} for f in self.files for note in f.notes],
        }
