"""BM25 search over the snapshot that ingestion saved, with the access mask applied inside the scoring."""
from __future__ import annotations

import numpy as np

from ingestion.tokenize import tokenize
from retrieval.snapshot import Snapshot


def keyword_search(snapshot: Snapshot, query: str, mask: np.ndarray, k: int) -> list[tuple[str, float]]:
    """(chunk id, BM25 score) of the best k chunks among the visible rows; a hidden chunk never competes."""
    tokens = tokenize(query)
    if snapshot.bm25 is None or not tokens or not mask.any():
        return []
    k = min(k, len(snapshot))
    docs, scores = snapshot.bm25.retrieve([tokens], k=k, weight_mask=mask.astype(np.float32),
                                          show_progress=False, n_threads=0)
    return [(snapshot.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0 and mask[int(d)]]
