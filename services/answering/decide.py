"""Stage 2, decide: is the model asked at all? When nothing retrieved is about the question the answer is "not
found" without a model call; when the model then fails, the answer degrades to the ranked sources with a notice."""
from __future__ import annotations

import logging
import time

from ingestion.embedder import Embedder
from services.answering.retrieve import Retrieved
from services.answering.vectors import StoredVectors
from services.grounding import extract_evidence, relevance
from services.llm.base import ModelError
from services.schemas import AskResponse, GroundedAnswer, Timings

log = logging.getLogger(__name__)


def is_relevant(retrieved: Retrieved, vectors: StoredVectors, embedder: Embedder, *, min_overlap: float,
                min_similarity: float) -> bool:
    """Is anything retrieved about the question? Term overlap first (free); the embedding only when it fails."""
    if not retrieved.hits:
        return False
    texts = [h.text for h in retrieved.hits]
    if relevance(retrieved.query, texts)[0] >= min_overlap:
        return True
    source_vectors = vectors.get()
    try:
        question_vector = embedder.embed_query(retrieved.query) if source_vectors is not None else None
    except Exception as exc:
        log.warning("question embedding for the relevance check failed: %s", exc)
        question_vector = None
    # Without vectors only the lexical test is known: do not call a question off-topic on half the evidence.
    if question_vector is None:
        return True
    return relevance(retrieved.query, texts, question_vector, source_vectors)[1] >= min_similarity


def not_found(retrieved: Retrieved) -> AskResponse:
    """Nothing the user may see is about this: say so rather than let the model improvise (no sources shown)."""
    notice = retrieved.labels["not_found"]
    return retrieved.without_sources().response(GroundedAnswer(conclusion=notice), model=None, grounded=False,
                                                notice=notice, not_found=True)


def degraded(retrieved: Retrieved, exc: ModelError, evidence_sentences: int = 3) -> AskResponse:
    """The model failed: the ranked sources with their snippets still answer the search part of the question, and
    their sentences that best match it are shown as quoted evidence."""
    log.warning("degraded answer (%s): %s", type(exc).__name__, exc)
    notice = retrieved.labels["model_unavailable"]
    elapsed_ms = (time.perf_counter() - retrieved.started) * 1000
    timings = Timings(retrieval_ms=round(retrieved.retrieval_ms, 1),
                      generation_ms=round(elapsed_ms - retrieved.retrieval_ms, 1))
    evidence = extract_evidence(retrieved.question, [h.text for h in retrieved.hits], evidence_sentences)
    return retrieved.response(GroundedAnswer(conclusion=notice, evidence=evidence), model=None, grounded=False,
                              notice=notice, degraded=True, timings=timings)
