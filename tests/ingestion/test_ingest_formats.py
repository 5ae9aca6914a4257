"""The new formats end to end, in real Chroma with the real embedding model: the facts of a scan, an image, a
workbook and a mail are found and cited with their page or sheet; a re-index reads (and OCRs) nothing again."""
import pytest

from services.answering.retrieve import to_source
from services.components import build_retriever, run_ingest
from tests.conftest import make_settings
from tests.hostile import OK, write_hostile_office_files
from tests.office_docs import make_eml, make_png, make_scan_pdf, make_xlsx

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _office_folder(folder):
    folder.mkdir()
    make_scan_pdf(folder / "signed-travel-rules.pdf", [
        ["Travel rules, signed copy."],
        ["Hotel limit in Berlin: 140 euros per night.", "Taxis are refunded after 22:00 only."],
        ["上海酒店住宿标准：每晚不超过六百元。"]])
    make_png(folder / "whiteboard.png", ["Quarterly planning moved to room Nebula on Thursday."])
    make_xlsx(folder / "allowances.xlsx", sheets={
        "Per diem": [["City", "Per diem"], ["Tokyo", "12,000 JPY"], ["Lagos", "70 USD"], ["Lima", "55 USD"]],
        "Mileage": [["Vehicle", "Rate per km"], ["Car", "0.30 EUR"], ["Cargo bike", "0.19 EUR"]]})
    make_eml(folder / "canteen-decision.eml", "Canteen opening hours decided",
             "After the vote the canteen now opens at 11:15 on weekdays.",
             [("menu.csv", b"Day,Dish\nMonday,Lentil soup\nTuesday,Saffron risotto\n")])


def _top(retriever, question):
    hits = retriever.search(question, ["all"], 3)
    assert hits, question
    return hits[0]


def test_scans_images_sheets_and_mail_are_searchable_and_cited_with_their_place(tmp_path, embedder):
    settings = make_settings(tmp_path / "data")
    docs = tmp_path / "docs"
    _office_folder(docs)
    expected = write_hostile_office_files(docs)
    report = run_ingest(settings, [docs], embedder=embedder)
    results = {f.source.rsplit("/", 1)[-1]: f for f in report.files}
    for name, want in expected.items():  # the hostile ones fail alone, the others are indexed
        assert (results[name].status == "failed") == (want != OK), (name, results[name])
        if want != OK:
            assert want.lower() in (results[name].reason or "").lower(), (name, results[name].reason)
    for name in ("signed-travel-rules.pdf", "whiteboard.png", "allowances.xlsx", "canteen-decision.eml"):
        assert results[name].status == "added", results[name]
    assert results["signed-travel-rules.pdf"].ocr_pages == 3 and results["whiteboard.png"].ocr_pages == 1
    assert any("180 of 200 attachments" in n for n in results["many-attachments.eml"].notes)

    retriever = build_retriever(settings, embedder)
    berlin = _top(retriever, "What is the hotel limit per night in Berlin?")
    assert berlin.metadata["source"].endswith("signed-travel-rules.pdf") and berlin.metadata["page"] == 2
    source = to_source(1, berlin, 200)
    assert source.ocr and source.page == 2 and source.place() == "p. 2, OCR"
    shanghai = _top(retriever, "上海出差酒店每晚标准是多少？")
    assert shanghai.metadata["page"] == 3 and "六百元" in shanghai.text
    assert _top(retriever, "Which room is quarterly planning in?").metadata["source"].endswith("whiteboard.png")
    tokyo = _top(retriever, "What is the per diem in Tokyo?")
    assert tokyo.metadata["sheet"] == "Per diem" and "| Tokyo | 12,000 JPY |" in tokyo.text
    assert tokyo.text.splitlines()[1] == "| City | Per diem |"
    assert _top(retriever, "mileage rate for a cargo bike").metadata["sheet"] == "Mileage"
    canteen = _top(retriever, "When does the canteen open?")
    assert canteen.metadata["source"].endswith("canteen-decision.eml")
    assert canteen.metadata["mail_subject"] == "Canteen opening hours decided"
    risotto = _top(retriever, "Which day is saffron risotto served?")
    assert risotto.metadata["attachment"] == "menu.csv" and to_source(1, risotto, 200).attachment == "menu.csv"

    # The second run plans every unchanged file as skipped: nothing is read, so nothing is OCRed again.
    again = run_ingest(settings, [docs], embedder=embedder)
    assert again.to_dict()["ocr_pages"] == 0
    assert {f.status for f in again.files if f.source.rsplit("/", 1)[-1] not in expected or
            expected[f.source.rsplit("/", 1)[-1]] == OK} == {"unchanged"}
