#!/usr/bin/env python3
"""Generate the sample corpus's files of the kinds added with issue 22: a workbook, a mail with an attachment, a
scanned PDF (no text layer: read by OCR), a photographed notice (PNG), an OpenDocument text, an RTF file (read
through LibreOffice like .doc) and an e-book.

    .venv/bin/python samples/make_formats.py

Requires openpyxl, Pillow and the fonts-wqy-microhei font. Output goes to samples/acme/; its questions are the last
ones of samples/questions.jsonl (f01-f12). Fixed dates and zip timestamps make the output the same on every run (for
given library versions). Everything is fictional, like the rest of the corpus.
"""
from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repository's tests/ helpers

from tests.office_docs import make_eml, make_epub, make_png, make_scan_pdf, make_xlsx  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent / "acme"
ZIP_DT = (2026, 11, 2, 9, 0, 0)
ODF_TEXT = "application/vnd.oasis.opendocument.text"


def _fixed_zip(path: Path) -> None:
    """Rewrite a zip-based file (xlsx, epub) with fixed entry timestamps, its `mimetype` first and stored (as
    EPUB and OpenDocument require), so that output is reproducible."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    names = sorted(src.namelist(), key=lambda n: n != "mimetype")
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            entry = zipfile.ZipInfo(name, date_time=ZIP_DT)
            entry.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            data = src.read(name)
            if name == "docProps/core.xml":  # openpyxl stamps the time of saving, whatever was set
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-11-02T09:00:00Z", data)
            dst.writestr(entry, data)
    path.write_bytes(buf.getvalue())


def _make_odt(path: Path, title: str, blocks: list[tuple[str, str]]) -> Path:
    """A minimal OpenDocument text: a title, then (heading, paragraph) blocks."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"')
    body = f'<text:h text:outline-level="1">{title}</text:h>' + "".join(
        f'<text:h text:outline-level="2">{heading}</text:h><text:p>{text}</text:p>' for heading, text in blocks)
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.3">'
               f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")
    meta = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ns} office:version="1.3"><office:meta>'
            f"<dc:title>{title}</dc:title></office:meta></office:document-meta>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                f'opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
                f'manifest:media-type="{ODF_TEXT}"/><manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("mimetype", ODF_TEXT), ("META-INF/manifest.xml", manifest), ("content.xml", content),
                           ("meta.xml", meta)):
            entry = zipfile.ZipInfo(name, date_time=ZIP_DT)
            entry.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            z.writestr(entry, data)
    path.write_bytes(buf.getvalue())
    return path


def _make_rtf(path: Path, title: str, paragraphs: list[str]) -> Path:
    """A plain RTF file as a word processor saves it (ASCII text only: RTF escapes anything else)."""
    body = "\n".join(r"\pard\sa120 " + p.replace("\\", r"\\").replace("{", r"\{").replace("}", r"\}") + r"\par"
                     for p in paragraphs)
    path.write_text(r"{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}{\info{\title " + title + "}}\n"
                    r"\pard\sa200\b\fs32 " + title + r"\b0\fs24\par" + "\n" + body + "\n}\n", encoding="ascii")
    return path


def main() -> None:
    rooms = OUT_DIR / "meeting-rooms-and-parking.xlsx"
    make_xlsx(rooms, title="Meeting rooms and parking", sheets={
        "Meeting rooms": [["Office", "Room", "Seats", "Video conferencing"],
                          ["London", "Thames", 12, "yes"], [None, "Fleet", 6, "no"], [None, "Borough", 20, "yes"],
                          ["Shanghai", "Huangpu", 10, "yes"], [None, "Jing'an", 4, "no"]],
        "Parking": [["Office", "Spaces", "Permit fee per month"],
                    ["London", 18, "GBP 45"], ["Shanghai", 30, "CNY 300"]],
        "上海会议室": [["会议室", "座位", "预订方式"], ["黄浦厅", 10, "企业微信提前一天预订"],
                   ["静安厅", 4, "前台登记"]],
    }, merged={"Meeting rooms": ["A2:A4", "A5:A6"]})
    _fixed_zip(rooms)
    make_eml(OUT_DIR / "canteen-hours-decision.eml", "Decision: canteen opening hours from 1 December",
             "Hello all,\n\nthe facilities committee decided that from 1 December the London canteen opens at 11:15 "
             "and closes at 14:45 on weekdays. Breakfast is no longer served.\n\nThe winter menu is attached.\n\n"
             "Priya Shah, Facilities", [("winter-menu.csv", b"Day,Main dish,Vegetarian option\nMonday,Fish pie,"
                                                            b"Lentil dal\nWednesday,Beef stew,Mushroom risotto\n"
                                                            b"Friday,Roast chicken,Halloumi wrap\n")],
             sender="Priya Shah <priya.shah@acme-ltd.example>", to="london-staff@acme-ltd.example",
             date="Mon, 23 Nov 2026 16:20:00 +0000")
    make_scan_pdf(OUT_DIR / "fire-drill-notice-scan.pdf", [
        ["FIRE DRILL NOTICE (signed copy)", "London office: the fire drill takes place on 12 March at 10:30.",
         "The assembly point is the car park on Fleet Lane.", "Fire wardens wear yellow vests."],
        ["上海办公室消防演练通知", "演练时间：三月十九日上午十点。", "集合地点：大楼北侧广场。"]])
    make_png(OUT_DIR / "visitor-wifi-whiteboard.png", ["Visitor Wi-Fi: network AcmeGuest",
                                                       "Vouchers are issued by reception and last 8 hours."])
    _make_odt(OUT_DIR / "cycle-to-work-scheme.odt", "Cycle to work scheme", [
        ("Who can join", "Permanent employees in the London office can join the cycle to work scheme after their "
                         "probation period. Applications open twice a year, in March and in September."),
        ("Bikes and equipment", "The scheme covers a bike and safety equipment worth up to GBP 1,500 in total. "
                                "The cost is taken from gross salary over 12 monthly instalments."),
        ("At the office", "Secure bike storage is in the basement of the London office; the showers and lockers "
                          "are on level 2. Cycle to work questions go to benefits@acme-ltd.example.")])
    _make_rtf(OUT_DIR / "first-aid-arrangements.rtf", "First aid arrangements", [
        "Every Acme office has trained first aiders on each floor; their names are posted beside the lifts.",
        "London office: the first-aid room is on level 3, next to the quiet room. The defibrillator (AED) hangs "
        "at the main reception desk on the ground floor.",
        "First aiders renew their certificate every three years; the course is booked through Facilities.",
        "After any injury at work, however small, fill in the accident book at reception within 24 hours."])
    book = make_epub(OUT_DIR / "wellbeing-handbook.epub", "Wellbeing handbook", [
        ("Employee assistance programme", "The employee assistance programme is free and confidential. Call "
                                          "+44 20 7946 0555 at any hour; each employee can have up to 6 free "
                                          "counselling sessions per year."),
        ("Mental health first aiders", "Mental health first aiders are listed on the intranet and can be "
                                       "contacted by chat or in person."),
        ("上海办公室健康福利", "上海办公室员工每年可享受一次免费体检，体检机构由人力资源部统一安排。")])
    _fixed_zip(book)


if __name__ == "__main__":
    main()
