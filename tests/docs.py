"""Small document generators for tests (PDFs, hostile files)."""
from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    if title:
        c.setTitle(title)
    for text in pages:
        y = 800
        for line in text.splitlines():
            c.drawString(60, y, line)
            y -= 16
        c.showPage()
    c.save()
    return path


def make_encrypted_pdf(path: Path, text: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path.with_suffix(".plain.pdf"), [text])
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with path.open("wb") as f:
        writer.write(f)
    plain.unlink()
    return path


def write_hostile_files(folder: Path) -> dict[str, str]:
    """Files that must each fail alone; returns {file name: a word the failure reason must contain}."""
    folder.mkdir(parents=True, exist_ok=True)
    good = make_pdf(folder / "tmp-good.pdf", ["A perfectly fine page of text about badges."])
    data = good.read_bytes()
    good.unlink()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    make_encrypted_pdf(folder / "encrypted.pdf", "secret salaries")
    (folder / "empty.md").write_bytes(b"")
    (folder / "blank.txt").write_text("   \n\n  ")
    (folder / "binary.md").write_bytes(bytes(range(256)) * 40)
    (folder / "garbage.docx").write_bytes(b"PK\x03\x04 this is not really a zip archive" * 10)
    return {
        "truncated.pdf": "PDF",
        "encrypted.pdf": "encrypted",
        "empty.md": "empty",
        "blank.txt": "empty",
        "binary.md": "binary",
        "garbage.docx": "docx",
    }
