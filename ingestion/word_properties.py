"""What a Word file says of itself in its core properties: its version facts and its declared title. Read once per
file (python-docx opens the whole package to get them)."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def word_properties(path: Path) -> tuple[dict[str, Any], str | None]:
    """(version facts, title). Facts: content status ("Draft", "Final") and version. Title: the one the file declares
    (an RTF's {\\info{\\title ...}} lands there through LibreOffice), unless Office wrote it itself ("Microsoft Word -
    memo.doc")."""
    from docx import Document as WordDocument

    props = WordDocument(str(path)).core_properties
    facts: dict[str, Any] = {}
    status = (props.content_status or "").strip().lower()
    if status in {"draft", "草稿", "草案"}:
        facts["status"] = "draft"
    elif status in {"superseded", "expired", "current"}:
        facts["status"] = status
    if (props.version or "").strip():
        facts["version"] = props.version.strip()
    title = (props.title or "").strip()
    return facts, title if title and not title.startswith("Microsoft ") else None
