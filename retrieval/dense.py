"""Dense search, access filter inside: exact (the snapshot's vectors, a masked dot product) or Chroma's HNSW with a
`$contains` filter. Both return (chunk id, cosine similarity), best first.

Exact is the default: at 100k chunks Chroma's metadata filter alone costs 100+ ms (see README, "Retrieval quality"),
while a masked matrix-vector product over 100k x 384 floats costs a few ms and has no HNSW recall loss.
"""
from __future__ import annotations

import numpy as np

from retrieval.access import chroma_where
from retrieval.snapshot import Snapshot


def exact_search(snapshot: Snapshot, vector: np.ndarray, mask: np.ndarray, k: int) -> list[tuple[str, float]]:
    if snapshot.vectors is None or not mask.any():
        return []
    scores = snapshot.vectors @ vector
    scores[~mask] = -np.inf
    k = min(k, int(mask.sum()))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(snapshot.ids[int(i)], float(scores[i])) for i in top]


def chroma_search(collection, vector: np.ndarray, groups: list[str], k: int) -> list[tuple[str, float]]:
    if collection.count() == 0:
        return []
    result = collection.query(query_embeddings=[vector.tolist()], n_results=k, where=chroma_where(groups),
                              include=["distances"])
    return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]
