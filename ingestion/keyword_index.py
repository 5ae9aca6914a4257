"""The search snapshot beside Chroma: BM25 over title + text, each chunk's groups and language, and the chunk vectors
(for exact dense search), rebuilt from the collection after each ingest, so adds, replacements and deletions all show.

A `current` pointer file names the live version, so a reader never sees a half-written index.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import bm25s
import chromadb
import numpy as np
from chromadb.base_types import LiteralValue, LogicalOperator, WhereOperator

from ingestion.chunk import embedding_text
from ingestion.index import get_all
from ingestion.tokenize import tokenize
from ingestion.version_sources import documents_from_chunks
from ingestion.versions import Overrides, VersionInfo, detect_versions
from prompts.language import detect_language, language_mix

K1, B = 0.9, 0.4
VECTORS_FILE = "vectors.npy"
VERSIONS_FILE = "versions.json"  # doc id → its family and status (ingestion/versions.py), for the whole collection
# BM25 indexes of one field each, beside the main one over title + text: a chunk's document title, and its heading
# path (the heading alone for chunks indexed before paths were recorded). Retrieval weighs them in (BM25F-like).
FIELDS = ("title", "headings")
# Which fields entries.json holds: 2 added each chunk's source and source name (assistants' scopes); 3 counts a chunk
# embedded under a title in the other language as bilingual (embedded_mix). A snapshot of an older format is
# published again by the next ingest, even when no file changed (pipeline.run_plan).
FORMAT = 3
FORMAT_FILE = "format"
# Typed as Chroma's operator expression (mypy cannot infer the "$ne" key's literal type inside a nested filter).
NOT_TRUE: dict[WhereOperator | LogicalOperator, LiteralValue] = {"$ne": True}


def keyword_dir(data_dir: Path, collection: str) -> Path:
    return data_dir / "keyword" / collection


def read_versions(folder: Path) -> dict[str, VersionInfo]:
    """The versions.json of one snapshot folder (empty for a snapshot published before families existed)."""
    path = folder / VERSIONS_FILE
    if not path.exists():
        return {}
    return {i: VersionInfo.from_dict(v) for i, v in json.loads(path.read_text(encoding="utf-8")).items()}


def current_is_older(data_dir: Path, collection: str) -> bool:
    """Is there a published snapshot whose format is older than FORMAT (or none at all)?"""
    root = keyword_dir(data_dir, collection)
    pointer = root / "current"
    if not pointer.exists():
        return True
    marker = root / pointer.read_text(encoding="utf-8").strip() / FORMAT_FILE
    return not marker.exists() or int(marker.read_text(encoding="utf-8").strip() or 0) < FORMAT


def current_versions(data_dir: Path, collection: str) -> dict[str, VersionInfo]:
    """The families of the published snapshot."""
    root = keyword_dir(data_dir, collection)
    pointer = root / "current"
    if not pointer.exists():
        return {}
    return read_versions(root / pointer.read_text(encoding="utf-8").strip())


def embedded_mix(title: str, text: str) -> float:
    """How bilingual a chunk's vector is (prompts.language.language_mix; retrieval's other-language list leaves out
    the bilingual ones). Its text alone does not say: the vector embeds the document's title with it, and a chunk
    in one language under a title in the other (the Chinese sheet of an English workbook, the Chinese page of a scan
    titled by its English file name) is half-way between the languages for the model. Such chunks were the "other
    language" chunks closest to almost every question (the sample workbook's Chinese sheet: 8 of 15 English sample
    questions' best Chinese chunk), so they count as fully mixed (0.5); they still compete in the main lists."""
    if title and text and detect_language(title) != detect_language(text):
        return 0.5
    return language_mix(text)


def build_keyword_index(collection: chromadb.Collection, data_dir: Path) -> int:
    """Rebuild the BM25 index of `collection` and publish it; returns the number of chunks indexed."""
    version, count = build_snapshot(collection, data_dir)
    point_current(data_dir, collection.name, version)
    return count


def build_snapshot(collection: chromadb.Collection, data_dir: Path) -> tuple[str, int]:
    """Write a new snapshot folder of `collection`'s live chunks without publishing it: (its version, chunk count).
    A candidate re-index (ingestion/candidate.py) is evaluated on it before `point_current` publishes it."""
    # Retired chunks (old versions awaiting purge) are left out: this snapshot is the switch to the new versions.
    records = get_all(collection, include=["documents", "metadatas", "embeddings"], where={"retired": NOT_TRUE})
    root = keyword_dir(data_dir, collection.name)
    root.mkdir(parents=True, exist_ok=True)
    version = f"{time.time_ns()}"
    target = root / version
    target.mkdir()
    entries = [
        {"id": i, "doc": (m or {}).get("doc_id", i), "groups": list((m or {}).get("groups") or []),
         "lang": detect_language(d or ""), "mix": round(embedded_mix(str((m or {}).get("title") or ""), d or ""), 3),
         # Where the chunk came from: an assistant's scope (retrieval/scope.py) is a set of sources and paths.
         "source": str((m or {}).get("source") or ""), "source_name": str((m or {}).get("source_name") or "")}
        for i, d, m in zip(records["ids"], records["documents"], records["metadatas"], strict=True)
    ]
    if entries:
        texts = [embedding_text((m or {}).get("title", ""), d)
                 for d, m in zip(records["documents"], records["metadatas"], strict=True)]
        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.index([tokenize(t) or ["\x00"] for t in texts], show_progress=False)
        retriever.save(str(target), show_progress=False)
        metas = [m or {} for m in records["metadatas"]]
        fields = {"title": [str(m.get("title") or "") for m in metas],
                  "headings": [str(m.get("heading_path") or m.get("heading") or "") for m in metas]}
        for name in FIELDS:
            field = bm25s.BM25(k1=K1, b=B)
            field.index([tokenize(t) or ["\x00"] for t in fields[name]], show_progress=False)
            field.save(str(target / name), show_progress=False)
        np.save(target / VECTORS_FILE, np.asarray(records["embeddings"], dtype=np.float32))
    (target / "entries.json").write_text(json.dumps(entries), encoding="utf-8")
    (target / FORMAT_FILE).write_text(str(FORMAT), encoding="utf-8")
    # Families are recomputed over every live document at each publish: a new version, a rename or a deleted current
    # version re-decides its whole family, with the operator's overrides applied last.
    chunk_metas = [dict(m or {}) for m in records["metadatas"]]
    versions = detect_versions(documents_from_chunks([d or "" for d in records["documents"]], chunk_metas),
                               Overrides.load(data_dir))
    (target / VERSIONS_FILE).write_text(json.dumps({i: v.to_dict() for i, v in versions.items()},
                                                   ensure_ascii=False), encoding="utf-8")
    return version, len(entries)


def point_current(data_dir: Path, collection: str, version: str) -> None:
    """Publish snapshot `version`: the `current` pointer moved in one rename, the other folders removed."""
    root = keyword_dir(data_dir, collection)
    pointer = root / "current.tmp"
    pointer.write_text(version, encoding="utf-8")
    os.replace(pointer, root / "current")
    for old in root.iterdir():
        if old.is_dir() and old.name != version:
            shutil.rmtree(old, ignore_errors=True)


def snapshot_ids(data_dir: Path, collection: str, version: str | None = None) -> set[str]:
    """The chunk ids of snapshot `version` (the published one by default; empty when there is none)."""
    root = keyword_dir(data_dir, collection)
    if version is None:
        pointer = root / "current"
        if not pointer.exists():
            return set()
        version = pointer.read_text(encoding="utf-8").strip()
    entries = root / version / "entries.json"
    return {e["id"] for e in json.loads(entries.read_text(encoding="utf-8"))} if entries.exists() else set()
