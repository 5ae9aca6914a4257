#!/usr/bin/env python3
"""Generate the sample corpus's files of the kinds added with issue 22: a workbook, a mail with an attachment, a
scanned PDF (no text layer: read by OCR) and a photographed notice (PNG).

    .venv/bin/python samples/make_formats.py

Requires openpyxl, Pillow and the fonts-wqy-microhei font. Output goes to samples/acme/; its questions are in
samples/questions_formats.jsonl. Fixed dates and zip timestamps make the output the same on every run (for given
library versions). Everything is fictional, like the rest of the corpus.
"""
from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repository's tests/ helpers

from tests.office_docs import make_eml, make_png, make_scan_pdf, make_xlsx  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent / "acme"
ZIP_DT = (2026, 11, 2, 9, 0, 0)


def _normalise_zip(path: Path) -> None:
    """Rewrite an xlsx with fixed entry timestamps so output is reproducible."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DT)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving, whatever was set
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-11-02T09:00:00Z", data)
            dst.writestr(entry, data)
    path.write_bytes(buf.getvalue())


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
    _normalise_zip(rooms)
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


if __name__ == "__main__":
    main()
