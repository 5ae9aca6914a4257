"""Reads one file into a Document of sections: unstructured for office/markup formats, pypdf for PDF (with pages),
openpyxl for spreadsheets, the standard library for mail and CSV, LibreOffice for legacy Office and OpenDocument,
Tesseract for scans and images (see each module).

Every failure is a PartitionError with a reason a person can act on; the caller records it and goes on.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingestion.documents import Document, Section
from ingestion.epub import epub_chapters
from ingestion.errors import PartitionError as PartitionError
from ingestion.mail import attachment_documents, read_eml, read_msg
from ingestion.ocr import check_image, recognise
from ingestion.office import CONVERTED_SUFFIXES, convert
from ingestion.pdf import read_pdf
from ingestion.reading import Parsed, ReadOptions
from ingestion.sheets import read_csv, read_xlsx
from ingestion.tables import html_table_to_markdown
from ingestion.version_marks import split_front_matter
from ingestion.word_properties import word_properties
from prompts.language import detect_language

if TYPE_CHECKING:  # unstructured takes seconds to import: only the parsing functions import it, when first used
    from unstructured.documents.elements import Element

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".html", ".htm"}
OFFICE_SUFFIXES = {".docx", ".pptx"}
SHEET_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".tsv"}
MAIL_SUFFIXES = {".eml", ".msg"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
ZIP_SUFFIXES = OFFICE_SUFFIXES | SHEET_SUFFIXES | {".epub"}
SUPPORTED_SUFFIXES = (TEXT_SUFFIXES | ZIP_SUFFIXES | CSV_SUFFIXES | MAIL_SUFFIXES | IMAGE_SUFFIXES
                      | set(CONVERTED_SUFFIXES) | {".pdf"})
ARCHIVE_EXPANSION_LIMIT = 4  # an office file may inflate to this many times the file size limit
_SENTENCE_END = tuple("。！？；.!?;:：")
# An Office file protected by a password is no zip but an OLE compound file holding an "EncryptedPackage" stream.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def decode_text(data: bytes) -> str:
    """Decode a text file: BOM-marked UTF-8/16 first, then UTF-8, then GB18030 (covers GBK/GB2312)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if b"\x00" in data[:4096]:
        raise PartitionError("binary data, not text (NUL bytes)")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise PartitionError("not readable as text (unknown encoding or binary data)")


def _looks_like_text(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return True
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
    return controls / len(sample) < 0.01


def _check_archive(data: bytes, suffix: str, max_bytes: int) -> None:
    """docx/pptx/xlsx/epub are zip archives: refuse one that is not, or that would inflate far past the size limit."""
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise PartitionError(f"encrypted {suffix[1:]} file (password-protected): it cannot be read without "
                                 "the password")
        raise PartitionError(f"not a valid {suffix[1:]} file (an old binary Office file with the wrong name?)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise PartitionError(f"not a valid {suffix[1:]} file (not a zip archive)") from exc
    limit = max_bytes * ARCHIVE_EXPANSION_LIMIT
    if inflated > limit:
        raise PartitionError(
            f"{suffix[1:]} archive expands to {inflated / 1e6:.0f} MB (limit {limit / 1e6:.0f} MB): "
            "refused as a zip bomb"
        )


_SETEXT_HEADING = re.compile(r"^[^\s=-][^\n]*\n(?:=+|-+)[ \t]*$", re.M)


def _is_heading(category: str, text: str) -> bool:
    # unstructured calls short Chinese sentences "Title" in plain text; a heading is short and unpunctuated.
    return category == "Title" and len(text) <= 60 and not text.endswith(_SENTENCE_END)


def _languages_for(text: str) -> list[str]:
    return ["zho", "eng"] if detect_language(text[:4000]) == "zh" else ["eng"]


_PERMALINK = re.compile(r"[\s¶#]+$")


def _heading_text(text: str) -> str:
    # Site generators (Sphinx, MkDocs) end each heading with a permalink sign that is no part of its words.
    return _PERMALINK.sub("", text) or text


def _sections_from_elements(elements: Iterable[Element]) -> tuple[str | None, list[Section]]:
    """Sections of the elements, each with its heading path (headings stacked by unstructured's `category_depth`:
    HTML h1 = 0, h2 = 1, Markdown # = 0; a heading without one takes the place of the last heading).

    The title is the first heading of the outermost level present, not merely the first heading: an exported web page
    starts with navigation headings (Sphinx's "Navigation" is an h3 above the page's h1), which would otherwise title
    every page of a site the same."""
    first_heading: str | None = None
    top: tuple[int, str] | None = None  # (depth, text) of the first heading at the smallest depth seen
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    body: list[str] = []
    page: int | None = None

    def flush() -> None:
        if body:
            heading = stack[-1][1] if stack else None
            text = "\n".join(([heading] if heading else []) + body)
            sections.append(Section(text=text, heading=heading, page=page, path=tuple(h for _, h in stack)))

    for el in elements:
        text = (el.text or "").strip()
        if not text:
            continue
        el_page = getattr(el.metadata, "page_number", None)
        table = _table_markdown(el)
        if table:  # a table is a section of its own under the current headings, chunked by rows (chunk.py)
            flush()
            body = []
            heading = stack[-1][1] if stack else None
            sections.append(Section(text="\n".join(([heading] if heading else []) + [table]), heading=heading,
                                    page=el_page, path=tuple(h for _, h in stack), table=True))
            continue
        is_heading = _is_heading(el.category, text)
        if is_heading or (el_page is not None and el_page != page and body):
            flush()
            body = []
            if is_heading:
                text = _heading_text(text)
                depth = getattr(el.metadata, "category_depth", None)
                if depth is None:
                    depth = stack[-1][0] if stack else 0
                while stack and stack[-1][0] >= depth:
                    stack.pop()
                stack.append((depth, text))
                first_heading = first_heading or text
                if top is None or depth < top[0]:
                    top = (depth, text)
                page = el_page
                continue
        if not body:
            page = el_page
        body.append(text)
    flush()
    return (top[1] if top else first_heading), sections


def _table_markdown(element: Element) -> str:
    """A Table element (docx, pptx, html) as a Markdown table; empty for any other element."""
    html = getattr(element.metadata, "text_as_html", None) if element.category == "Table" else None
    return html_table_to_markdown(html) if html else ""


def _words_not_symbols(text: str) -> bool:
    """The cheap half of unstructured's narrative-text test (not empty, not a number, mostly letters), without its
    spaCy half (sentence count, verbs)."""
    from unstructured.partition.text_type import under_non_alpha_ratio

    return bool(text) and not text.isnumeric() and not under_non_alpha_ratio(text)


@cache
def _html_text_types_without_nlp() -> None:
    """HTML and Markdown headings come from their tags (h1-h6 -> Title); for every other block unstructured runs an
    English spaCy pipeline only to choose between NarrativeText and Text, a distinction Perimeter never reads (it
    keeps Titles as headings and the text of the rest). That pipeline was ~90% of the time to read a Markdown file
    and ran on Chinese text too. Title detection in plain text, docx and pptx keeps unstructured's full heuristics.
    tests/ingestion/test_partition.py fails if unstructured moves the hook, rather than letting reading go slow."""
    from unstructured.partition.html import parser

    if not hasattr(parser, "is_possible_narrative_text"):
        raise RuntimeError("unstructured.partition.html.parser.is_possible_narrative_text is gone: update "
                           "ingestion.partition._html_text_types_without_nlp for this unstructured version")
    # The parser calls the hook with the text alone; the original's tuning keywords have defaults nobody passes.
    parser.is_possible_narrative_text = _words_not_symbols  # type: ignore[assignment]


def _partition_with_unstructured(path: Path, data: bytes, declared: dict[str, Any]
                                 ) -> tuple[str | None, list[Section]]:
    """`declared` receives the version facts the file declares (front matter, core properties)."""
    suffix = path.suffix.lower()
    _html_text_types_without_nlp()
    if suffix in TEXT_SUFFIXES:
        text = decode_text(data)
        if suffix in {".md", ".markdown"}:
            facts, text = split_front_matter(text)  # YAML front matter is about the document, not its text
            declared.update(facts)
        languages = _languages_for(text)
        # A plain-text file whose headings are underlined (=== / ---) is written in Markdown's setext style, and only
        # the Markdown reader sees those headings: the text reader called a late "Questions: ..." line the title.
        if suffix in {".md", ".markdown"} or (suffix in {".txt", ".text"} and _SETEXT_HEADING.search(text)):
            from unstructured.partition.md import partition_md

            elements = partition_md(text=text, languages=languages)
        elif suffix in {".html", ".htm"}:
            from unstructured.partition.html import partition_html

            elements = partition_html(text=text, languages=languages)
        else:
            from unstructured.partition.text import partition_text

            elements = partition_text(text=text, languages=languages)
    elif suffix == ".docx":
        from unstructured.partition.docx import partition_docx

        elements = partition_docx(filename=str(path), languages=["zho", "eng"])
        facts, declared_title = word_properties(path)
        declared.update(facts)
        title, sections = _sections_from_elements(elements)
        # No heading styles (an RTF's big bold first line, a memo): the title the file declares, before the file name.
        return title or declared_title, sections
    else:
        from unstructured.partition.pptx import partition_pptx

        elements = partition_pptx(filename=str(path), languages=["zho", "eng"])
    return _sections_from_elements(elements)


def _read_epub(data: bytes) -> Parsed:
    from unstructured.partition.html import partition_html

    _html_text_types_without_nlp()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        title, chapters = epub_chapters(archive)
    sections: list[Section] = []
    for _, xhtml in chapters:
        text = decode_text(xhtml)
        sections += _sections_from_elements(partition_html(text=text, languages=_languages_for(text)))[1]
    return Parsed(title=title, sections=sections)


def _read_image(data: bytes, options: ReadOptions) -> Parsed:
    """A photo, screenshot or scan: its text by OCR; the pages of a multi-page TIFF keep their numbers."""
    frames = check_image(data)
    if not options.ocr:
        raise PartitionError("an image, and OCR is off (PERIMETER_OCR=false)")
    pages = recognise(data, options)
    sections = [Section(text=text, page=n if frames > 1 else None, labels={"ocr": True})
                for n, text in enumerate(pages, start=1) if text]
    return Parsed(title=None, sections=sections, ocr_pages=len(pages))


def read_document(path: Path, data: bytes, max_bytes: int, options: ReadOptions, depth: int = 0) -> Parsed:
    """Read `data` (the bytes of `path`) by its kind; `depth`: how deep inside mails this file lies."""
    suffix = path.suffix.lower()
    if suffix in ZIP_SUFFIXES:
        _check_archive(data, suffix, max_bytes)
    if suffix == ".pdf":
        return read_pdf(path, options)
    if suffix in IMAGE_SUFFIXES:
        return _read_image(data, options)
    if suffix in CONVERTED_SUFFIXES:
        modern = convert(path, options)
        with tempfile.TemporaryDirectory(prefix="perimeter-") as work:
            converted = Path(work) / f"converted{CONVERTED_SUFFIXES[suffix]}"
            converted.write_bytes(modern)
            return read_document(converted, modern, max_bytes, options, depth)
    if suffix in SHEET_SUFFIXES:
        return read_xlsx(path, options)
    if suffix in CSV_SUFFIXES:
        return read_csv(decode_text(data), options)
    if suffix in MAIL_SUFFIXES:
        reader = read_msg if suffix == ".msg" else read_eml
        return reader(data, options, lambda name, part: _read_attachment(name, part, max_bytes, options, depth + 1),
                      separate=depth == 0)
    if suffix == ".epub":
        return _read_epub(data)
    declared: dict[str, Any] = {}
    title, sections = _partition_with_unstructured(path, data, declared)
    return Parsed(title=title, sections=sections, declared=declared)


def _read_attachment(name: str, data: bytes, max_bytes: int, options: ReadOptions, depth: int) -> Parsed:
    """A mail's attachment, read as a file of its own kind (in a temporary folder: some readers want a path)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise PartitionError(f"unsupported file type '{suffix or name}'")
    if suffix in MAIL_SUFFIXES and depth > options.max_depth:
        raise PartitionError(f"a mail nested more than {options.max_depth} deep in mails")
    if not data.strip():
        raise PartitionError("empty file")
    with tempfile.TemporaryDirectory(prefix="perimeter-") as work:
        path = Path(work) / f"attachment{suffix}"  # never the sender's name on disk
        path.write_bytes(data)
        try:
            return read_document(path, data, max_bytes, options, depth)
        except PartitionError:
            raise
        except Exception as exc:  # third-party parsers raise anything on corrupt input
            raise PartitionError(f"cannot parse {suffix[1:]} file ({type(exc).__name__}: {exc})") from exc


def warm_up_parsers() -> None:
    """Import the parsers ahead of the first file (unstructured's imports take seconds)."""
    from unstructured.partition.docx import partition_docx  # noqa: F401
    from unstructured.partition.html import partition_html  # noqa: F401
    from unstructured.partition.md import partition_md
    from unstructured.partition.pptx import partition_pptx  # noqa: F401
    from unstructured.partition.text import partition_text

    _html_text_types_without_nlp()
    partition_md(text="# Warm\n\nup.", languages=["eng"])
    partition_text(text="Warm up.", languages=["eng"])  # loads spaCy, still used for plain text, docx and pptx


def partition_file(path: Path, max_bytes: int, source: str | None = None,
                   options: ReadOptions | None = None) -> Document:
    """Read one file (`source`: its identity in the index, default its absolute path).

    Raises PartitionError with the reason when it cannot be used."""
    options = options or ReadOptions()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise PartitionError(f"unsupported file type '{suffix or path.name}'")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise PartitionError(f"file too large ({size / 1e6:.1f} MB > limit {max_bytes / 1e6:.1f} MB)")
        data = path.read_bytes()
    except PermissionError as exc:
        raise PartitionError("permission denied") from exc
    except FileNotFoundError as exc:
        raise PartitionError("file not found (moved or deleted before it could be read)") from exc
    except IsADirectoryError as exc:
        raise PartitionError("a folder, not a file") from exc
    except OSError as exc:
        raise PartitionError(f"cannot read file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise PartitionError("empty file")
    try:
        parsed = read_document(path, data, max_bytes, options)
    except PartitionError:
        raise
    except Exception as exc:  # third-party parsers raise anything on corrupt input
        raise PartitionError(f"cannot parse {suffix[1:]} file ({type(exc).__name__}: {exc})") from exc
    if not parsed.sections:
        raise PartitionError("no text found in the document" + ("" if options.ocr or suffix != ".pdf" else
                                                                 " (OCR is off: PERIMETER_OCR=false)"))
    doc = Document(
        source=source or os.path.abspath(path),
        title=parsed.title or path.stem.replace("-", " ").replace("_", " "),
        sha256=hashlib.sha256(data).hexdigest(),
        sections=parsed.sections,
        labels=parsed.labels,
        notes=parsed.notes,
        ocr_pages=parsed.ocr_pages,
        declared=parsed.declared,
    )
    doc.attachments = attachment_documents(doc, parsed.attachments)
    return doc
