"""Grounding: is each point of an answer backed by the text of the sources it cites, and is anything retrieved
relevant at all? Two measures, each with a threshold in the settings: lexical overlap (the share of the point's content
terms found in the source) and embedding similarity (cosine of normalised vectors from the retrieval embedder)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from prompts.schema import Answer
from services.schemas import GroundedAnswer, GroundedPoint, Grounding

_LATIN = re.compile(r"[a-z0-9][a-z0-9+.\-']*[a-z0-9]|[a-z0-9]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_STOP = frozenset(
    "a an and are as at be but by can could do does for from has have how i if in into is it its may must not of on "
    "or our should so than that the their them then there these they this to was we were what when where which who "
    "will with would you your any all also".split()
)
_ZH_STOP = frozenset("的了是在和与或及等吗呢吧啊我你您其该此")

Vectors = Sequence[Sequence[float]] | np.ndarray | None  # normalised embeddings, one per text
# Per source, the vectors of its chunks (a source merged from adjacent chunks has several).
SourceVectors = Sequence[Sequence[Sequence[float]]] | None


def terms(text: str) -> set[str]:
    """Content terms: English words (plural -s folded, stop words out), numbers, and Chinese character bigrams."""
    text = text.lower()
    found = set()
    for word in _LATIN.findall(_CJK_RUN.sub(" ", text)):
        if word in _STOP:
            continue
        found.add(word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word)
    for run in _CJK_RUN.findall(text):
        chars = [c for c in run if c not in _ZH_STOP]
        found.update(a + b for a, b in pairwise(chars))
        if len(chars) == 1:
            found.add(chars[0])
    return found


MIN_CLAIM_TERMS = 2  # a "point" of one term ("1", "Yes") proves nothing by overlap


def overlap(claim: str, source: str) -> float:
    """Share of the claim's content terms that the source contains (0.0 for a claim with fewer than two terms)."""
    wanted = terms(claim)
    return len(wanted & terms(source)) / len(wanted) if len(wanted) >= MIN_CLAIM_TERMS else 0.0


@dataclass(frozen=True)
class Thresholds:
    min_overlap: float
    min_similarity: float


def _cosines(claims: Vectors, sources: SourceVectors) -> np.ndarray | None:
    """claims x sources: each claim's best cosine with any chunk of each source."""
    if claims is None or sources is None or len(claims) == 0 or len(sources) == 0:
        return None
    claim_matrix = np.asarray(claims, dtype=np.float32)
    return np.stack([(claim_matrix @ np.asarray(chunks, dtype=np.float32).T).max(axis=1) for chunks in sources],
                    axis=1)


def relevance(question: str, texts: list[str], question_vector: Sequence[float] | None = None,
              text_vectors: SourceVectors = None) -> tuple[float, float]:
    """(best lexical overlap, best cosine) of the question against the retrieved texts: is anything on topic?"""
    lexical = max((overlap(question, t) for t in texts), default=0.0)
    cos = _cosines(None if question_vector is None else [question_vector], text_vectors)
    return lexical, float(cos.max()) if cos is not None else 0.0


def ground_answer(answer: Answer, source_texts: list[str], thresholds: Thresholds, point_vectors: Vectors = None,
                  source_vectors: SourceVectors = None, drop_unsupported: bool = False,
                  fix_citations: bool = False) -> tuple[GroundedAnswer, Grounding]:
    """Mark each point supported or not by the sources it cites (source n is source_texts[n-1]).

    With `fix_citations`, a point whose cited sources hold too few of its terms while another source holds enough
    is re-cited to that source (the model's own numbers kept in `model_citations`): small models often write a
    point from one source and cite its neighbour, and a reader who follows [n] must find the text there.
    """
    cos = _cosines(point_vectors, source_vectors)
    points, dropped, recited = [], 0, 0
    for i, point in enumerate(answer.points):
        citations, model_citations = point.citations, None
        best_overlap = max((overlap(point.text, source_texts[n - 1]) for n in citations), default=0.0)
        if fix_citations and best_overlap < thresholds.min_overlap and source_texts:
            overlaps = [overlap(point.text, text) for text in source_texts]
            best = max(range(len(overlaps)), key=lambda n: (overlaps[n], -n))  # ties: the first source
            if overlaps[best] >= thresholds.min_overlap:
                citations, model_citations, best_overlap = [best + 1], citations, overlaps[best]
                recited += 1
        best_cos = max((float(cos[i, n - 1]) for n in citations), default=0.0) if cos is not None else 0.0
        supported = bool(citations) and (
            best_overlap >= thresholds.min_overlap or (cos is not None and best_cos >= thresholds.min_similarity))
        if drop_unsupported and not supported:
            dropped += 1
            continue
        points.append(GroundedPoint(text=point.text, citations=citations, model_citations=model_citations,
                                    supported=supported, overlap=round(best_overlap, 3),
                                    similarity=round(best_cos, 3)))
    supported_count = sum(p.supported for p in points)
    total = len(answer.points)
    summary = Grounding(supported=supported_count, total=total,
                        rate=round(supported_count / total, 3) if total else None,
                        dropped_points=dropped, recited_points=recited)
    return GroundedAnswer(**answer.model_dump(exclude={"points"}), points=points), summary
