"""Fusion of several rankings of chunk ids: reciprocal rank fusion, or a convex combination of normalised scores.

Optionally with document evidence (`doc_weight` > 0): in each list a chunk's value becomes
`(1 - doc_weight) * own + doc_weight * best value of any chunk of its document in that list`. Dense and keyword
search often pick different chunks of the same relevant document (one matches the meaning, another the words); at
chunk level their votes would not meet, with document evidence they add up. The best chunk of a document still
ranks above its siblings.
"""
from __future__ import annotations

from collections.abc import Mapping


def fuse_rankings(rankings: list[list[str]], k: int = 60, weights: list[float] | None = None,
                  doc_of: Mapping[str, str] | None = None, doc_weight: float = 0.0) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion: score = sum of weight / (k + rank)."""
    weights = weights or [1.0] * len(rankings)
    valued = [{chunk: 1.0 / (k + rank) for rank, chunk in enumerate(ranking, start=1)} for ranking in rankings]
    return _combine(valued, weights, doc_of, doc_weight)


def fuse_scores(scored: list[list[tuple[str, float]]], weights: list[float] | None = None,
                doc_of: Mapping[str, str] | None = None, doc_weight: float = 0.0,
                bounds: list[tuple[float, float] | None] | None = None) -> list[tuple[str, float]]:
    """Convex combination of min-max normalised scores; a chunk absent from a list gets 0 from it.

    Unlike RRF it keeps how far apart the scores are: a BM25 hit far above the rest counts for more than rank 1 of
    a flat list. `bounds[i]`, when given, is the (low, high) list i is normalised against instead of its own, with
    values clipped to [0, 1]: a list that is a subset of another (the other-language dense list) then counts as
    strongly as its scores stand in the whole, not as its own best.
    """
    weights = weights or [1.0] * len(scored)
    bounds = bounds or [None] * len(scored)
    valued = []
    for ranking, bound in zip(scored, bounds, strict=True):
        values = [s for _, s in ranking]
        low, high = bound or ((min(values), max(values)) if values else (0.0, 0.0))
        span = high - low
        valued.append({chunk: min(1.0, max(0.0, (score - low) / span)) if span > 0 else 1.0
                       for chunk, score in ranking})
    return _combine(valued, weights, doc_of, doc_weight)


def _combine(valued: list[dict[str, float]], weights: list[float], doc_of: Mapping[str, str] | None,
             doc_weight: float) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    if doc_of is None or doc_weight <= 0:
        for values, weight in zip(valued, weights, strict=True):
            for chunk, value in values.items():
                scores[chunk] = scores.get(chunk, 0.0) + weight * value
        return _ranked(scores)
    candidates = {chunk for values in valued for chunk in values}
    for values, weight in zip(valued, weights, strict=True):
        best: dict[str, float] = {}
        for chunk, value in values.items():
            doc = doc_of.get(chunk, chunk)
            best[doc] = max(best.get(doc, 0.0), value)
        for chunk in candidates:
            evidence = best.get(doc_of.get(chunk, chunk), 0.0)
            value = (1 - doc_weight) * values.get(chunk, 0.0) + doc_weight * evidence
            scores[chunk] = scores.get(chunk, 0.0) + weight * value
    return _ranked(scores)


def _ranked(scores: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
