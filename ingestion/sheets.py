"""Spreadsheets and CSV files: each sheet a section holding a Markdown table, its first non-empty row the header that
every chunk of rows repeats (ingestion/tables.py). Formulas are read as the values the spreadsheet last computed;
merged cells give their value to every cell they cover, so a row keeps its context ("EMEA" merged down a column)."""
from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ingestion.documents import Section
from ingestion.errors import PartitionError
from ingestion.reading import Parsed, ReadOptions
from ingestion.tables import rows_to_markdown

# Empty cells count too, at this many times the limit of cells with a value: a sheet that declares a million empty
# columns is read (and refused) by its size, not by the few values it holds.
_EMPTY_CELLS_FACTOR = 5


def cell_text(value: Any) -> str:
    """A cell as a person reads it: whole numbers without ".0", dates without a midnight time."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def _check_size(rows: Iterable[tuple[Any, ...]], where: str, options: ReadOptions, counted: list[int]) -> None:
    """Count cells across the whole file (`counted`: [with a value, all]); too many fails the file."""
    for row in rows:
        counted[0] += sum(1 for v in row if v is not None and v != "")
        counted[1] += len(row)
        if counted[0] > options.max_sheet_cells or counted[1] > options.max_sheet_cells * _EMPTY_CELLS_FACTOR:
            raise PartitionError(f"spreadsheet too large: more than {options.max_sheet_cells:,} cells (at {where}; "
                                 "PERIMETER_MAX_SHEET_CELLS)")


def read_xlsx(path: Path, options: ReadOptions) -> Parsed:
    from openpyxl import load_workbook

    # First a streaming pass that only counts, so that a huge sheet is refused before it is loaded whole.
    counted = [0, 0]
    streamed = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in streamed.worksheets:
            _check_size(sheet.iter_rows(values_only=True), f"sheet '{sheet.title}'", options, counted)
    finally:
        streamed.close()
    # data_only: a formula cell holds what the spreadsheet last computed. A file written by a program that never
    # computes (openpyxl itself) has no such value; the cell is then empty.
    book = load_workbook(path, data_only=True)
    sections = []
    for sheet in book.worksheets:
        # From A1, not from the first cell with a value: merged ranges are addressed from A1.
        grid = [list(row) for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True)]
        for merged in sheet.merged_cells.ranges:
            top_left = grid[merged.min_row - 1][merged.min_col - 1] if len(grid) >= merged.min_row else None
            for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
                for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                    grid[r][c] = top_left
        table = rows_to_markdown([[cell_text(v) for v in row] for row in grid])
        if table:
            sections.append(Section(text=f"{sheet.title}\n{table}", heading=sheet.title, path=(sheet.title,),
                                    table=True, labels={"sheet": sheet.title}))
    title = book.properties.title if book.properties else None
    return Parsed(title=title or None, sections=sections)


def read_csv(text: str, options: ReadOptions) -> Parsed:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel  # one column, or no consistent delimiter: read as plain comma-separated
    rows = list(csv.reader(text.splitlines(), dialect))
    _check_size((tuple(r) for r in rows), "the CSV file", options, [0, 0])
    table = rows_to_markdown(rows)
    return Parsed(title=None, sections=[Section(text=table, table=True)] if table else [])
