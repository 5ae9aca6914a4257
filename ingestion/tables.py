"""Tables kept as tables: rows of cells written as a Markdown table, and a table cut into chunks by whole rows with
its header repeated, so that "the per-diem in Tokyo" stays next to "City | Per diem" in every chunk.

Sources: unstructured's Table elements (docx, pptx, html: `text_as_html`), spreadsheet sheets and CSV files.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

TABLE_LINE = re.compile(r"^\|.*\|$")
_SEPARATOR = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+$")


def _cell(value: object) -> str:
    """One cell on one line: a pipe would open a new column, a line break a new row."""
    text = " ".join(str(value).split()) if value is not None else ""
    return text.replace("|", "\\|")


def rows_to_markdown(rows: list[list[str]]) -> str:
    """A Markdown table whose first row is the header; rows are padded to the widest, empty trailing columns dropped."""
    rows = [[_cell(c) for c in row] for row in rows]
    width = max((max((n + 1 for n, c in enumerate(row) if c), default=0) for row in rows), default=0)
    if width == 0:
        return ""
    rows = [(row + [""] * width)[:width] for row in rows if any(row)]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


class _TableParser(HTMLParser):
    """The cells of the first table of an HTML fragment; colspan and rowspan repeat the cell's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.spans: dict[int, tuple[int, str]] = {}  # column -> (rows left, text) from a rowspan above
        self.cell: list[str] | None = None
        self.colspan = self.rowspan = 1
        self.row: list[str] | None = None
        self.depth = 0  # nested tables are read as text of their cell

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self.row = []
            self._fill_spans()
        elif self.depth == 1 and tag in ("td", "th") and self.row is not None:
            values = dict(attrs)
            self.colspan = _span(values.get("colspan"))
            self.rowspan = _span(values.get("rowspan"))
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.depth -= 1
        elif self.depth == 1 and tag in ("td", "th") and self.cell is not None and self.row is not None:
            text = " ".join("".join(self.cell).split())
            for _ in range(self.colspan):
                if self.rowspan > 1:
                    self.spans[len(self.row)] = (self.rowspan - 1, text)
                self.row.append(text)
                self._fill_spans()
            self.cell = None
        elif self.depth == 1 and tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)

    def _fill_spans(self) -> None:
        """Cells that a rowspan above reaches into the current row, at the row's current end."""
        assert self.row is not None
        while len(self.row) in self.spans:
            left, text = self.spans[len(self.row)]
            if left <= 1:
                del self.spans[len(self.row)]
            else:
                self.spans[len(self.row)] = (left - 1, text)
            self.row.append(text)


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100))  # a hostile colspan="1000000" must not make a million cells
    except ValueError:
        return 1


def html_table_to_markdown(html: str) -> str:
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    return rows_to_markdown(parser.rows) if parser.rows else ""


def split_table(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> list[str]:
    """Pieces of at most `max_tokens` (unless a single row is longer: a row is never cut), each starting with the
    lines above the table (its heading) and the table's header and separator."""
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((n for n, line in enumerate(lines) if TABLE_LINE.match(line.strip())), len(lines))
    head_end = start + 2 if start + 1 < len(lines) and _SEPARATOR.match(lines[start + 1].strip()) else start + 1
    head = lines[:head_end]
    rows = lines[head_end:]
    if not rows:
        return ["\n".join(head)] if head else []
    pieces: list[str] = []
    current: list[str] = []
    for row in rows:
        if current and count_tokens("\n".join(head + current + [row])) > max_tokens:
            pieces.append("\n".join(head + current))
            current = []
        current.append(row)
    pieces.append("\n".join(head + current))
    return pieces
