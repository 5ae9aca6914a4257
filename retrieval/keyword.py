"""BM25 search over the snapshot that ingestion saved, with the access mask applied inside the scoring."""
from __future__ import annotations

from collections.abc import Mapping

import bm25s
import numpy as np

from ingestion.tokenize import tokenize
from retrieval.snapshot import Snapshot


def keyword_search(snapshot: Snapshot, query: str, mask: np.ndarray, k: int,
                   field_weights: Mapping[str, float] | None = None) -> list[tuple[str, float]]:
    """(chunk id, BM25 score) of the best k chunks among the visible rows; a hidden chunk never competes.

    `field_weights` ({"title": w, "headings": w}) adds each field's own BM25 score times its weight to the main
    (title + text) score, so a chunk under the heading a question names outranks one that only mentions its words."""
    tokens = tokenize(query)
    if snapshot.bm25 is None or not tokens or not mask.any():
        return []
    k = min(k, len(snapshot))
    weighted = {name: w for name, w in (field_weights or {}).items() if w and name in snapshot.fields}
    if not weighted:
        docs, scores = snapshot.bm25.retrieve([tokens], k=k, weight_mask=mask.astype(np.float32),
                                              show_progress=False, n_threads=0)
        return [(snapshot.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True)
                if s > 0 and mask[int(d)]]
    total = _scores(snapshot.bm25, tokens)
    for name, weight in weighted.items():
        total += weight * _scores(snapshot.fields[name], tokens)
    total[~mask] = 0.0
    top = np.argpartition(-total, k - 1)[:k] if k < len(total) else np.arange(len(total))
    top = top[np.argsort(-total[top], kind="stable")]
    return [(snapshot.ids[int(r)], float(total[r])) for r in top if total[r] > 0]


def _scores(index: bm25s.BM25, tokens: list[str]) -> np.ndarray:
    """Every row's BM25 score for the query; tokens the index has never seen are left out (bm25s would fail)."""
    known = [t for t in tokens if t in index.vocab_dict]
    if not known:
        return np.zeros(index.scores["num_docs"], dtype=np.float32)
    return np.asarray(index.get_scores(known), dtype=np.float32)
