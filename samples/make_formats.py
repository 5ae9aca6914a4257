#!/usr/bin/env python3
"""Generate the sample corpus's files of the kinds added with issue 22: a mail with an attachment, a scanned PDF
(no text layer: read by OCR) and a photographed notice (PNG). No workbook: a sample one came up among the top
five sources of 7 of the 25 questions of questions.jsonl (README, "Formats and OCR"); the tests make their own.

    .venv/bin/python samples/make_formats.py

Requires Pillow and the fonts-wqy-microhei font. Output goes to samples/acme/; its questions are in
samples/questions_formats.jsonl. Fixed dates and zip timestamps make the output the same on every run (for given
library versions). Everything is fictional, like the rest of the corpus.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repository's tests/ helpers

from tests.office_docs import make_eml, make_png, make_scan_pdf  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent / "acme"


def main() -> None:
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
