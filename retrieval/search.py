"""Hybrid search over the published search snapshot: dense and keyword (BM25), both filtered by the caller's groups
inside their scoring, fused (RRF or a convex combination, weights from settings), optionally reranked by a local
cross-encoder; texts and the final access check come from Chroma."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import chromadb
import numpy as np

from ingestion.embedder import Embedder, is_multilingual
from ingestion.index import included, open_client, open_collection
from prompts.language import detect_language
from retrieval.access import may_see
from retrieval.dense import best_visible, chroma_search, similarities
from retrieval.fuse import fuse_rankings, fuse_scores
from retrieval.hits import Hit
from retrieval.keyword import keyword_search
from retrieval.rerank import Reranker, rerank
from retrieval.scope import DocumentScope
from retrieval.settings import RetrievalSettings
from retrieval.snapshot import Snapshot, SnapshotReader
from retrieval.versions import named_versions, prefer_in_force, version_metadata


class Retriever:
    """Search over one collection as configured by its settings section (retrieval/settings.py)."""

    def __init__(self, settings: RetrievalSettings, *, chroma_dir: Path, data_dir: Path, collection: str,
                 embedder: Embedder, chroma_url: str | None = None, reranker: Reranker | None = None,
                 client: chromadb.ClientAPI | None = None, snapshot_version: str | None = None):
        """`client`: an open Chroma client to search through (the process's one); else one is opened here.
        `snapshot_version`: search that snapshot instead of the published one (a candidate's, before publishing)."""
        self.settings = settings
        self.embedder = embedder
        self.collection_name = collection
        self._client = client if client is not None else open_client(chroma_dir, chroma_url)
        self._collection: chromadb.Collection | None = None
        self.snapshots = SnapshotReader(data_dir, collection, snapshot_version)
        self.weights = [settings.dense_weight, settings.keyword_weight]
        # Unset: a list across languages only where the model's vectors mean the same across them.
        self.cross_language_weight = (settings.cross_language_weight if settings.cross_language_weight is not None
                                      else 0.5 if is_multilingual(embedder.model_id) else 0.0)
        self.reranker = reranker

    @property
    def collection(self) -> chromadb.Collection:
        if self._collection is None:
            self._collection = open_collection(
                self._client, self.collection_name, self.embedder.model_id, self.embedder.dimension
            )
        return self._collection

    # What the services read of the index goes through these three, so that another index backend is one class
    # (docs/SCALING.md), not a change to every route that once reached into Chroma.

    def count(self) -> int:
        """How many chunks the collection holds (health checks)."""
        return self.collection.count()

    def document_chunks(self, doc_id: str, groups: list[str], *, with_text: bool = True
                        ) -> list[tuple[Mapping[str, Any], str]]:
        """The chunks of one document that `groups` may see, (metadata, text), in document order. Without
        `with_text` the texts are not read (empty): finding a document's file needs only its metadata."""
        records = self.collection.get(where={"doc_id": doc_id},
                                      include=["metadatas", "documents"] if with_text else ["metadatas"])
        metadatas: list[Mapping[str, Any]] = included(records["metadatas"])  # read by our own schema
        texts = included(records["documents"]) if with_text else [""] * len(metadatas)
        rows = [(meta, text) for meta, text in zip(metadatas, texts, strict=True)
                if meta and may_see(meta.get("groups") or [], groups)]
        rows.sort(key=lambda r: int(r[0].get("position") or 0))
        return rows

    def stored_vectors(self, chunk_ids: list[str]) -> dict[str, list[float]]:
        """The vectors the chunks were indexed with, by chunk id (missing ids are left out)."""
        got = self.collection.get(ids=chunk_ids, include=["embeddings"])
        vectors = got["embeddings"]
        if vectors is None:  # never when asked for; the caller treats it like any failure to read them
            raise ValueError("Chroma returned no embeddings")
        return dict(zip(got["ids"], vectors, strict=True))

    def dense(self, query: str, groups: list[str], k: int, scope: DocumentScope | None = None
              ) -> list[tuple[str, float]]:
        snapshot = self.snapshots.current()
        vector = self._vector(query)
        found = self._dense(snapshot, vector, snapshot.searchable(groups, scope), groups, k,
                            self._exact_scores(snapshot, vector))
        return prefer_in_force(found, snapshot, query, self.settings)

    def _vector(self, query: str) -> np.ndarray:
        return np.asarray(self.embedder.embed_query(query), dtype=np.float32)

    def _dense(self, snapshot: Snapshot, vector: np.ndarray, mask: np.ndarray, groups: list[str], k: int,
               scores: np.ndarray | None) -> list[tuple[str, float]]:
        if self.settings.dense_search == "exact" and scores is not None:
            return best_visible(snapshot, scores, mask, k)
        return chroma_search(self.collection, vector, groups, k)  # also an old snapshot without vectors

    def _exact_scores(self, snapshot: Snapshot, vector: np.ndarray) -> np.ndarray | None:
        """Similarities to every chunk, when the exact search or the other-language list will read them."""
        wanted = self.settings.dense_search == "exact" or self.cross_language_weight
        return similarities(snapshot, vector) if wanted else None

    @property
    def field_weights(self) -> dict[str, float]:
        return {"title": self.settings.title_weight, "headings": self.settings.heading_weight}

    def keyword(self, query: str, groups: list[str], k: int, scope: DocumentScope | None = None
                ) -> list[tuple[str, float]]:
        snapshot = self.snapshots.current()
        found = keyword_search(snapshot, query, snapshot.searchable(groups, scope), k, self.field_weights)
        return prefer_in_force(found, snapshot, query, self.settings)

    def fused(self, query: str, groups: list[str], scope: DocumentScope | None = None) -> list[tuple[str, float]]:
        """Every candidate the caller may see (inside `scope`, when given), fused, best first (chunk id, score)."""
        snapshot = self.snapshots.current()
        mask = snapshot.searchable(groups, scope)
        rankings: list[list[tuple[str, float]]] = []
        weights: list[float] = []
        bounds: list[tuple[float, float] | None] = []
        vector: np.ndarray | None = None
        other: np.ndarray | None = None
        if self.weights[0]:
            vector = self._vector(query)
            scores = self._exact_scores(snapshot, vector)  # computed once for both dense lists
            dense = self._dense(snapshot, vector, mask, groups, self.settings.candidates, scores)
            rankings.append(dense)
            weights.append(self.weights[0])
            bounds.append(None)
            other = (snapshot.other_language(detect_language(query), mask, self.settings.cross_language_max_mix)
                     if self.cross_language_weight else None)
            if other is not None and scores is not None:
                # Embedding models favour the query's language; the best chunks in the other language get a list
                # of their own, so an answer that only exists in the other language can still surface.
                crossing = best_visible(snapshot, scores, other, self.settings.candidates)
                margin = self.settings.cross_language_margin
                if margin is not None and dense:
                    # Language-aware: measured against the whole dense list (plus the margin the model's language
                    # preference costs), the other language counts in full only where it comes near the best
                    # evidence, and little when good evidence in the question's language exists.
                    crossing = [(chunk, score + margin) for chunk, score in crossing]
                    bounds.append((dense[-1][1], dense[0][1]))
                else:
                    bounds.append(None)
                rankings.append(crossing)
                weights.append(self.cross_language_weight)
        if self.weights[1]:
            rankings.append(keyword_search(snapshot, query, mask, self.settings.candidates, self.field_weights))
            weights.append(self.weights[1])
            bounds.append(None)
        if self.settings.document_vector_weight and vector is not None:
            for about in self._documents_about(snapshot, vector, rankings, other):
                rankings.append(about)
                weights.append(self.settings.document_vector_weight)
                bounds.append(None)
        if self.settings.fusion == "convex":
            fused = fuse_scores(rankings, weights, doc_of=snapshot.doc_of, doc_weight=self.settings.doc_weight,
                                bounds=bounds)
        else:
            fused = fuse_rankings([[i for i, _ in r] for r in rankings], k=self.settings.rrf_k, weights=weights,
                                  doc_of=snapshot.doc_of, doc_weight=self.settings.doc_weight)
        return prefer_in_force(fused, snapshot, query, self.settings)  # versions not in force step back

    def _documents_about(self, snapshot: Snapshot, vector: np.ndarray, rankings: list[list[tuple[str, float]]],
                         other: np.ndarray | None = None) -> list[list[tuple[str, float]]]:
        """The candidates of the other lists, each scored by how close its whole document (the mean of its chunk
        vectors) is to the query: it re-orders what dense and BM25 found, it brings in no chunk of its own.

        With `other` (the rows of the other-language list), candidates of the other language are scored in a list
        of their own, normalised on its own as that list is: a whole document in the question's language is always
        nearer than one in the other (the model's language preference, over every chunk of it), and one list would
        push the only document that answers an English question about a Chinese policy out of the sources."""
        found = snapshot.document_vectors()
        if found is None:
            return []
        of_row, documents = found
        about = documents @ vector
        same: list[tuple[str, float]] = []
        crossing: list[tuple[str, float]] = []
        for chunk in dict.fromkeys(c for ranking in rankings for c, _ in ranking):
            row = snapshot.row_of(chunk)
            if row is not None:
                (crossing if other is not None and other[row] else same).append((chunk, float(about[of_row[row]])))
        return [part for part in (same, crossing) if part]

    def search(self, query: str, groups: list[str], k: int, scope: DocumentScope | None = None) -> list[Hit]:
        """The k best hits the caller's groups may see; with `scope` (an assistant's), only those inside it."""
        # Twice k: a few may be gone (old versions purged since the search snapshot was published); with a cap per
        # document, more, so that other documents are there to take the place of the chunks it moves down.
        cap = self.settings.max_chunks_per_doc
        depth = max((4 if cap else 2) * k, self.settings.rerank_top_n if self.reranker else 0)
        hits = self.hits(self.fused(query, groups, scope)[:depth], groups, query, scope)
        if self.reranker is not None:
            hits = rerank(self.reranker, query, hits, self.settings.rerank_top_n)
        return (cap_per_document(hits, cap) if cap else hits)[:k]

    def hits(self, ranked: list[tuple[str, float]], groups: list[str], question: str = "",
             scope: DocumentScope | None = None) -> list[Hit]:
        """Ranked chunk ids → hits with text and metadata, dropping any the stored record no longer lets them see.
        Each hit's metadata also says which version of its document it is (retrieval/versions.py)."""
        if not ranked:
            return []
        snapshot = self.snapshots.current()
        named = named_versions(question, snapshot.versions) if question else set()
        records = self.collection.get(ids=[i for i, _ in ranked], include=["documents", "metadatas"])
        # Metadata is read by our own schema (Chroma types each value as any of its scalar and list types).
        by_id: dict[str, tuple[str, Mapping[str, Any]]] = {
            i: (d, m) for i, d, m in zip(records["ids"], included(records["documents"]), included(records["metadatas"]),
                                         strict=True)}
        hits = []
        for chunk, score in ranked:
            if chunk not in by_id:
                continue
            text, meta = by_id[chunk]
            # Checked again on the stored record: an access change applies before the next snapshot is published.
            # The scope too: Chroma's own search (an old snapshot without vectors) knows only the groups.
            if may_see(meta.get("groups") or [], groups) and (scope is None or scope.admits(meta)):
                version = version_metadata(str(meta.get("doc_id") or ""), snapshot, groups, named)
                hits.append(Hit(id=chunk, text=text, metadata={**meta, **version} if version else meta, score=score))
        return hits


def cap_per_document(hits: list[Hit], cap: int) -> list[Hit]:
    """The first `cap` hits of each document in their order, then the rest in theirs: five sources that are three
    chunks of one law crowd out the other documents a question may be about. Moved down, not dropped, so that a
    caller asking for many hits still gets them (context assembly merges a kept chunk with its neighbours)."""
    kept: list[Hit] = []
    moved: list[Hit] = []
    seen: dict[str, int] = {}
    for hit in hits:
        doc = str(hit.metadata.get("doc_id") or hit.metadata.get("source") or hit.id)
        seen[doc] = seen.get(doc, 0) + 1
        (kept if seen[doc] <= cap else moved).append(hit)
    return kept + moved
