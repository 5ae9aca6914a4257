"""Where the version facts of a collection's documents come from: the declared facts each chunk carries (front
matter, Office properties: `declared_*` metadata), the `.perimeter-versions.yaml` of a local file's folder (read at
each publish, so editing it takes effect without touching the documents), and the documents' text rebuilt from their
chunks. ingestion/versions.py decides families from what this returns."""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ingestion.version_marks import declared_facts, parse_date
from ingestion.versions import FOLDER_FILE, DocumentFacts

log = logging.getLogger(__name__)


def folder_declarations(folder: Path) -> tuple[dict[str, dict[str, Any]], int | None]:
    """A folder's `.perimeter-versions.yaml`: per file name its declared facts, and the folder's review interval in
    months. `files: {name: {family, version, status, effective, end, supersedes, review_by}}`,
    `review_months: 12`. An unreadable file is logged and ignored: it must not stop a publish."""
    path = folder / FOLDER_FILE
    if not path.is_file():
        return {}, None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        files = data.get("files") or {}
        months = data.get("review_months")
        return ({str(name): declared_facts(facts) for name, facts in files.items() if isinstance(facts, dict)},
                int(months) if months else None)
    except (OSError, ValueError, TypeError, AttributeError, yaml.YAMLError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return {}, None


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, 28)


DECLARED_PREFIX = "declared_"  # chunk metadata keys of a document's declared version facts


def declared_metadata(declared: dict[str, Any]) -> dict[str, Any]:
    """Declared facts as chunk metadata (Chroma takes no None and no empty list: those are left out)."""
    return {f"{DECLARED_PREFIX}{k}": v for k, v in declared.items() if v not in (None, "", [])}


def documents_from_chunks(texts: list[str], metas: list[dict[str, Any]]) -> list[DocumentFacts]:
    """The documents of a collection's live chunks: text in chunk order, declared facts from the chunks' metadata,
    updated by the `.perimeter-versions.yaml` of the folder a local file lies in (read now, so editing that file
    takes effect at the next publish without touching the documents)."""
    parts: dict[str, list[tuple[int, str]]] = {}
    first: dict[str, dict[str, Any]] = {}
    for text, meta in zip(texts, metas, strict=True):
        doc = str(meta.get("doc_id") or meta.get("source") or "")
        if not doc:
            continue
        parts.setdefault(doc, []).append((int(meta.get("position") or 0), text or ""))
        first.setdefault(doc, meta)
    folders: dict[Path, tuple[dict[str, dict[str, Any]], int | None]] = {}
    docs = []
    for doc, pieces in parts.items():
        meta = first[doc]
        source = str(meta.get("source") or doc)
        declared = {k[len(DECLARED_PREFIX):]: v for k, v in meta.items() if k.startswith(DECLARED_PREFIX)}
        if source.startswith("/"):
            folder = Path(source).parent
            if folder not in folders:
                folders[folder] = folder_declarations(folder)
            files, review_months = folders[folder]
            declared = {**declared, **files.get(Path(source).name, {})}
            if review_months and "review_by" not in declared:
                base = parse_date(declared.get("effective")) or parse_date(str(meta.get("ingested_at") or "")[:10])
                if base:
                    declared["review_by"] = add_months(base, review_months).isoformat()
        docs.append(DocumentFacts(
            doc_id=doc, source=source, title=str(meta.get("title") or ""),
            text="\n".join(t for _, t in sorted(pieces)), declared=declared,
            source_name=str(meta.get("source_name") or ""), ingested_at=str(meta.get("ingested_at") or ""),
            file_sha256=str(meta.get("file_sha256") or "")))
    return docs
