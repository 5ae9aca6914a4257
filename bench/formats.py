"""Formats benchmark, one command: `python -m bench.formats [--pages N] [--dpi D] [--ocr-engine E] [--ocr-only]`.

1. OCR: English and Chinese policy pages rendered to images at `--dpi` (300) and wrapped in image-only PDFs (a
   scanner's output), read through partition_file (pdftoppm, then the `--ocr-engine`: Tesseract with the languages of
   Settings(), the default, or RapidOCR, the `ocr-onnx` extra). Character accuracy = 1 - edit distance / length of
   the true text (whitespace collapsed; removed for Chinese, which has none), over all pages; pages per second of the
   OCR path; for Tesseract, the same pages also with each language model alone. The pages are the same for every
   engine (a fixed seed).
2. Tables: generated tables (a workbook of per-diem rates by city in English and Chinese, a docx table of department
   contacts, an HTML price list) ingested with the real embedding model; each question asks for one cell ("What is
   the per diem in Lagos?"); hit@1 = the first hit holds that row, with its value.

Ends with `RESULT ocr_en=… ocr_zh=… pages_per_s=… table_hit1=…`.
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import ingestion  # noqa: F401  (offline environment first)
from ingestion.partition import partition_file
from ingestion.reading import ReadOptions
from services.components import build_retriever, run_ingest
from services.settings import Settings
from tests.office_docs import make_scan_pdf, make_xlsx

EN_SENTENCES = [
    "Employees must submit expense claims within {n} days of travel.",
    "The hotel limit in {city} is {m} euros per night, taxes included.",
    "Visitors sign in at reception and wear a badge at all times.",
    "Laptops are encrypted and locked when left unattended for {n} minutes.",
    "Overtime above {n} hours per month needs written approval.",
    "Report a lost badge to security within {n} hours.",
    "Meal allowance: {m} EUR per day, receipts kept for {n} years.",
    "Contractors receive access for at most {n} days per request.",
    "The canteen opens at 11:{n:02d} and closes at 14:30 on weekdays.",
    "Printing in colour costs {m} cents per page for personal use.",
]
ZH_SENTENCES = [
    "员工应在出差结束后{n}日内提交报销申请。",
    "在{city}出差时，住宿标准为每晚不超过{m}元。",
    "访客须在前台登记，并全程佩戴访客证。",
    "笔记本电脑离开座位{n}分钟以上必须锁屏。",
    "每月加班超过{n}小时须经部门负责人书面批准。",
    "遗失门禁卡应在{n}小时内向安保部门报告。",
    "餐费补贴为每天{m}元，发票须保存{n}年。",
    "外包人员的系统权限每次最长开放{n}天。",
    "员工食堂工作日中午十一点开放，下午两点半关闭。",
    "个人打印彩色文件每页收费{m}角。",
]
EN_CITIES = ["Berlin", "Madrid", "Oslo", "Lisbon", "Prague", "Dublin", "Vienna", "Warsaw"]
ZH_CITIES = ["北京", "上海", "深圳", "广州", "成都", "杭州", "南京", "武汉"]


def page_lines(sentences: list[str], cities: list[str], rng: random.Random, lines: int = 12) -> list[str]:
    return [rng.choice(sentences).format(n=rng.randint(2, 59), m=rng.randint(20, 900), city=rng.choice(cities))
            for _ in range(lines)]


def char_accuracy(truth: str, read: str, chinese: bool) -> float:
    from rapidfuzz.distance import Levenshtein

    def norm(text: str) -> str:
        return "".join(text.split()) if chinese else " ".join(text.split())

    expected = norm(truth)
    return max(0.0, 1 - Levenshtein.distance(expected, norm(read)) / len(expected))


def ocr_run(pages: list[list[str]], chinese: bool, dpi: int, languages: str, work: Path,
            engine: str = "tesseract") -> tuple[float, float]:
    """(character accuracy over all pages, seconds spent reading them)."""
    pdf = make_scan_pdf(work / f"scan-{'zh' if chinese else 'en'}-{dpi}.pdf", pages, dpi=dpi)
    options = ReadOptions(ocr_engine=engine, ocr_languages=languages, ocr_dpi=dpi)
    start = time.perf_counter()
    doc = partition_file(pdf, max_bytes=10**9, options=options)
    seconds = time.perf_counter() - start
    read = {s.page: s.text for s in doc.sections}
    truth = "\n".join("\n".join(lines) for lines in pages)
    got = "\n".join(read.get(n, "") for n in range(1, len(pages) + 1))
    return char_accuracy(truth, got, chinese), seconds


TABLE_CITIES = [("Tokyo", "东京"), ("Lagos", "拉各斯"), ("Lima", "利马"), ("Hanoi", "河内"), ("Nairobi", "内罗毕"),
                ("Oslo", "奥斯陆"), ("Quito", "基多"), ("Riga", "里加"), ("Seoul", "首尔"), ("Tunis", "突尼斯"),
                ("Manila", "马尼拉"), ("Dakar", "达喀尔"), ("Lisbon", "里斯本"), ("Cairo", "开罗"), ("Sofia", "索非亚"),
                ("Bogota", "波哥大"), ("Perth", "珀斯"), ("Accra", "阿克拉"), ("Minsk", "明斯克"), ("Doha", "多哈")]
DEPARTMENTS = ["Payroll", "Procurement", "Legal", "Facilities", "Security", "Recruiting", "Treasury", "Audit",
               "Logistics", "Marketing", "Research", "Helpdesk"]
PRODUCTS = ["stapler", "toner cartridge", "whiteboard marker", "desk lamp", "monitor arm", "label printer",
            "shredder", "headset", "webcam", "laminator", "paper ream", "ergonomic chair"]


def write_tables(folder: Path, rng: random.Random) -> list[tuple[str, str, str]]:
    """The table files and their questions: (question, the row's first cell, the value asked for)."""
    from docx import Document as Docx

    questions = []
    rates = {city: f"{rng.randint(40, 400)} USD" for city, _ in TABLE_CITIES}
    make_xlsx(folder / "per-diem-rates.xlsx", sheets={
        "Per diem": [["City", "Per diem", "Hotel cap"]]
        + [[city, rates[city], f"{rng.randint(90, 400)} USD"] for city, _ in TABLE_CITIES],
        "每日津贴": [["城市", "每日津贴"]] + [[zh, f"{rng.randint(200, 900)}元"] for _, zh in TABLE_CITIES]})
    for city, _ in TABLE_CITIES:
        questions.append((f"What is the per diem in {city}?", city, rates[city]))
    from openpyxl import load_workbook

    zh_sheet = load_workbook(folder / "per-diem-rates.xlsx")["每日津贴"]
    for zh, value in list(zh_sheet.iter_rows(min_row=2, values_only=True))[:10]:
        questions.append((f"{zh}的每日津贴是多少？", str(zh), str(value)))
    doc = Docx()
    doc.add_heading("Department contacts", level=1)
    table = doc.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Department", "Head", "Extension"], strict=True):
        cell.text = text
    for dept in DEPARTMENTS:
        ext = str(rng.randint(2000, 7999))
        for cell, text in zip(table.add_row().cells, [dept, f"{rng.choice('ABCDEFGH')}. Moreau", ext], strict=True):
            cell.text = text
        questions.append((f"What is the phone extension of the {dept} department?", dept, ext))
    doc.save(str(folder / "department-contacts.docx"))
    rows = []
    for product in PRODUCTS:
        price = f"{rng.randint(3, 300)}.{rng.randint(0, 99):02d} EUR"
        rows.append(f"<tr><td>{product}</td><td>{price}</td><td>{rng.randint(1, 9)} days</td></tr>")
        questions.append((f"How much does a {product} cost?", product, price))
    (folder / "office-supplies.html").write_text(
        "<html><body><h1>Office supplies price list</h1><table><tr><th>Item</th><th>Price</th><th>Delivery</th></tr>"
        + "".join(rows) + "</table></body></html>", encoding="utf-8")
    return questions


def table_hit1(work: Path, rng: random.Random) -> tuple[int, int]:
    folder = work / "tables"
    folder.mkdir()
    questions = write_tables(folder, rng)
    # The models prepared under the usual data dir (e5's sentence-transformers folder), the index in the scratch one.
    settings = Settings(data_dir=work / "data", collection="bench-formats",
                        PERIMETER_MODELS_DIR=Settings().storage.models_dir.resolve())
    report = run_ingest(settings, [folder])
    assert not report.failed, report.to_dict()["failures"]
    retriever = build_retriever(settings)
    hits = 0
    for question, key, value in questions:
        found = retriever.search(question, ["all"], 1)
        row = next((line for line in found[0].text.splitlines() if line.startswith(f"| {key} |")), "") if found else ""
        ok = value in row
        hits += ok
        if not ok:
            print(f"  miss: {question} -> {found[0].text.splitlines()[:3] if found else 'nothing'}")
    return hits, len(questions)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=4, help="pages per language")
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--ocr-engine", choices=["tesseract", "rapidocr"], default="tesseract",
                    help="rapidocr: the ocr-onnx extra (pip install '.[ocr-onnx]')")
    ap.add_argument("--ocr-only", action="store_true", help="skip the tables part (no embedding model needed)")
    args = ap.parse_args()
    rng = random.Random(22)
    languages = Settings().ingestion.ocr_languages
    en_pages = [page_lines(EN_SENTENCES, EN_CITIES, rng) for _ in range(args.pages)]
    zh_pages = [page_lines(ZH_SENTENCES, ZH_CITIES, rng) for _ in range(args.pages)]
    with tempfile.TemporaryDirectory(prefix="bench-formats-") as tmp:
        work = Path(tmp)
        engine = args.ocr_engine
        en, en_s = ocr_run(en_pages, False, args.dpi, languages, work, engine)
        zh, zh_s = ocr_run(zh_pages, True, args.dpi, languages, work, engine)
        pages_per_s = 2 * args.pages / (en_s + zh_s)
        name = languages if engine == "tesseract" else engine
        print(f"OCR {name} at {args.dpi} dpi: en {en:.4f} ({en_s:.1f} s), zh {zh:.4f} ({zh_s:.1f} s), "
              f"{pages_per_s:.2f} pages/s")
        for alone, pages, chinese in (("eng", en_pages, False), ("chi_sim", zh_pages, True)):
            if engine != "tesseract":  # RapidOCR's one recognition model reads both scripts
                break
            acc, secs = ocr_run(pages, chinese, args.dpi, alone, work)
            print(f"OCR {alone} alone: {'zh' if chinese else 'en'} {acc:.4f} ({len(pages) / secs:.2f} pages/s)")
        table = "n/a"
        if not args.ocr_only:
            hits, total = table_hit1(work, rng)
            print(f"tables: {hits}/{total} questions answered by the first hit")
            table = f"{hits / total:.3f}"
    print(f"RESULT ocr_en={en:.4f} ocr_zh={zh:.4f} pages_per_s={pages_per_s:.2f} table_hit1={table}")


if __name__ == "__main__":
    main()
