"""Fusion of several rankings of chunk ids: reciprocal rank fusion, or a convex combination of normalised scores."""
from __future__ import annotations


def fuse_rankings(rankings: list[list[str]], k: int = 60, weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion: score = sum of weight / (k + rank)."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, chunk in enumerate(ranking, start=1):
            scores[chunk] = scores.get(chunk, 0.0) + weight / (k + rank)
    return _ranked(scores)


def fuse_scores(scored: list[list[tuple[str, float]]], weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Convex combination of min-max normalised scores; a chunk absent from a list gets 0 from it.

    Unlike RRF it keeps how far apart the scores are: a BM25 hit far above the rest counts for more than rank 1 of
    a flat list.
    """
    weights = weights or [1.0] * len(scored)
    scores: dict[str, float] = {}
    for ranking, weight in zip(scored, weights):
        if not ranking:
            continue
        values = [s for _, s in ranking]
        low, high = min(values), max(values)
        span = high - low
        for chunk, score in ranking:
            normalised = (score - low) / span if span > 0 else 1.0
            scores[chunk] = scores.get(chunk, 0.0) + weight * normalised
    return _ranked(scores)


def _ranked(scores: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
