"""Tables kept as tables: HTML tables to Markdown, cut by whole rows with the header repeated, in every format that
has tables (docx, pptx, html)."""
from ingestion.chunk import chunk_document, estimate_tokens, make_splitter
from ingestion.partition import partition_file
from ingestion.tables import TABLE_LINE, html_table_to_markdown, rows_to_markdown, split_table

MB = 10**6


def test_html_tables_keep_rows_columns_and_spans():
    html = ("<table><tr><th>Region</th><th>City</th><th>Per diem</th></tr>"
            "<tr><td rowspan='2'>Asia</td><td>Tokyo</td><td>12,000 JPY</td></tr>"
            "<tr><td>Shanghai</td><td>600 CNY</td></tr>"
            "<tr><td colspan='2'>Elsewhere | any</td><td>80 EUR</td></tr></table>")
    assert html_table_to_markdown(html).splitlines() == [
        "| Region | City | Per diem |",
        "|---|---|---|",
        "| Asia | Tokyo | 12,000 JPY |",
        "| Asia | Shanghai | 600 CNY |",  # the rowspan's value reaches the row below
        "| Elsewhere \\| any | Elsewhere \\| any | 80 EUR |",  # a pipe in a cell is no column break
    ]


def test_a_hostile_colspan_cannot_make_a_million_cells():
    table = html_table_to_markdown("<table><tr><td colspan='1000000'>x</td></tr></table>")
    assert table.count("x") == 100


def test_split_by_whole_rows_with_the_heading_and_header_in_every_piece():
    rows = [["City", "Per diem"]] + [[f"City number {n}", f"{n * 10} EUR"] for n in range(60)]
    text = "Travel allowances\n" + rows_to_markdown(rows)
    pieces = split_table(text, estimate_tokens, 80)
    assert len(pieces) > 3
    for piece in pieces:
        lines = piece.splitlines()
        assert lines[:3] == ["Travel allowances", "| City | Per diem |", "|---|---|"]
        assert all(TABLE_LINE.match(line) for line in lines[1:])  # never a row cut in two
        assert estimate_tokens(piece) <= 80
    body = [line for piece in pieces for line in piece.splitlines()[3:]]
    assert body == text.splitlines()[3:]  # every row once, in order


def test_a_row_longer_than_a_chunk_stays_whole():
    text = rows_to_markdown([["Rule"], ["word " * 200]])
    (piece,) = split_table(text, estimate_tokens, 40)
    assert piece.endswith("word |")


def test_docx_and_html_tables_become_markdown_chunks(tmp_path):
    from docx import Document as Docx

    doc = Docx()
    doc.add_heading("Per diem rates", level=1)
    doc.add_paragraph("Rates for business travel.")
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "City", "Per diem"
    for city, rate in [("Tokyo", "12,000 JPY"), ("Paris", "90 EUR"), ("Shanghai", "600 CNY")] * 20:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = city, rate
    doc.save(tmp_path / "rates.docx")
    (tmp_path / "rates.html").write_text("<h1>Per diem rates</h1><table><tr><th>City</th><th>Per diem</th></tr>"
                                         + "<tr><td>Tokyo</td><td>12,000 JPY</td></tr>" * 60 + "</table>")
    for name in ("rates.docx", "rates.html"):
        parsed = partition_file(tmp_path / name, max_bytes=MB)
        tables = [s for s in parsed.sections if s.table]
        assert len(tables) == 1, name
        assert tables[0].heading == "Per diem rates" and "| Tokyo | 12,000 JPY |" in tables[0].text
        chunks = [c for c in chunk_document(parsed, make_splitter(60, 10), {}) if "Tokyo" in c.text]
        assert len(chunks) > 1, name
        for chunk in chunks:
            assert chunk.text.splitlines()[:2] == ["Per diem rates", "| City | Per diem |"], name
            assert all(TABLE_LINE.match(line) for line in chunk.text.splitlines()[1:]), name
