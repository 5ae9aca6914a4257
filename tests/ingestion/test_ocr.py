"""Scans and images through Tesseract: page numbers kept, OCR text labelled as such, English and Chinese."""
import pytest

from ingestion.chunk import chunk_document, make_splitter
from ingestion.partition import PartitionError, partition_file
from ingestion.reading import ReadOptions
from tests.docs import make_pdf
from tests.office_docs import make_png, make_scan_pdf

pytestmark = pytest.mark.slow
MB = 10**6

EN = ["Signed agreement: the per diem in Tokyo is 12,000 yen.", "Approved by the travel committee."]
ZH = ["差旅补贴规定：东京每日津贴为一万二千日元。", "本规定自二零二六年一月一日起执行。"]


def test_a_scanned_pdf_is_read_by_ocr_with_its_page_numbers(tmp_path):
    pdf = make_scan_pdf(tmp_path / "signed.pdf", [["Cover page of the signed policy."], EN, ZH])
    doc = partition_file(pdf, max_bytes=10 * MB)
    assert doc.ocr_pages == 3
    assert [s.page for s in doc.sections] == [1, 2, 3]
    assert all(s.labels == {"ocr": True} for s in doc.sections)
    assert "per diem in Tokyo is 12,000 yen" in doc.sections[1].text
    # Whole phrases, not the whole line: Tesseract's Chinese model misreads a character here and there (千 as 王 on
    # this page; bench.formats measures how often).
    assert "东京每日津贴" in doc.sections[2].text and "二零二六年一月一日" in doc.sections[2].text
    chunks = chunk_document(doc, make_splitter(200, 30), {})
    tokyo = [c for c in chunks if "12,000 yen" in c.text]
    assert tokyo and tokyo[0].metadata["page"] == 2 and tokyo[0].metadata["ocr"] is True


def test_only_the_pages_without_text_are_ocred(tmp_path):
    typed = make_pdf(tmp_path / "typed.pdf", ["Page one has a text layer about parking permits."])
    scanned = make_scan_pdf(tmp_path / "scan.pdf", [EN])
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in [*PdfReader(str(typed)).pages, *PdfReader(str(scanned)).pages]:
        writer.add_page(page)
    with (tmp_path / "mixed.pdf").open("wb") as f:
        writer.write(f)
    doc = partition_file(tmp_path / "mixed.pdf", max_bytes=10 * MB)
    assert doc.ocr_pages == 1
    assert [(s.page, s.labels.get("ocr", False)) for s in doc.sections] == [(1, False), (2, True)]
    with pytest.raises(PartitionError, match="OCR is off"):
        partition_file(scanned, max_bytes=10 * MB, options=ReadOptions(ocr=False))


def test_an_image_is_read_by_ocr(tmp_path):
    png = make_png(tmp_path / "whiteboard.png", ["Standup moved to 9:45 in room Aurora.", "会议改到极光会议室。"])
    doc = partition_file(png, max_bytes=10 * MB)
    assert doc.ocr_pages == 1 and doc.sections[0].labels == {"ocr": True}
    assert "Standup moved to 9:45 in room Aurora" in doc.sections[0].text
    assert "极光会议室" in doc.sections[0].text


def test_an_image_too_large_to_ocr_fails_alone(tmp_path):
    from PIL import Image

    Image.new("1", (10_000, 8_000), 1).save(tmp_path / "poster.png")  # 80 megapixels, a few KB compressed
    with pytest.raises(PartitionError, match="too large to OCR"):
        partition_file(tmp_path / "poster.png", max_bytes=10 * MB)


def test_rapidocr_boxes_become_lines_in_reading_order():
    from ingestion.ocr_onnx import _lines

    def box(left, top, right, bottom, text):
        return [[[left, top], [right, top], [right, bottom], [left, bottom]], text, 0.99]

    # Out of order, a line in two boxes whose tops differ a little, a Chinese line below.
    found = [box(400, 102, 700, 140, "Tokyo is 12,000 yen."), box(100, 20, 600, 60, "Signed agreement:"),
             box(100, 100, 380, 138, "The per diem in"), box(100, 180, 500, 220, "东京每日津贴")]
    assert _lines(found) == "Signed agreement:\nThe per diem in Tokyo is 12,000 yen.\n东京每日津贴"
    assert _lines([]) == ""


def test_the_rapidocr_engine_reads_a_scan_with_its_page_numbers(tmp_path):
    pytest.importorskip("rapidocr_onnxruntime", reason="the ocr-onnx extra is not installed")
    pdf = make_scan_pdf(tmp_path / "signed.pdf", [EN, ZH])
    doc = partition_file(pdf, max_bytes=10 * MB, options=ReadOptions(ocr_engine="rapidocr"))
    assert doc.ocr_pages == 2 and [s.page for s in doc.sections] == [1, 2]
    assert "per diem in Tokyo is 12,000 yen" in doc.sections[0].text
    assert "东京每日津贴" in doc.sections[1].text
