"""The retrieved sources' vectors as indexed, for the relevance gate and grounding: re-embedding them would cost
~90 ms a chunk, so they are read back from Chroma, once per question and only when a stage needs them."""
from __future__ import annotations

import logging
from typing import Any

from retrieval.hits import Hit

log = logging.getLogger(__name__)


class StoredVectors:
    def __init__(self, collection: Any, hits: list[Hit]):
        self.collection = collection
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
            got = self.collection.get(ids=sorted({c for ids in chunk_ids for c in ids}), include=["embeddings"])
            vectors = got["embeddings"]
            if vectors is None:  # never when asked for; handled below like any failure to read them
                raise ValueError("Chroma returned no embeddings")
            by_id = dict(zip(got["ids"], vectors, strict=True))
            per_source = [[by_id[c] for c in ids if c in by_id] for ids in chunk_ids]
            if all(per_source):
                return per_source
            # a chunk vanished (re-index): lexical overlap alone
        except Exception as exc:
            log.warning("stored vectors unavailable for grounding: %s", exc)
        return None
