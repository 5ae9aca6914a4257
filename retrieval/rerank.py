"""Optional reranking with a cross-encoder loaded from a local folder (no cross-encoder ships on PyPI).

When no reranker is configured the search is unchanged. When one is, the best `top_n` fused hits are scored as
(query, title + text) pairs and reordered by that score; hits below `top_n` keep their fused order after them.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from ingestion.chunk import embedding_text
from retrieval.hits import Hit


class Reranker(Protocol):
    def score(self, query: str, texts: list[str]) -> list[float]:
        """One relevance score per text, higher is better."""
        ...


class CrossEncoderReranker:
    def __init__(self, path: str, max_length: int = 512, batch_size: int = 16):
        from sentence_transformers import CrossEncoder

        if not Path(path).is_dir():
            raise ValueError(f"reranker model '{path}' is not a folder on disk (cross-encoders are loaded locally)")
        self.model_id = path
        self._model = CrossEncoder(path, device="cpu", local_files_only=True, max_length=max_length)
        self.batch_size = batch_size

    def score(self, query: str, texts: list[str]) -> list[float]:
        if not texts:
            return []
        scores = self._model.predict([(query, t) for t in texts], batch_size=self.batch_size,
                                     show_progress_bar=False)
        return [float(s) for s in scores]


@lru_cache(maxsize=2)
def load_reranker(path: str) -> CrossEncoderReranker:
    return CrossEncoderReranker(path)


def rerank(reranker: Reranker, query: str, hits: list[Hit], top_n: int) -> list[Hit]:
    """Reorder the first `top_n` hits by the reranker's score (which becomes their score); the rest follow."""
    head, tail = hits[:top_n], hits[top_n:]
    scores = reranker.score(query, [embedding_text(str(h.metadata.get("title") or ""), h.text) for h in head])
    ranked = sorted(zip(head, scores, strict=True), key=lambda pair: -pair[1])
    return [replace(h, score=s) for h, s in ranked] + tail
