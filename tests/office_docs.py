"""Generators for the office formats, scans and images the format tests read (every file made here, none shipped)."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path

from ingestion.external import find_program, run_program

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # fonts-wqy-microhei (make install installs it)
A4_INCHES = (8.27, 11.69)


def render_page(lines: list[str], dpi: int = 300, point_size: int = 12):  # -> PIL.Image.Image
    """A white A4 page with `lines` printed in black, as a scanner at `dpi` would see it (no text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = (int(A4_INCHES[0] * dpi), int(A4_INCHES[1] * dpi))
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(CJK_FONT), size=round(point_size * dpi / 72))
    y = dpi  # one inch margins
    for line in lines:
        draw.text((dpi, y), line, fill=0, font=font)
        y += round(point_size * 1.8 * dpi / 72)
    return page


FIXED_DATE = dt.datetime(2026, 11, 2, 9, 0, 0)


def make_scan_pdf(path: Path, pages: list[list[str]], dpi: int = 300) -> Path:
    """An image-only PDF, one scanned page per item of `pages` (as a copier makes them)."""
    images = [render_page(lines, dpi) for lines in pages]
    images[0].save(path, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:],
                   creationDate=FIXED_DATE.timetuple(), modDate=FIXED_DATE.timetuple())
    return path


def make_png(path: Path, lines: list[str], dpi: int = 150) -> Path:
    render_page(lines, dpi).save(path, "PNG")
    return path


def make_xlsx(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]], merged: dict[str, list[str]] | None = None,
              title: str | None = None) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        for cells in (merged or {}).get(name, []):
            sheet.merge_cells(cells)
    if title:
        book.properties.title = title
    book.properties.created = book.properties.modified = FIXED_DATE
    book.save(path)
    return path


def make_eml(path: Path, subject: str, body: str, attachments: Sequence[tuple[str, bytes]] = (),
             sender: str = "Dana Lee <dana.lee@acme.example>", to: str = "finance@acme.example",
             date: str = "Tue, 03 Nov 2026 09:15:00 +0000") -> Path:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Date"] = date
    message["Subject"] = subject
    message.set_content(body)
    for name, data in attachments:
        maintype, subtype = ("text", "csv") if name.endswith(".csv") else ("application", "octet-stream")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if attachments:
        message.set_boundary("=_perimeter_boundary_")  # not a random one: the same file every time
    path.write_bytes(message.as_bytes())
    return path


def make_epub(path: Path, title: str, chapters: list[tuple[str, str]]) -> Path:
    """A minimal EPUB 3: container, package with a spine, one XHTML file per (heading, paragraph) chapter."""
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:'
                   'tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/book.opf" media-type='
                   '"application/oebps-package+xml"/></rootfiles></container>')
        items = "".join(f'<item id="c{n}" href="c{n}.xhtml" media-type="application/xhtml+xml"/>'
                        for n in range(len(chapters)))
        spine = "".join(f'<itemref idref="c{n}"/>' for n in range(len(chapters)))
        z.writestr("OEBPS/book.opf", f'<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" '
                   f'version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}'
                   f'</dc:title></metadata><manifest>{items}</manifest><spine>{spine}</spine></package>')
        for n, (heading, text) in enumerate(chapters):
            z.writestr(f"OEBPS/c{n}.xhtml", f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/'
                       f'1999/xhtml"><head><title>{heading}</title></head><body><h1>{heading}</h1><p>{text}</p>'
                       '</body></html>')
    path.write_bytes(body.getvalue())
    return path


def convert_with_libreoffice(source: Path, fmt: str) -> Path:
    """`source` saved by LibreOffice as `fmt` (odt, doc, ods, xls, ppt...) beside it."""
    soffice = find_program("soffice")
    profile = source.parent / ".lo-profile"
    run_program([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                 "--convert-to", fmt, "--outdir", str(source.parent), str(source)], timeout_s=120)
    out = source.with_suffix(f".{fmt}")
    assert out.exists(), f"LibreOffice did not write {out.name}"
    return out


def make_encrypted_ooxml(path: Path) -> Path:
    """What Office writes for a password-protected .xlsx/.docx: an OLE compound file (its magic number, its
    "EncryptedPackage" stream named in UTF-16) instead of a zip. Only the markers Perimeter reads are real."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptedPackage".encode("utf-16-le") + b"\x00" * 2 + "EncryptionInfo".encode("utf-16-le")
    path.write_bytes(header + directory + bytes(range(256)) * 16)
    return path


def zip_bomb_xlsx(path: Path, megabytes: int = 300) -> Path:
    """A workbook whose sheet XML inflates to hundreds of MB (compressed ~300 KB)."""
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
            for _ in range(megabytes):
                f.write(b" " * (1 << 20))
            f.write(b"</t></is></c></row></sheetData></worksheet>")
    path.write_bytes(body.getvalue())
    return path


def huge_xlsx(path: Path, rows: int, columns: int = 10) -> Path:
    """A valid workbook of rows x columns numbers, its XML written directly (openpyxl takes a minute for 300k cells)."""
    def column(n: int) -> str:
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n]

    body = io.BytesIO()
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
                   'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {ns} {rel}><sheets><sheet name="Data" '
                   'sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '</Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(f'<?xml version="1.0"?><worksheet {ns}><sheetData>'.encode())
            for r in range(1, rows + 1):
                cells = "".join(f'<c r="{column(c)}{r}"><v>{r * c}</v></c>' for c in range(columns))
                f.write(f'<row r="{r}">{cells}</row>'.encode())
            f.write(b"</sheetData></worksheet>")
    path.write_bytes(body.getvalue())
    return path
