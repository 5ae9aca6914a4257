"""Dense search, access filter inside: exact (the snapshot's vectors, a masked dot product) or Chroma's HNSW with a
`$contains` filter. Both return (chunk id, cosine similarity), best first.

Exact is the default: at 100k chunks Chroma's metadata filter alone costs 100+ ms (see README, "Retrieval quality"),
while a masked matrix-vector product over 100k x 384 floats costs a few ms and has no HNSW recall loss.
"""
from __future__ import annotations

import chromadb
import numpy as np

from ingestion.index import included
from retrieval.access import chroma_where
from retrieval.snapshot import Snapshot


def similarities(snapshot: Snapshot, vector: np.ndarray) -> np.ndarray | None:
    """Cosine similarity of the query to every chunk of the snapshot (vectors are normalised)."""
    return None if snapshot.vectors is None else snapshot.vectors @ vector


def best_visible(snapshot: Snapshot, scores: np.ndarray | None, mask: np.ndarray, k: int) -> list[tuple[str, float]]:
    """The k best rows among the visible ones; hidden rows never compete."""
    if scores is None or not mask.any():
        return []
    masked = np.where(mask, scores, -np.inf)
    k = min(k, int(mask.sum()))
    top = np.argpartition(-masked, k - 1)[:k]
    top = top[np.argsort(-masked[top], kind="stable")]
    return [(snapshot.ids[int(i)], float(masked[i])) for i in top]


def chroma_search(collection: chromadb.Collection, vector: np.ndarray, groups: list[str], k: int
                  ) -> list[tuple[str, float]]:
    if not groups or collection.count() == 0:  # a caller in no group sees nothing
        return []
    result = collection.query(query_embeddings=[vector.tolist()], n_results=k, where=chroma_where(groups),
                              include=["distances"])
    return [(i, 1.0 - d) for i, d in zip(result["ids"][0], included(result["distances"])[0], strict=True)]
