#!/usr/bin/env python3
"""Generate the binary documents (docx, pdf, pptx) of the Acme Ltd sample corpus.

Run from anywhere:

    .venv/bin/python samples/make_binaries.py

Requires python-docx, reportlab and python-pptx. Output goes to samples/acme/.
The output is deterministic: document metadata uses fixed dates, PDFs are
written in reportlab's "invariant" mode and the ZIP containers of docx/pptx
files are rewritten with fixed timestamps, so re-running the script produces
byte-identical files (for a given library version).

All content is fictional. Acme Ltd / 艾克米有限公司 is not a real company and
the acme-ltd.example domain and +44 20 7946 0xxx numbers are reserved for
fiction and documentation.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

# run as a script: samples/ is on sys.path
from binary_texts_en import CROSS_BORDER_EN, DATA_PROTECTION_EN, LEAVE_POLICY_EN, TRAVEL_EXPENSE_EN
from binary_texts_slides import ORIENTATION_SLIDES
from binary_texts_zh import CROSS_BORDER_ZH, KYC_ZH, PIP_ZH

OUT_DIR = Path(__file__).resolve().parent / "acme"
FIXED_DT = _dt.datetime(2024, 9, 2, 9, 0, 0)
ZIP_DT = (2024, 9, 2, 9, 0, 0)
AUTHOR = "Acme Ltd"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


def _segments(text: str):
    """Yield (segment, is_bold) pairs for simple **bold** markup."""
    pos = 0
    for m in _BOLD_RE.finditer(text):
        if m.start() > pos:
            yield text[pos:m.start()], False
        yield m.group(1), True
        pos = m.end()
    if pos < len(text):
        yield text[pos:], False


def _plain(text: str) -> str:
    return _BOLD_RE.sub(r"\1", text)


def _normalise_zip(path: Path) -> None:
    """Rewrite a docx/pptx ZIP with fixed timestamps so output is reproducible."""
    data = path.read_bytes()
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=ZIP_DT)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o644 << 16
            dst.writestr(new, src.read(info.filename))
    path.write_bytes(buf.getvalue())


def _title_of(blocks) -> str:
    return next(_plain(t) for kind, t in blocks if kind == "h1")


# ---------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------

def write_docx(blocks, path: Path, lang: str) -> None:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    latin_font = "Calibri"
    east_asian_font = "SimSun"

    def set_fonts(style):
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            if rfonts.get(qn(attr)) is not None:
                del rfonts.attrib[qn(attr)]
        rfonts.set(qn("w:ascii"), latin_font)
        rfonts.set(qn("w:hAnsi"), latin_font)
        rfonts.set(qn("w:eastAsia"), east_asian_font)
        if lang == "zh":
            lang_el = rpr.find(qn("w:lang"))
            if lang_el is None:
                lang_el = rpr.makeelement(qn("w:lang"), {})
                rpr.append(lang_el)
            lang_el.set(qn("w:eastAsia"), "zh-CN")

    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        set_fonts(doc.styles[name])
    doc.styles["Normal"].font.size = Pt(10.5 if lang == "zh" else 11)

    def add_runs(par, text):
        for seg, bold in _segments(text):
            run = par.add_run(seg)
            run.bold = bold or None

    for kind, content in blocks:
        if kind == "h1":
            doc.add_heading(content, level=0)
        elif kind == "h2":
            doc.add_heading(content, level=1)
        elif kind == "h3":
            doc.add_heading(content, level=2)
        elif kind == "p":
            add_runs(doc.add_paragraph(), content)
        elif kind == "meta":
            par = doc.add_paragraph()
            run = par.add_run(content)
            run.italic = True
            run.font.size = Pt(9)
        elif kind in ("ul", "ol"):
            style = "List Bullet" if kind == "ul" else "List Number"
            for item in content:
                add_runs(doc.add_paragraph(style=style), item)
        elif kind == "table":
            table = doc.add_table(rows=len(content), cols=len(content[0]))
            table.style = "Table Grid"
            for r, row in enumerate(content):
                for c, cell_text in enumerate(row):
                    cell = table.cell(r, c)
                    cell.text = ""
                    par = cell.paragraphs[0]
                    if r == 0:
                        par.add_run(_plain(cell_text)).bold = True
                    else:
                        add_runs(par, cell_text)
            doc.add_paragraph()
        else:
            raise ValueError(kind)

    cp = doc.core_properties
    cp.title = _title_of(blocks)
    cp.author = AUTHOR
    cp.last_modified_by = AUTHOR
    cp.comments = "Fictional sample document for the Perimeter demo corpus."
    cp.language = "zh-CN" if lang == "zh" else "en-GB"
    cp.created = FIXED_DT
    cp.modified = FIXED_DT
    cp.last_printed = FIXED_DT
    cp.revision = 1
    doc.save(str(path))
    _normalise_zip(path)


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------

def write_pdf(blocks, path: Path, lang: str, footer: str) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if lang == "zh":
        # CID font: no glyph data is embedded, so the file stays tiny and
        # text extraction maps straight back to Unicode (UniGB-UCS2-H).
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        body_font = bold_font = italic_font = "STSong-Light"
        size, leading, wrap = 10.5, 17, "CJK"
    else:
        body_font, bold_font, italic_font = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"
        size, leading, wrap = 10.5, 15, None

    def style(name, **kw):
        base = dict(fontName=body_font, fontSize=size, leading=leading, spaceAfter=6)
        if wrap:
            base["wordWrap"] = wrap
        base.update(kw)
        return ParagraphStyle(name, **base)

    s_h1 = style("h1", fontName=bold_font, fontSize=18, leading=24, spaceAfter=8)
    s_h2 = style("h2", fontName=bold_font, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4, keepWithNext=1)
    s_h3 = style("h3", fontName=bold_font, fontSize=11.5, leading=16, spaceBefore=4, spaceAfter=3, keepWithNext=1)
    s_p = style("p")
    s_meta = style("meta", fontName=italic_font, fontSize=9, leading=13, textColor=colors.HexColor("#444444"),
                   spaceAfter=10)
    s_cell = style("cell", fontSize=size - 1, leading=leading - 2, spaceAfter=0)
    s_cell_head = style("cellh", fontName=bold_font, fontSize=size - 1, leading=leading - 2, spaceAfter=0)

    def markup(text):
        out = []
        for seg, bold in _segments(text):
            seg = escape(seg)
            # CID fonts have no bold face; keep the text plain in that case.
            out.append(f"<b>{seg}</b>" if bold and bold_font != body_font else seg)
        return "".join(out)

    story = []
    width = A4[0] - 5 * cm
    for kind, content in blocks:
        if kind == "h1":
            story.append(Paragraph(markup(content), s_h1))
        elif kind == "h2":
            story.append(Paragraph(markup(content), s_h2))
        elif kind == "h3":
            story.append(Paragraph(markup(content), s_h3))
        elif kind == "p":
            story.append(Paragraph(markup(content), s_p))
        elif kind == "meta":
            story.append(Paragraph(markup(content), s_meta))
        elif kind in ("ul", "ol"):
            items = [ListItem(Paragraph(markup(i), style("li", spaceAfter=2)), leftIndent=14) for i in content]
            if kind == "ul":
                story.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=14,
                                          bulletFontName=body_font if lang == "zh" else "Helvetica"))
            else:
                story.append(ListFlowable(items, bulletType="1", leftIndent=14,
                                          bulletFontName=body_font))
            story.append(Spacer(1, 4))
        elif kind == "table":
            ncols = len(content[0])
            data = [[Paragraph(markup(c), s_cell_head if r == 0 else s_cell) for c in row]
                    for r, row in enumerate(content)]
            col_w = [width * 0.45, width * 0.55] if ncols == 2 else [width / ncols] * ncols
            t = Table(data, colWidths=col_w, repeatRows=1)
            t.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E4E9F2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]))
            story.append(t)
            story.append(Spacer(1, 8))
        else:
            raise ValueError(kind)

    def draw_footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(body_font, 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        page_label = f"第 {doc_.page} 页" if lang == "zh" else f"Page {doc_.page}"
        canvas.drawString(2.5 * cm, 1.4 * cm, footer)
        canvas.drawRightString(A4[0] - 2.5 * cm, 1.4 * cm, page_label)
        canvas.restoreState()

    class _Doc(SimpleDocTemplate):
        # Draw the footer when the page ends, so that text extraction returns
        # the page body first and the footer/page number last.
        def afterPage(self):
            draw_footer(self.canv, self)

    doc = _Doc(
        str(path), pagesize=A4,
        leftMargin=2.5 * cm, rightMargin=2.5 * cm, topMargin=2.2 * cm, bottomMargin=2.4 * cm,
        title=_title_of(blocks), author=AUTHOR, subject="Fictional sample document",
        creator="samples/make_binaries.py", producer="ReportLab", invariant=1,
        lang="zh-CN" if lang == "zh" else "en-GB",
    )
    doc.build(story)


# ---------------------------------------------------------------------------
# PPTX
# ---------------------------------------------------------------------------

def write_pptx(slides, path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Pt

    prs = Presentation()
    title, subtitle = slides[0]
    s = prs.slides.add_slide(prs.slide_layouts[0])
    s.shapes.title.text = title
    s.placeholders[1].text = subtitle

    for title, bullets in slides[1:]:
        s = prs.slides.add_slide(prs.slide_layouts[1])
        s.shapes.title.text = title
        body = s.placeholders[1].text_frame
        body.clear()
        for i, b in enumerate(bullets):
            par = body.paragraphs[0] if i == 0 else body.add_paragraph()
            par.text = b
            par.font.size = Pt(20)

    cp = prs.core_properties
    cp.title = slides[0][0]
    cp.author = AUTHOR
    cp.last_modified_by = AUTHOR
    cp.comments = "Fictional sample document for the Perimeter demo corpus."
    cp.language = "en-GB"
    cp.created = FIXED_DT
    cp.modified = FIXED_DT
    cp.last_printed = FIXED_DT
    cp.revision = 1
    prs.save(str(path))
    _normalise_zip(path)


# ---------------------------------------------------------------------------

def main() -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    jobs = [
        ("leave-policy.docx", lambda p: write_docx(LEAVE_POLICY_EN, p, "en")),
        ("data-protection-policy.docx", lambda p: write_docx(DATA_PROTECTION_EN, p, "en")),
        ("personal-information-protection-zh.docx", lambda p: write_docx(PIP_ZH, p, "zh")),
        ("kyc-procedure-zh.docx", lambda p: write_docx(KYC_ZH, p, "zh")),
        ("travel-and-expense-policy.pdf",
         lambda p: write_pdf(TRAVEL_EXPENSE_EN, p, "en",
                             "Acme Ltd · Travel and Expense Policy · FIN-TE-03 · Internal")),
        ("cross-border-payments-compliance.pdf",
         lambda p: write_pdf(CROSS_BORDER_EN, p, "en",
                             "Acme Ltd · Cross-Border Payments Compliance Policy · FCC-CBP-01 · Internal")),
        ("cross-border-payments-zh.pdf",
         lambda p: write_pdf(CROSS_BORDER_ZH, p, "zh",
                             "艾克米有限公司 · 跨境支付合规管理办法 · CN-FCC-007 · 内部资料")),
        ("new-hire-orientation.pptx", lambda p: write_pptx(ORIENTATION_SLIDES, p)),
    ]
    for name, fn in jobs:
        path = OUT_DIR / name
        fn(path)
        print(f"wrote {path.relative_to(OUT_DIR.parent)} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
