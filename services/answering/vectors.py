"""The retrieved sources' vectors as indexed, for the relevance gate and grounding: re-embedding them would cost
~90 ms a chunk, so they are read back from the index, once per question and only when a stage needs them."""
from __future__ import annotations

import logging
from typing import Any

from retrieval.hits import Hit
from retrieval.search import Retriever

log = logging.getLogger(__name__)


class StoredVectors:
    def __init__(self, retriever: Retriever | None, hits: list[Hit]):
        self.retriever = retriever
        self.hits = hits
        self._vectors: list[list[Any]] | None = None

    def get(self) -> list[list[Any]] | None:
        """Per source, its chunks' vectors; None when they cannot be read (grounding then uses term overlap alone)."""
        if self._vectors is None and self.hits:
            self._vectors = self._read()
        return self._vectors

    def _read(self) -> list[list[Any]] | None:
        chunk_ids = [list(h.metadata.get("chunk_ids") or [h.id]) for h in self.hits]  # merged sources: several
        try:
            if self.retriever is None:
                raise ValueError("no index to read them from")
            by_id = self.retriever.stored_vectors(sorted({c for ids in chunk_ids for c in ids}))
            per_source = [[by_id[c] for c in ids if c in by_id] for ids in chunk_ids]
            if all(per_source):
                return per_source
            # a chunk vanished (re-index): lexical overlap alone
        except Exception as exc:
            log.warning("stored vectors unavailable for grounding: %s", exc)
        return None
