"""The retrieval section of the settings: the Retriever and context assembly take it whole, so its defaults exist
here once (services/settings.py puts the sections together)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ingestion.settings import Section

Fusion = Literal["rrf", "convex"]
DenseSearch = Literal["exact", "chroma"]
VersionMode = Literal["demote", "exclude", "off"]


class RetrievalSettings(Section):
    top_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(100, ge=1, description="results taken from each of dense and keyword before fusion")
    fusion: Fusion = Field("convex", description="rrf: reciprocal rank fusion; convex: weighted sum of min-max "
                           "normalised scores (better on SciFact train, see README)")
    dense_weight: float = Field(0.5, ge=0, description="weight of the dense ranking in fusion (0 = keyword only)")
    keyword_weight: float = Field(0.5, ge=0, description="weight of the BM25 ranking in fusion (0 = dense only)")
    rrf_k: int = 60
    doc_weight: float = Field(0.0, ge=0, le=1, description="share of a chunk's fused score that comes from the best "
                              "chunk of its document in each list (0 = chunks alone; 0.5 gained only +0.004 "
                              "nDCG@10 on SciFact train, within noise; see README and retrieval/fuse.py)")
    cross_language_weight: float | None = Field(
        None, ge=0, description="weight of a dense list of the best chunks in the other language (mixed "
        "Chinese/English indexes only); unset = 0.5 for a multilingual embedding model, 0 for an English-only one")
    cross_language_max_mix: float | None = Field(
        0.25, ge=0, le=0.5, description="the other-language list leaves out chunks this bilingual or more (the share "
        "of their words in their minority script): a bilingual table's Chinese row under English headers is the "
        "'other language' closest to every English question; unset = every chunk of the other language")
    title_weight: float = Field(0.0, ge=0, description="weight of the BM25 score of a chunk's document title, added "
                                "to its title + text score (0 = that score alone)")
    heading_weight: float = Field(0.0, ge=0, description="weight of the BM25 score of a chunk's heading path, added "
                                  "to its title + text score")
    document_vector_weight: float = Field(0.25, ge=0, description="weight of a list that scores each fused "
                                          "candidate by its document's mean vector's similarity to the question "
                                          "(0.25 gained on bench.longdocs and on SciFact and CMRC; see README)")
    max_chunks_per_doc: int = Field(0, ge=0, description="at most this many chunks of one document among the hits "
                                    "a search returns, the rest moved behind the other documents' (0 = no cap)")
    cross_language_margin: float | None = Field(
        None, ge=0, description="other-language list scaled against the main dense list, with this much added to "
        "its similarities (the model's preference for the query's language), so it only counts where its chunks "
        "come near the best evidence overall; unset = normalised on its own (its best chunk always counts in full)")
    dense_search: DenseSearch = Field("exact", description="exact: masked dot product over the snapshot's vectors; "
                                      "chroma: HNSW with a $contains filter")
    reranker_model: str | None = Field(None, description="folder of a sentence-transformers cross-encoder; unset = "
                                                         "no reranking")
    rerank_top_n: int = Field(30, ge=1, description="fused hits the reranker rescores")
    snippet_chars: int = 320
    context_tokens: int = Field(2000, ge=200, description="budget for the sources given to the model")
    # PERIMETER_VERSION_*: document families (ingestion/versions.py, retrieval/versions.py; README, "Versions")
    version_mode: VersionMode = Field("demote", description="superseded, draft, expired and not yet effective "
                                      "documents: demote (their fused score times the weights below), exclude "
                                      "(left out, unless the question names their version), or off")
    version_superseded_weight: float = Field(0.5, ge=0, le=1, description="factor on a superseded version's fused "
                                             "score (demote mode)")
    version_draft_weight: float = Field(0.5, ge=0, le=1, description="factor on a draft's or a not yet effective "
                                        "version's fused score")
    version_expired_weight: float = Field(0.5, ge=0, le=1, description="factor on an expired document's fused score")
    version_stale_months: int = Field(24, ge=0, description="stale report: families whose newest version took effect "
                                      "longer ago than this (0 = not reported)")
    version_review_months: int = Field(0, ge=0, description="stale report: documents not reviewed within this many "
                                       "months of taking effect (or of being indexed), unless their metadata or "
                                       "folder says otherwise (0 = only declared review dates)")
