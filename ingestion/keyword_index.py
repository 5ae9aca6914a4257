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
from prompts.language import detect_language

K1, B = 0.9, 0.4
VECTORS_FILE = "vectors.npy"
# BM25 indexes of one field each, beside the main one over title + text: a chunk's document title, and its heading
# path (the heading alone for chunks indexed before paths were recorded). Retrieval weighs them in (BM25F-like).
FIELDS = ("title", "headings")
# Typed as Chroma's operator expression (mypy cannot infer the "$ne" key's literal type inside a nested filter).
_NOT_TRUE: dict[WhereOperator | LogicalOperator, LiteralValue] = {"$ne": True}


def keyword_dir(data_dir: Path, collection: str) -> Path:
    return data_dir / "keyword" / collection


def build_keyword_index(collection: chromadb.Collection, data_dir: Path) -> int:
    """Rebuild the BM25 index of `collection`; returns the number of chunks indexed."""
    # Retired chunks (old versions awaiting purge) are left out: this snapshot is the switch to the new versions.
    records = get_all(collection, include=["documents", "metadatas", "embeddings"], where={"retired": _NOT_TRUE})
    root = keyword_dir(data_dir, collection.name)
    root.mkdir(parents=True, exist_ok=True)
    version = f"{time.time_ns()}"
    target = root / version
    target.mkdir()
    entries = [
        {"id": i, "doc": (m or {}).get("doc_id", i), "groups": list((m or {}).get("groups") or []),
         "lang": detect_language(d or "")}
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
    pointer = root / "current.tmp"
    pointer.write_text(version, encoding="utf-8")
    os.replace(pointer, root / "current")
    for old in root.iterdir():
        if old.is_dir() and old.name != version:
            shutil.rmtree(old, ignore_errors=True)
    return len(entries)
