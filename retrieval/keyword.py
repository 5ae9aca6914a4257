"""BM25 search over the index that ingestion saved, reloaded when ingestion publishes a new version."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import bm25s
import numpy as np

from ingestion.keyword_index import keyword_dir
from ingestion.tokenize import tokenize
from retrieval.access import may_see


class KeywordSearcher:
    def __init__(self, data_dir: Path, collection: str):
        self._root = keyword_dir(data_dir, collection)
        self._lock = threading.Lock()
        self._version: str | None = None
        self._retriever: bm25s.BM25 | None = None
        self._entries: list[dict] = []
        self._masks: dict[frozenset[str], np.ndarray] = {}

    def _refresh(self) -> None:
        pointer = self._root / "current"
        version = pointer.read_text(encoding="utf-8").strip() if pointer.exists() else None
        if version == self._version:
            return
        with self._lock:
            if version == self._version:
                return
            if version is None:
                self._retriever, self._entries = None, []
            else:
                folder = self._root / version
                entries = json.loads((folder / "entries.json").read_text(encoding="utf-8"))
                self._retriever = bm25s.BM25.load(str(folder), show_progress=False) if entries else None
                self._entries = entries
            self._masks = {}
            self._version = version

    def search(self, query: str, groups: list[str], k: int) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the best k chunks the caller may see."""
        self._refresh()
        retriever, entries = self._retriever, self._entries
        tokens = tokenize(query)
        if retriever is None or not tokens:
            return []
        # The access filter is applied inside the BM25 scoring, so a hidden chunk never competes.
        key = frozenset(groups)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.array([1.0 if may_see(e["groups"], groups) else 0.0 for e in entries], dtype=np.float32)
            self._masks[key] = mask
        if not mask.any():
            return []
        k = min(k, len(entries))
        docs, scores = retriever.retrieve([tokens], k=k, weight_mask=mask, show_progress=False, n_threads=1)
        return [
            (entries[int(d)]["id"], float(s))
            for d, s in zip(docs[0], scores[0])
            if s > 0 and mask[int(d)]
        ]
