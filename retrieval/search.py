"""Hybrid search: dense (Chroma) and keyword (BM25), each filtered by the caller's groups, fused with RRF."""
from __future__ import annotations

from pathlib import Path

from ingestion.embedder import Embedder
from ingestion.index import open_client, open_collection
from retrieval.access import chroma_where, may_see
from retrieval.fuse import fuse_rankings
from retrieval.hits import Hit
from retrieval.keyword import KeywordSearcher


class Retriever:
    def __init__(self, *, chroma_dir: Path, data_dir: Path, collection: str, embedder: Embedder,
                 candidates: int = 30, rrf_k: int = 60):
        self.embedder = embedder
        self.collection_name = collection
        self._client = open_client(chroma_dir)
        self._collection = None
        self._keyword = KeywordSearcher(data_dir, collection)
        self.candidates = candidates
        self.rrf_k = rrf_k

    @property
    def collection(self):
        if self._collection is None:
            self._collection = open_collection(
                self._client, self.collection_name, self.embedder.model_id, self.embedder.dimension
            )
        return self._collection

    def dense(self, query: str, groups: list[str], k: int) -> list[tuple[str, float]]:
        if self.collection.count() == 0:
            return []
        result = self.collection.query(
            query_embeddings=[self.embedder.embed_query(query)],
            n_results=k,
            where=chroma_where(groups),
            include=["distances"],
        )
        return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]

    def search(self, query: str, groups: list[str], k: int) -> list[Hit]:
        dense = self.dense(query, groups, self.candidates)
        keyword = self._keyword.search(query, groups, self.candidates)
        fused = fuse_rankings([[i for i, _ in dense], [i for i, _ in keyword]], k=self.rrf_k)[:k]
        if not fused:
            return []
        records = self.collection.get(ids=[i for i, _ in fused], include=["documents", "metadatas"])
        by_id = {i: (d, m) for i, d, m in zip(records["ids"], records["documents"], records["metadatas"])}
        hits = []
        for chunk, score in fused:
            if chunk not in by_id:  # deleted since the keyword index was built
                continue
            text, meta = by_id[chunk]
            # Checked again on the stored record: the keyword index may lag behind an access change.
            if may_see(meta.get("groups") or [], groups):
                hits.append(Hit(id=chunk, text=text, metadata=meta, score=score))
        return hits
