"""A hostile corpus: files that must each fail alone with a reason (or, where they are merely odd, succeed)."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from tests.docs import make_pdf, write_hostile_files
from tests.office_docs import huge_xlsx, make_eml, make_encrypted_ooxml, zip_bomb_xlsx

OK = "ok"


def _zip_bomb_docx(path: Path, megabytes: int = 300) -> None:
    """A valid-looking docx whose document.xml inflates to hundreds of MB (compressed it is ~300 KB)."""
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                    b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
            chunk = b" " * (1 << 20)
            for _ in range(megabytes):
                f.write(chunk)
            f.write(b"</w:t></w:r></w:p></w:body></w:document>")
    path.write_bytes(body.getvalue())


def _empty_pptx(path: Path) -> None:
    from pptx import Presentation

    deck = Presentation()
    deck.slides.add_slide(deck.slide_layouts[6])  # blank layout: no text at all
    deck.save(str(path))


def write_hostile_office_files(folder: Path) -> dict[str, str]:
    """Spreadsheets, mail and images that must fail alone (or, a mail with too many attachments, be read in part);
    returns {file name: OK, or a word its failure reason must contain}."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corrupt.xlsx").write_bytes(b"PK\x03\x04 not a workbook at all" * 20)
    make_encrypted_ooxml(folder / "encrypted.xlsx")
    zip_bomb_xlsx(folder / "zip-bomb.xlsx")
    huge_xlsx(folder / "huge-sheet.xlsx", rows=25_000)  # 250,000 cells: over the 200,000 default
    attachments = [(f"rota-{n:03}.csv", f"Day,Person\nMonday,Person {n}\n".encode()) for n in range(200)]
    make_eml(folder / "many-attachments.eml", "Rota files", "All 200 rota files attached.", attachments)
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 100)
    (folder / "not-a-mail.eml").write_bytes(bytes(range(256)) * 8)
    (folder / "not-a-mail.msg").write_bytes(b"From: someone\nnot an OLE file at all\n" * 20)
    return {"corrupt.xlsx": "xlsx", "encrypted.xlsx": "encrypted", "zip-bomb.xlsx": "zip bomb",
            "huge-sheet.xlsx": "too large", "many-attachments.eml": OK, "broken.png": "image",
            "not-a-mail.eml": "mail", "not-a-mail.msg": "outlook"}


def write_hostile_corpus(folder: Path, big_mb: int = 50) -> dict[str, str]:
    """Write the corpus; returns {file name: OK, or a word its failure reason must contain}."""
    expected = write_hostile_files(folder)  # truncated/encrypted PDF, empty, blank, binary .md, garbage docx
    expected.update(write_hostile_office_files(folder))
    (folder / "notice-gbk.txt").write_bytes("员工每年享有带薪年假十五天，请提前两周申请。".encode("gbk"))
    (folder / "notice-utf16.txt").write_bytes("Badges must be worn visibly at all times.".encode("utf-16"))
    (folder / "仅中文制度.md").write_text("# 访客管理\n\n访客须在前台登记，并由接待员工全程陪同。", encoding="utf-8")
    (folder / "name with spaces.md").write_text("# Parking\n\nParking permits are renewed in March.\n")
    (folder / "ünïcödé-名前.md").write_text("# Lockers\n\nLockers are emptied every Friday.\n")
    (folder / "new\nline.md").write_text("# Bikes\n\nBike racks are behind building C.\n")
    expected.update({n: OK for n in ("notice-gbk.txt", "notice-utf16.txt", "仅中文制度.md", "name with spaces.md",
                                     "ünïcödé-名前.md", "new\nline.md")})
    with (folder / "huge.txt").open("wb") as f:
        line = b"This line repeats to make a very large text file.\n"
        f.write(line * (big_mb * (1 << 20) // len(line)))
    expected["huge.txt"] = "too large"
    _zip_bomb_docx(folder / "zip-bomb.docx")
    expected["zip-bomb.docx"] = "docx"
    (folder / "deeply-nested.html").write_text("<html><body>" + "<div>" * 50_000 + "deep" + "</div>" * 50_000)
    expected["deeply-nested.html"] = "no text"  # the parser gives up on the depth; nothing usable is left
    _empty_pptx(folder / "no-text.pptx")
    expected["no-text.pptx"] = "no text"
    locked = folder / "unreadable.md"
    locked.write_text("# Secret\n\nYou should not be able to read this.\n")
    locked.chmod(0)
    # root reads anything: then the file is simply indexed.
    expected["unreadable.md"] = OK if os.geteuid() == 0 else "permission"
    (folder / "loop-a.md").symlink_to(folder / "loop-b.md")
    (folder / "loop-b.md").symlink_to(folder / "loop-a.md")
    expected.update({"loop-a.md": "symbolic links", "loop-b.md": "symbolic links"})
    (folder / "dir-loop").symlink_to(folder)  # a folder symlink loop must not make the walk endless
    make_pdf(folder / "zz-disappears.pdf", ["This file is deleted while the job runs."])
    expected["zz-disappears.pdf"] = "not found"
    return expected
