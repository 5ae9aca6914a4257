"""What reading one file may do and produces: the bounds a hostile file cannot pass (attachments, sheet cells, OCR
pages, the time an outside program may take) and the parts a format reader hands back."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingestion.documents import Labels, Section


@dataclass(frozen=True)
class ReadOptions:
    ocr: bool = True  # scanned PDF pages and image files go through OCR
    ocr_engine: str = "tesseract"  # or "rapidocr" (ingestion/ocr_onnx.py, the `ocr-onnx` extra)
    ocr_languages: str = "chi_sim+eng"  # Tesseract's language models, Chinese first (see README, "Formats and OCR")
    ocr_dpi: int = 300  # how finely a PDF page is rendered for OCR
    ocr_min_chars: int = 20  # a PDF page with fewer characters in its text layer is a scan
    ocr_max_pages: int = 100  # pages of one file OCR reads at most; the rest are reported, not read
    max_attachments: int = 20  # attachments of one mail read at most; the rest are reported, not read
    max_sheet_cells: int = 200_000  # a spreadsheet with more non-empty cells fails as too large
    program_timeout_s: float = 120.0  # one run of Tesseract or LibreOffice
    max_depth: int = 2  # a mail attached to a mail attached to a mail is not opened


@dataclass
class Parsed:
    """What a format reader found in one file (partition_file adds its identity and hash)."""

    title: str | None
    sections: list[Section]
    labels: Labels = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    ocr_pages: int = 0
    declared: dict[str, Any] = field(default_factory=dict)  # version facts the file states (ingestion/version_marks.py)
    # A mail's attachments, each read as a document of its own (ingestion/mail.py); empty for every other kind.
    attachments: list[Attached] = field(default_factory=list)


@dataclass
class Attached:
    """One attachment of a mail, read: its place among the mail's attachments (from 1), its file name, the hash of
    its bytes and what its reader found."""

    number: int
    name: str
    sha256: str
    parsed: Parsed
