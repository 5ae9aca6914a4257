"""PDF files: the text layer by pypdf, page by page; a page with no text layer (or a few characters: a scan with a
stamp or a page number) is rendered by Poppler's pdftoppm and read by OCR, keeping its page number."""
from __future__ import annotations

import re
from pathlib import Path

from ingestion.documents import Section
from ingestion.errors import PartitionError
from ingestion.external import find_program, run_program
from ingestion.ocr import recognise, tidy_ocr_text
from ingestion.reading import Parsed, ReadOptions

_WRAPPED_CJK = re.compile(r"(?<=[\u3400-\u9fff\uff0c\u3001])\n(?=[\u3400-\u9fff])")


def join_wrapped_cjk(text: str) -> str:
    """PDF lines wrap mid-phrase; Chinese has no spaces, so a line break between two CJK characters is no break."""
    return _WRAPPED_CJK.sub("", text)


def _visible_chars(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def render_page(path: Path, number: int, dpi: int, options: ReadOptions) -> bytes:
    """One page as a greyscale PNG."""
    pdftoppm = find_program("pdftoppm")
    return run_program([pdftoppm, "-r", str(dpi), "-f", str(number), "-l", str(number), "-gray", "-png", str(path)],
                       timeout_s=options.program_timeout_s)


def read_pdf(path: Path, options: ReadOptions) -> Parsed:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    scans: list[int] = []
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PartitionError("encrypted PDF (password required)")
        title = reader.metadata.get("/Title") if reader.metadata else None
        sections: list[Section] = []
        for number, page in enumerate(reader.pages, start=1):
            text = join_wrapped_cjk(re.sub(r"[ \t]+\n", "\n", page.extract_text() or "")).strip()
            if options.ocr and _visible_chars(text) < options.ocr_min_chars:
                scans.append(number)
                sections.append(Section(text=text, page=number))  # replaced by the OCR text below
            elif text:
                sections.append(Section(text=text, page=number))
    except PartitionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PartitionError(f"corrupt or truncated PDF ({exc})") from exc
    parsed = Parsed(title=str(title) if title else None, sections=sections)
    if scans:
        _ocr_pages(path, scans, parsed, options)
    parsed.sections = [s for s in parsed.sections if s.text]
    if not parsed.title and parsed.sections:
        first_line = parsed.sections[0].text.splitlines()[0].strip()
        parsed.title = first_line if len(first_line) <= 80 else None
    return parsed


def _ocr_pages(path: Path, numbers: list[int], parsed: Parsed, options: ReadOptions) -> None:
    """Replace the text of the scanned pages by what OCR reads on them (kept when OCR finds less)."""
    by_page = {s.page: s for s in parsed.sections}
    for number in numbers[: options.ocr_max_pages]:
        section = by_page[number]
        image = render_page(path, number, options.ocr_dpi, options)
        text = tidy_ocr_text("\n".join(recognise(image, options)))
        parsed.ocr_pages += 1
        if _visible_chars(text) > _visible_chars(section.text):
            section.text = text
            section.labels = {"ocr": True}
    if len(numbers) > options.ocr_max_pages:
        skipped = numbers[options.ocr_max_pages:]
        parsed.notes.append(f"{len(skipped)} scanned pages not read by OCR (pages {skipped[0]}-{skipped[-1]}; "
                            f"limit {options.ocr_max_pages} per file, PERIMETER_OCR_MAX_PAGES)")
