"""Stages 4 and 5, check citations and ground: citation numbers that name no source given to the model are dropped,
then each point's quotes are located in the sources and its figures checked against them; a point without a found
quote is checked against the text (and the stored vectors) of the sources it cites, and shown with the sentence of
those sources that best matches it. An answer with no source words under any point carries the best-matching
sentences of the top sources as its evidence."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ingestion.embedder import Embedder
from prompts.schema import Answer
from services.answering.vectors import StoredVectors
from services.citations import verify_citations
from services.grounding import Thresholds, extract_evidence, ground_answer
from services.schemas import GroundedAnswer, Grounding

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checked:
    answer: Answer  # every citation number names a source given to the model
    dropped: int  # citation numbers removed


@dataclass(frozen=True)
class GroundingRules:
    thresholds: Thresholds
    drop_unsupported: bool
    fix_citations: bool
    correct_facts: bool = True
    evidence_sentences: int = 3


@dataclass(frozen=True)
class Grounded:
    answer: GroundedAnswer
    grounding: Grounding

    @property
    def grounded(self) -> bool:
        """At least one point cites a source that was given to the model."""
        return any(p.citations for p in self.answer.points)

    @property
    def supported(self) -> bool:
        """At least one point is backed by the text of a source it cites."""
        return any(p.supported for p in self.answer.points)


def check_citations(answer: Answer, source_count: int) -> Checked:
    answer, dropped = verify_citations(answer, source_count)
    if dropped:
        log.info("dropped %d citation numbers that referred to no source", dropped)
    return Checked(answer=answer, dropped=dropped)


def _embed(embedder: Embedder, texts: list[str]) -> list[Any] | None:
    try:
        return embedder.embed_documents(texts)
    except Exception as exc:  # grounding then falls back to lexical overlap alone
        log.warning("embedding for grounding failed: %s", exc)
        return None


def ground(checked: Checked, source_texts: list[str], vectors: StoredVectors, embedder: Embedder,
           rules: GroundingRules, question: str = "") -> Grounded:
    """Source n is source_texts[n-1]. Points are embedded only when the sources' stored vectors could be read."""
    answer = checked.answer
    source_vectors = vectors.get() if answer.points else None
    point_vectors = _embed(embedder, [p.text for p in answer.points]) if source_vectors else None
    grounded, grounding = ground_answer(answer, source_texts, rules.thresholds, point_vectors,
                                        source_vectors if point_vectors else None, rules.drop_unsupported,
                                        rules.fix_citations, rules.correct_facts)
    grounding.dropped_citations = checked.dropped
    # The user always sees the words: when no point that stands carries a source's words (a point marked
    # unsupported shows the sentence it matched, which may be the wrong rule: the twin-room rule for the hotel cap),
    # the sentences of the top sources that best match the question are shown too.
    if not any(p.quotes for p in grounded.points if p.supported):
        grounded.evidence = extract_evidence(question, source_texts, rules.evidence_sentences)
    return Grounded(answer=grounded, grounding=grounding)
