"""Spreadsheets, CSV, mail and EPUB: read with their structure (sheets, header rows, mail headers, attachments), and
hostile files of these kinds failing alone with a reason."""
import datetime as dt

import pytest

from ingestion.chunk import chunk_document, chunk_file, doc_id, make_splitter
from ingestion.partition import PartitionError, partition_file
from ingestion.reading import ReadOptions
from tests.hostile import OK, write_hostile_office_files
from tests.office_docs import huge_xlsx, make_eml, make_epub, make_xlsx

MB = 10**6


def _workbook(path):
    return make_xlsx(path, title="Travel allowances 2026", sheets={
        "Per diem": [["Region", "City", "Per diem (local)", "Since"],
                     ["Asia", "Tokyo", 12000, dt.date(2026, 1, 1)],
                     [None, "Shanghai", 600.0, dt.date(2026, 1, 1)],
                     ["Europe", "Paris", 90, dt.date(2025, 7, 1)]],
        "Mileage": [["Vehicle", "Rate per km"], ["Car", 0.3], ["Bicycle", 0.25]],
    }, merged={"Per diem": ["A2:A3"]})


def test_each_sheet_is_a_section_with_its_header_and_merged_cells_filled(tmp_path):
    doc = partition_file(_workbook(tmp_path / "allowances.xlsx"), max_bytes=MB)
    assert doc.title == "Travel allowances 2026"
    assert [s.heading for s in doc.sections] == ["Per diem", "Mileage"]
    assert all(s.table and s.labels == {"sheet": s.heading} for s in doc.sections)
    per_diem = doc.sections[0].text.splitlines()
    assert per_diem[:3] == ["Per diem", "| Region | City | Per diem (local) | Since |", "|---|---|---|---|"]
    assert "| Asia | Shanghai | 600 | 2026-01-01 |" in per_diem  # merged "Asia" reaches Shanghai's row; 600.0 -> 600
    chunks = chunk_document(doc, make_splitter(200, 30), {})
    assert {c.metadata["sheet"] for c in chunks} == {"Per diem", "Mileage"}
    assert any("| Bicycle | 0.25 |" in c.text and c.metadata["heading"] == "Mileage" for c in chunks)


def test_a_long_sheet_is_chunked_by_rows_with_its_header(tmp_path):
    rows = [["Employee", "Team", "Desk"]] + [[f"Person {n}", f"Team {n % 7}", f"D-{n:04}"] for n in range(400)]
    doc = partition_file(make_xlsx(tmp_path / "desks.xlsx", sheets={"Desks": rows}), max_bytes=MB)
    chunks = chunk_document(doc, make_splitter(120, 20), {})
    assert len(chunks) > 5
    assert all(c.text.splitlines()[1] == "| Employee | Team | Desk |" for c in chunks)
    assert sum(c.text.count("| Person ") for c in chunks) == 400  # each row exactly once


def test_a_sheet_over_the_cell_limit_fails_with_its_reason(tmp_path):
    path = huge_xlsx(tmp_path / "big.xlsx", rows=300)
    assert partition_file(path, max_bytes=MB, options=ReadOptions(max_sheet_cells=5000)).sections
    with pytest.raises(PartitionError, match="too large: more than 1,000 cells"):
        partition_file(path, max_bytes=MB, options=ReadOptions(max_sheet_cells=1000))


def test_csv_is_a_table_whatever_its_delimiter(tmp_path):
    (tmp_path / "prices.csv").write_text("Item;Price\nStapler;4.50\nToner;62.00\n", encoding="utf-8")
    (tmp_path / "价格.csv").write_bytes("物品,价格\n订书机,30元\n".encode("gbk"))
    assert partition_file(tmp_path / "prices.csv", max_bytes=MB).sections[0].text.splitlines() == [
        "| Item | Price |", "|---|---|", "| Stapler | 4.50 |", "| Toner | 62.00 |"]
    assert "| 订书机 | 30元 |" in partition_file(tmp_path / "价格.csv", max_bytes=MB).sections[0].text


def test_a_mail_has_its_headers_and_body_and_its_attachments_are_documents_of_their_own(tmp_path):
    sheet = _workbook(tmp_path / "allowances.xlsx").read_bytes()
    mail = make_eml(tmp_path / "decision.eml", "Decision: new per diem for Tokyo",
                    "Hi all,\n\nwe agreed to raise the Tokyo per diem to 12,000 yen from January.\n\nDana",
                    [("allowances.xlsx", sheet), ("notes.csv", b"Topic,Owner\nTokyo rate,Dana\n"),
                     ("setup.exe", b"MZ\x90\x00binary")])
    doc = partition_file(mail, max_bytes=MB)
    assert doc.title == "Decision: new per diem for Tokyo"
    assert doc.labels["mail_from"] == "Dana Lee <dana.lee@acme.example>"
    assert doc.labels["mail_to"] == "finance@acme.example"
    assert doc.labels["mail_date"] == "2026-11-03T09:15:00+00:00"
    assert len(doc.sections) == 1 and doc.sections[0].text.startswith("From: Dana Lee")
    assert "raise the Tokyo per diem to 12,000 yen" in doc.sections[0].text
    workbook, notes = doc.attachments
    assert workbook.source == f"{mail}#attachment/1/allowances.xlsx" and workbook.parent == str(mail)
    assert notes.source == f"{mail}#attachment/2/notes.csv" and notes.title == "notes.csv"
    assert workbook.title == "Travel allowances 2026" and workbook.sha256 != doc.sha256
    assert workbook.labels["mail_subject"] == doc.title and workbook.labels["attachment"] == "allowances.xlsx"
    tokyo = next(s for s in workbook.sections if s.labels.get("sheet") == "Per diem")
    assert tokyo.path == ("Per diem",) and "| Asia | Tokyo | 12000 |" in tokyo.text
    assert doc.notes == ["attachment 'setup.exe' not read: unsupported file type '.exe'"]
    chunks = chunk_file(doc, make_splitter(200, 30), {"groups": ["finance"]})
    assert all(c.metadata["mail_subject"] == doc.title and c.metadata["groups"] == ["finance"] for c in chunks)
    attached = [c for c in chunks if c.metadata.get("attachment")]
    assert {c.metadata["parent_source"] for c in attached} == {str(mail)}
    assert {c.metadata["doc_id"] for c in attached} == {doc_id(workbook.source), doc_id(notes.source)}
    assert [c.metadata["position"] for c in attached if c.metadata["attachment"] == "notes.csv"] == [0]
    assert all("parent_source" not in c.metadata for c in chunks if not c.metadata.get("attachment"))


def test_a_mail_with_200_attachments_reads_the_first_ones_and_reports_the_rest(tmp_path):
    expected = write_hostile_office_files(tmp_path)
    assert expected["many-attachments.eml"] == OK
    doc = partition_file(tmp_path / "many-attachments.eml", max_bytes=MB)
    assert [a.source.rsplit("/", 1)[-1] for a in doc.attachments] == [f"rota-{n:03}.csv" for n in range(20)]
    assert doc.notes == ["180 of 200 attachments not read (limit 20 per mail, PERIMETER_MAX_ATTACHMENTS)"]


def test_mails_inside_mails_stop_at_the_depth_limit(tmp_path):
    inner = make_eml(tmp_path / "inner.eml", "Inner", "The innermost fact: badge colour is teal.").read_bytes()
    for level in range(4):
        inner = make_eml(tmp_path / f"level{level}.eml", f"Level {level}", "See attached.",
                         [(f"level{level - 1}.eml", inner)]).read_bytes()
    doc = partition_file(tmp_path / "level3.eml", max_bytes=MB)
    (attached,) = doc.attachments  # the mail inside is a document; the mails inside it are its sections
    assert attached.title == "Level 2" and any(s.labels.get("attachment") == "level1.eml" for s in attached.sections)
    assert not any("teal" in s.text for d in (doc, attached) for s in d.sections)
    assert any("nested more than 2 deep" in note for note in doc.notes)


def test_an_epub_is_read_chapter_by_chapter(tmp_path):
    book = make_epub(tmp_path / "handbook.epub", "Staff handbook",
                     [("Badges", "Badges are worn at all times."), ("门禁", "访客须在前台登记。")])
    doc = partition_file(book, max_bytes=MB)
    assert doc.title == "Staff handbook"
    assert [s.heading for s in doc.sections] == ["Badges", "门禁"]
    assert "访客须在前台登记" in doc.sections[1].text


def test_hostile_office_files_fail_alone_with_their_reason(tmp_path):
    expected = write_hostile_office_files(tmp_path)
    limit = 25 * MB  # the default: the huge sheet must fail for its cells, not for its size
    for name, word in expected.items():
        if word == OK:
            assert partition_file(tmp_path / name, max_bytes=limit).sections, name
            continue
        with pytest.raises(PartitionError) as err:
            partition_file(tmp_path / name, max_bytes=limit)
        assert word.lower() in str(err.value).lower(), (name, str(err.value))


def test_a_chunk_under_a_title_in_the_other_language_counts_as_bilingual():
    from ingestion.keyword_index import embedded_mix

    assert embedded_mix("Meeting rooms and parking", "上海会议室\n| 会议室 | 座位 |\n|---|---|\n| 静安厅 | 4 |") == 0.5
    assert embedded_mix("艾克米有限公司员工休假制度", "员工每年可享受十五天带薪年假。") == 0.0
    assert embedded_mix("Leave Policy", "Employees get 25 days of annual leave.") == 0.0
    assert embedded_mix("", "上海会议室") == 0.0
