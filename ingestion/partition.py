"""Reads one file into a Document of sections: unstructured for office/markup formats, pypdf for PDF (with pages).

Every failure is a PartitionError with a reason a person can act on; the caller records it and goes on.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingestion.documents import Document, Section
from ingestion.version_marks import split_front_matter
from prompts.language import detect_language

if TYPE_CHECKING:  # unstructured takes seconds to import: only the parsing functions import it, when first used
    from unstructured.documents.elements import Element

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".html", ".htm"}
OFFICE_SUFFIXES = {".docx", ".pptx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | OFFICE_SUFFIXES | {".pdf"}
ARCHIVE_EXPANSION_LIMIT = 4  # an office file may inflate to this many times the file size limit
_SENTENCE_END = tuple("。！？；.!?;:：")


class PartitionError(Exception):
    """A file that cannot be read; the message says why."""


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
    """docx/pptx are zip archives: refuse one that is not, or that would inflate far past the size limit."""
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


def _docx_declared(path: Path) -> dict[str, Any]:
    """A Word file's core properties that speak of its version: content status ("Draft", "Final") and version."""
    from docx import Document as WordDocument

    props = WordDocument(str(path)).core_properties
    facts: dict[str, Any] = {}
    status = (props.content_status or "").strip().lower()
    if status in {"draft", "草稿", "草案"}:
        facts["status"] = "draft"
    elif status in {"superseded", "expired", "current"}:
        facts["status"] = status
    if (props.version or "").strip():
        facts["version"] = props.version.strip()
    return facts


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
        if suffix in {".md", ".markdown"}:
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
        declared.update(_docx_declared(path))
    else:
        from unstructured.partition.pptx import partition_pptx

        elements = partition_pptx(filename=str(path), languages=["zho", "eng"])
    return _sections_from_elements(elements)


_WRAPPED_CJK = re.compile(r"(?<=[\u3400-\u9fff\uff0c\u3001])\n(?=[\u3400-\u9fff])")


def _join_wrapped_cjk(text: str) -> str:
    """PDF lines wrap mid-phrase; Chinese has no spaces, so a line break between two CJK characters is no break."""
    return _WRAPPED_CJK.sub("", text)


def _partition_pdf(path: Path) -> tuple[str | None, list[Section]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PartitionError("encrypted PDF (password required)")
        title = reader.metadata.get("/Title") if reader.metadata else None
        sections = []
        for number, page in enumerate(reader.pages, start=1):
            text = _join_wrapped_cjk(re.sub(r"[ \t]+\n", "\n", page.extract_text() or "")).strip()
            if text:
                sections.append(Section(text=text, page=number))
    except PartitionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PartitionError(f"corrupt or truncated PDF ({exc})") from exc
    if not title and sections:
        first_line = sections[0].text.splitlines()[0].strip()
        title = first_line if len(first_line) <= 80 else None
    return (str(title) if title else None), sections


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


def partition_file(path: Path, max_bytes: int, source: str | None = None) -> Document:
    """Read one file (`source`: its identity in the index, default its absolute path).

    Raises PartitionError with the reason when it cannot be used."""
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
    if suffix in OFFICE_SUFFIXES:
        _check_archive(data, suffix, max_bytes)
    declared: dict[str, Any] = {}
    try:
        if suffix == ".pdf":
            title, sections = _partition_pdf(path)
        else:
            title, sections = _partition_with_unstructured(path, data, declared)
    except PartitionError:
        raise
    except Exception as exc:  # third-party parsers raise anything on corrupt input
        raise PartitionError(f"cannot parse {suffix[1:]} file ({type(exc).__name__}: {exc})") from exc
    if not sections:
        raise PartitionError("no text found in the document")
    return Document(
        source=source or os.path.abspath(path),
        title=title or path.stem.replace("-", " ").replace("_", " "),
        sha256=hashlib.sha256(data).hexdigest(),
        sections=sections,
        declared=declared,
    )
