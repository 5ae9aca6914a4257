"""Grounding: is each point of an answer backed by the text of the sources it cites, and is anything retrieved
relevant at all?

A point's quotes come first: each is located in the source it names (prompts/quotes.py) and replaced by the source's
own words and offsets; a point with a found quote is supported by construction, unless the figures it states
contradict its quotes (prompts/numerals.py), which are then flagged or corrected. A quote that is only a heading is
not kept. A point with no found quote falls back to two measures, each with a threshold in the settings: lexical
overlap (the share of the point's content terms found in the source) and embedding similarity (cosine of normalised
vectors from the retrieval embedder); it is shown with the sentence of its cited sources that best matches it (the
model's words are never shown as a source's), its figures checked against that. When no point carries source words,
the best-matching sentences of the top sources are the answer's evidence instead."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from prompts.numerals import FactCheck, Figure, check_figures, corrected, figures, same
from prompts.quotes import locate, sentences
from prompts.schema import Answer, Point
from services.schemas import EvidenceQuote, FactVerdict, GroundedAnswer, GroundedPoint, Grounding

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
    quote_min_similarity: float = 0.85


CONTEXT_CHARS = 80  # of the source on each side of a quote, for display


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    """The source's text on each side of a quote, its spacing collapsed; a Latin word cut at either edge left out."""
    at, to = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    if at > 0 and text[at - 1].isascii() and text[at - 1].isalnum():
        while at < start and text[at].isascii() and text[at].isalnum():
            at += 1
    if to < len(text) and text[to].isascii() and text[to].isalnum():
        while to > end and text[to - 1].isascii() and text[to - 1].isalnum():
            to -= 1
    return re.sub(r"\s+", " ", text[at:start]), re.sub(r"\s+", " ", text[end:to])


def evidence_quote(source: int, text: str, start: int, end: int, match: str, score: float = 1.0,
                   model_source: int | None = None) -> EvidenceQuote:
    before, after = _context(text, start, end)
    return EvidenceQuote.model_validate({"source": source, "text": text[start:end], "start": start, "end": end,
                                         "match": match, "score": score, "model_source": model_source,
                                         "before": before, "after": after})


_HEADING_MARKS = "#*=-_ \t"
_SENTENCE_MARKS = frozenset(".。!！?？;；:：")
HEADING_MAX_WORDS = 12  # Latin words; a CJK character counts as half a word


def is_heading(text: str, start: int, end: int) -> bool:
    """Is `text[start:end]` a whole line that names a section rather than states something: no sentence mark, no
    figure, a few words? A small model quoting "Travel and Expense Policy" for a point about the meal allowance has
    found the right document and nothing in it; such a quote supports no point."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:len(text) if line_end == -1 else line_end]
    if text[start:end].strip(_HEADING_MARKS) != line.strip(_HEADING_MARKS) or not line.strip(_HEADING_MARKS):
        return False
    words = len(_LATIN.findall(_CJK_RUN.sub(" ", line.lower()))) + sum(map(len, _CJK_RUN.findall(line))) / 2
    return (words <= HEADING_MAX_WORDS and not any(ch.isdigit() for ch in line)
            and not any(ch in _SENTENCE_MARKS for ch in line.rstrip(_HEADING_MARKS)))


def locate_quotes(point: Point, source_texts: list[str], min_score: float,
                  elsewhere: bool) -> tuple[list[EvidenceQuote], int]:
    """The point's quotes found in the sources, as the sources word them, and how many were not found. A quote is
    looked for in the source it names; with `elsewhere`, then in the point's other cited sources and the rest of
    those given to the model (a small model often names a neighbour), and re-attributed to where it was found.
    Only `source_texts` are searched: the sources this user may read, as given to the model. A quote that is only a
    heading (is_heading) is not kept."""
    found: list[EvidenceQuote] = []
    missing = 0
    numbers = range(1, len(source_texts) + 1)
    for quote in point.quotes:
        named = [quote.source] if quote.source in numbers else []
        others = [n for n in [*point.citations, *numbers] if n != quote.source] if elsewhere else []
        kept = False
        for n in dict.fromkeys([*named, *others]):
            located = locate(quote.text, source_texts[n - 1], min_score=min_score)
            if located is None:
                continue
            # Found, but a heading: counted with the quotes not found.
            kept = not is_heading(source_texts[n - 1], located.start, located.end)
            if kept and not any((q.source, q.start, q.end) == (n, located.start, located.end) for q in found):
                found.append(evidence_quote(n, source_texts[n - 1], located.start, located.end, located.match,
                                            located.score, None if n == quote.source else quote.source))
            break
        missing += not kept
    return found, missing


MATCH_MIN_TERMS = 2  # a sentence sharing one word with a point is not the sentence it rests on


def matched_quote(text: str, citations: list[int], source_texts: list[str],
                  min_share: float) -> EvidenceQuote | None:
    """The sentence of a cited source that holds most of the point's terms (at least MATCH_MIN_TERMS of them and
    `min_share` of all), shortest first among equals; headings never. Shown under a point whose own quote was not
    found, or when the model is not asked for quotes, so the reader still sees the words the point stands on;
    Perimeter's choice (match "matched"), not the model's."""
    wanted = terms(text)
    best: tuple[tuple[int, int], int, int, int] | None = None
    for n in citations:
        source = source_texts[n - 1]
        for a, b in sentences(source):
            found = len(terms(source[a:b]) & wanted)
            if found < max(MATCH_MIN_TERMS, min_share * len(wanted)) or is_heading(source, a, b):
                continue
            if best is None or (found, a - b) > best[0]:
                best = ((found, a - b), n, a, b)
    if best is None:
        return None
    (found, _), n, a, b = best
    return evidence_quote(n, source_texts[n - 1], a, b, "matched", round(found / len(wanted), 3))


def _contradicted(text: str, quotes: list[str], check: FactCheck, stated: list[Figure],
                  min_overlap: float) -> FactCheck:
    """The mismatches that are contradictions. A figure no source states is one (the model invented or rounded it).
    One a source states is one only when the quote is about the same thing as the point (their terms overlap) and
    no other figure of its kind in the point agreed with the quote: a small model often quotes the sentence of one
    part of its point and takes another part's figure, rightly, from elsewhere, and "correcting" that figure would
    write the wrong rule in; but it also writes a neighbouring rule's figure (triage within 30 minutes for calling
    within 15), which its quote of the right rule then contradicts."""
    about = overlap(text, " ".join(quotes)) >= min_overlap
    kept = [m for m in check.mismatches
            if not any(same(m.figure, f) for f in stated)
            or about and not any(a.dimension == m.figure.dimension for a in check.agreed)]
    return FactCheck(check.agreed, kept)


def check_facts(text: str, quotes: list[str], correct: bool, stated: list[Figure] | None = None,
                min_overlap: float = 0.5) -> tuple[str, FactVerdict | None, FactCheck]:
    """The text's figures against its quotes': the text (corrected when `correct` and the quotes say one thing
    instead) and the verdict. `stated`: the figures of the sources given to the model (see _contradicted)."""
    check = _contradicted(text, quotes, check_figures(text, quotes), stated or [], min_overlap)
    if check.verdict != "mismatch":
        return text, check.verdict, check
    if correct and (fixed := corrected(text, check)) != text:
        again = _contradicted(fixed, quotes, check_figures(fixed, quotes), stated or [], min_overlap)
        return fixed, "corrected" if again.verdict != "mismatch" else "mismatch", check
    return text, "mismatch", check


def _without_contradicted(text: str, quotes: list[str], stated: list[Figure], min_overlap: float) -> str:
    """The conclusion less its sentences whose figures the quotes contradict and no correction could mend (the
    model's own arithmetic: "after 3 years, an additional 2 days" where the source says 25, 26 and 27 days), when
    another sentence stands; else unchanged."""
    spans = sentences(text)
    wrong = [(a, b) for a, b in spans if check_facts(text[a:b], quotes, False, stated, min_overlap)[1] == "mismatch"]
    if not wrong or len(wrong) == len(spans):
        return text
    kept, at = [], 0
    for a, b in wrong:
        kept.append(text[at:a])
        at = b
    kept.append(text[at:])
    return re.sub(r"[ \t]{2,}", " ", "".join(kept)).strip()


def _read_with(text: str) -> list[tuple[int, int, set[str], set[str]]]:
    """Each sentence of `text`: its offsets, its own terms, and the terms it is read with. A row of a Markdown table
    is read with the table's header row and the sentence that introduces the table ("住宿费按城市类别执行以下标准：",
    "Hotel caps per night:"), as a reader reads "| 一类城市 | 北京、上海 | 800元 |"."""
    read: list[tuple[int, int, set[str], set[str]]] = []
    intro: set[str] = set()
    header: set[str] | None = None
    for a, b in sentences(text):
        own = terms(text[a:b])
        if not text[a:b].startswith("|"):
            intro, header = own, None
            read.append((a, b, own, own))
            continue
        context = intro if header is None else intro | header
        header = own if header is None else header
        read.append((a, b, own, own | context))
    return read


def extract_evidence(question: str, source_texts: list[str], limit: int, top: int = 3) -> list[EvidenceQuote]:
    """The extractive fallback: the sentences of the first `top` sources that hold the question's terms, the rarer
    among those sentences a term the more it counts (idf), best first, at most `limit` (none that holds none). A table
    row that holds one of them counts its header's and its introduction's too (_read_with)."""
    wanted = terms(question)
    if not wanted or limit <= 0:
        return []
    candidates = [(n, a, b, read & wanted if own & wanted else set())
                  for n, text in enumerate(source_texts[:top], start=1) for a, b, own, read in _read_with(text)]
    frequency = Counter(t for *_, found in candidates for t in found)
    scored = sorted(((sum(math.log(1 + len(candidates) / frequency[t]) for t in found), -n, -a, n, a, b, found)
                     for n, a, b, found in candidates if found), reverse=True)
    return [evidence_quote(n, source_texts[n - 1], a, b, "extracted", round(len(found) / len(wanted), 3))
            for *_, n, a, b, found in scored[:limit]]


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
                  fix_citations: bool = False, correct_facts: bool = False) -> tuple[GroundedAnswer, Grounding]:
    """Mark each point supported or not by the sources it cites (source n is source_texts[n-1]).

    A point's quotes are located first (locate_quotes): a point with a found quote is supported, and cites the
    sources its quotes were found in (with `fix_citations`; otherwise those are added to its own), unless its
    figures contradict them (check_facts: with `correct_facts` the quote's figure is written in instead).

    Without a found quote, and with `fix_citations`, a point whose cited sources hold too few of its terms while
    another source holds enough is re-cited to that source (the model's own numbers kept in `model_citations`): small
    models often write a point from one source and cite its neighbour, and a reader who follows [n] must find the
    text there.
    """
    cos = _cosines(point_vectors, source_vectors)
    points, dropped, recited = [], 0, 0
    summary = Grounding(quotes=sum(len(p.quotes) for p in answer.points))
    all_quotes: list[str] = []
    stated = [f for text in source_texts for f in figures(text)] if answer.points else []
    for i, point in enumerate(answer.points):
        quotes, missing = locate_quotes(point, source_texts, thresholds.quote_min_similarity, fix_citations)
        summary.quotes_found += sum(q.model_source is None for q in quotes)
        summary.quotes_moved += sum(q.model_source is not None for q in quotes)
        citations, model_citations = point.citations, None
        if quotes:
            quoted = sorted({q.source for q in quotes})
            if fix_citations and quoted != citations:
                citations, model_citations = quoted, point.citations
                recited += 1
            elif not fix_citations:
                citations = sorted({*citations, *quoted})
        best_overlap = max((overlap(point.text, source_texts[n - 1]) for n in citations), default=0.0)
        if not quotes and fix_citations and best_overlap < thresholds.min_overlap and source_texts:
            overlaps = [overlap(point.text, text) for text in source_texts]
            best = max(range(len(overlaps)), key=lambda n: (overlaps[n], -n))  # ties: the first source
            if overlaps[best] >= thresholds.min_overlap:
                citations, model_citations, best_overlap = [best + 1], citations, overlaps[best]
                recited += 1
        best_cos = max((float(cos[i, n - 1]) for n in citations), default=0.0) if cos is not None else 0.0
        text, facts, model_text = point.text, None, None
        # Without a quote of the model's: the old measures decide, and the sentence that best matches is shown.
        by_measure = not quotes and bool(citations) and (
            best_overlap >= thresholds.min_overlap or (cos is not None and best_cos >= thresholds.min_similarity))
        if quotes:
            all_quotes += [q.text for q in quotes]
            text, facts, check = check_facts(point.text, [q.text for q in quotes], correct_facts, stated,
                                             thresholds.min_overlap)
            summary.fact_checked += check.verdict is not None
            summary.fact_mismatches += check.verdict == "mismatch"
            summary.facts_corrected += facts == "corrected"
            model_text = point.text if text != point.text else None
        else:
            # The matched sentence is shown, never used to correct: a point of two facts matches one sentence, and
            # "correcting" the other fact from it wrote wrong rules in (25 days of leave became 5, measured). Only
            # a figure no source given to the model states is a verdict: flagged, since nothing says what is right.
            if matched := matched_quote(point.text, citations, source_texts, thresholds.min_overlap / 2):
                quotes = [matched]
                summary.quotes_matched += 1
            # (A bare number says too little: counts are not looked for.)
            if unstated := [f for f in figures(point.text)
                            if f.dimension != "count" and not any(same(f, s) for s in stated)]:
                facts = "unstated"
                summary.figures_unstated += len(unstated)
        supported = (any(q.match != "matched" for q in quotes) or by_measure) and facts not in ("mismatch", "unstated")
        if drop_unsupported and not supported:
            dropped += 1
            continue
        points.append(GroundedPoint(text=text, citations=citations, model_citations=model_citations,
                                    supported=supported, overlap=round(best_overlap, 3),
                                    similarity=round(best_cos, 3), quotes=quotes, quotes_dropped=missing,
                                    facts=facts, model_text=model_text))
    conclusion, model_conclusion = answer.conclusion, None
    if all_quotes and conclusion:
        conclusion, facts, _ = check_facts(conclusion, all_quotes, correct_facts, stated, thresholds.min_overlap)
        if facts == "mismatch" and correct_facts:
            conclusion = _without_contradicted(conclusion, all_quotes, stated, thresholds.min_overlap)
            facts = "corrected" if conclusion != answer.conclusion else facts
        if facts == "corrected":
            model_conclusion = answer.conclusion
            summary.facts_corrected += 1
    supported_count = sum(p.supported for p in points)
    total = len(answer.points)
    summary.supported, summary.total = supported_count, total
    summary.rate = round(supported_count / total, 3) if total else None
    summary.dropped_points, summary.recited_points = dropped, recited
    grounded = GroundedAnswer(**answer.model_dump(exclude={"points", "conclusion"}), points=points,
                              conclusion=conclusion, model_conclusion=model_conclusion)
    return grounded, summary
