"""Context assembly: from ranked hits to the numbered sources the model reads and the user sees.

1. Near-identical chunks (the same text, or at least 90% of the same character 5-grams: a file copied into two
   folders, a boilerplate paragraph) keep only their best-ranked copy; near-identical chunks of two versions of one
   document (another status or label) are not copies, and both stay, unless their words are the same.
2. Chunks of one document that follow each other (positions n, n+1, …) become one source at the rank of the best of
   them, with the splitter's overlap removed, so the model reads one passage instead of two broken halves; the source
   keeps the best chunk's page and heading, and `focus`, where that chunk starts in the passage (for the snippet).
3. Sources are taken in rank order while the token budget lasts (the first always goes in whole); one longer than
   what is left is cut to it from its best chunk on, or passed over when too little is left; up to `max_sources`.

The returned order is the numbering: source [n] in the prompt is source n in the response, because both are built from
this one list.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ingestion.chunk import estimate_tokens
from retrieval.hits import Hit

SOURCE_OVERHEAD_TOKENS = 20  # the "[n] title (page)" line the prompt adds per source
NEAR_DUPLICATE = 0.9
MIN_TRIMMED_TOKENS = 120  # less of a passage than this is rarely evidence enough to cite
_SPACE = re.compile(r"\s+")


def _shingles(text: str, n: int = 5) -> frozenset[str]:
    flat = _SPACE.sub(" ", text.lower()).strip()
    return frozenset(flat[i:i + n] for i in range(max(1, len(flat) - n + 1)))


def _near_duplicate(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= NEAR_DUPLICATE


def _versions_apart(a: Hit, b: Hit) -> bool:
    """Two versions of one document: nearly the same words, but the one figure that differs is the point (the
    model and the reader must see both, and which one is in force)."""
    family = a.metadata.get("version_family")
    return bool(family) and family == b.metadata.get("version_family") and \
        a.metadata.get("doc_id") != b.metadata.get("doc_id") and \
        (a.metadata.get("version_status"), a.metadata.get("version_label")) != \
        (b.metadata.get("version_status"), b.metadata.get("version_label"))


def drop_near_duplicates(hits: list[Hit]) -> list[Hit]:
    kept: list[Hit] = []
    seen: list[frozenset[str]] = []
    for hit in hits:
        shingles = _shingles(hit.text)
        # The same words are a copy even across versions (an article the amendment left alone): the better-ranked
        # one stays, which after demotion is the version in force.
        if any(shingles == other or _near_duplicate(shingles, other) and not _versions_apart(hit, earlier)
               for earlier, other in zip(kept, seen, strict=True)):
            continue
        kept.append(hit)
        seen.append(shingles)
    return kept


def join_overlapping(first: str, second: str, min_overlap: int = 8) -> str:
    """`first` + `second` without the text the splitter repeated at the start of `second`."""
    longest = min(len(first), len(second))
    for size in range(longest, min_overlap - 1, -1):
        if first.endswith(second[:size]):
            return first + second[size:]
    return f"{first}\n{second}"


def _position(hit: Hit) -> int | None:
    position = hit.metadata.get("position")
    return int(position) if position is not None else None


def merge_adjacent(hits: list[Hit]) -> list[Hit]:
    """Runs of consecutive chunks of one document become one hit, placed where the run's best chunk ranked."""
    by_doc: dict[str, list[Hit]] = {}
    for hit in hits:
        if hit.metadata.get("doc_id") is not None and _position(hit) is not None:
            by_doc.setdefault(str(hit.metadata["doc_id"]), []).append(hit)
    run_of: dict[str, list[Hit]] = {}  # id of a run's best-ranked chunk -> the run in document order
    absorbed: set[str] = set()
    rank = {h.id: n for n, h in enumerate(hits)}
    for doc_hits in by_doc.values():
        doc_hits.sort(key=lambda h: _position(h) or 0)  # every hit here has a position (filtered above)
        run: list[Hit] = []
        ends: list[Hit | None] = [*doc_hits, None]  # None closes the last run
        for item in ends:
            if item is not None and run and _position(item) == (_position(run[-1]) or 0) + 1:
                run.append(item)
                continue
            if len(run) > 1:
                best = min(run, key=lambda h: rank[h.id])
                run_of[best.id] = run
                absorbed.update(h.id for h in run if h.id != best.id)
            run = [] if item is None else [item]
    merged: list[Hit] = []
    for hit in hits:
        if hit.id in absorbed:
            continue
        doc_run = run_of.get(hit.id)
        if doc_run is None:
            merged.append(hit)
            continue
        text = doc_run[0].text
        for part in doc_run[1:]:
            text = join_overlapping(text, part.text)
        # The best chunk's metadata (its page and heading are where the evidence is) and where its text starts in
        # the passage, so the snippet a user sees shows the part that matched, not the run's first chunk.
        metadata = {**hit.metadata, "chunk_ids": [h.id for h in doc_run],
                    "positions": [_position(h) for h in doc_run],
                    "focus": max(0, text.find(hit.text))}
        merged.append(replace(hit, text=text, metadata=metadata))
    return merged


def trimmed_to(hit: Hit, room_tokens: int) -> Hit | None:
    """A passage cut to `room_tokens` from where its best chunk starts (`focus`): the part that matched, not the
    run's first chunk. None when less than MIN_TRIMMED_TOKENS would be left."""
    if room_tokens < MIN_TRIMMED_TOKENS:
        return None
    text = hit.text[int(hit.metadata.get("focus") or 0):]
    low, high = 0, len(text)  # the longest prefix that fits (estimate_tokens grows with length)
    while low < high:
        middle = (low + high + 1) // 2
        if estimate_tokens(text[:middle]) <= room_tokens:
            low = middle
        else:
            high = middle - 1
    cut = text[:low]
    end = max(cut.rfind(mark) for mark in ("。", ". ", "\n"))
    cut = cut[: end + 1] if end > len(cut) // 2 else cut  # end at a sentence when that keeps most of it
    return replace(hit, text=cut.rstrip(), metadata={**hit.metadata, "focus": 0, "trimmed": True})


def within_budget(hits: list[Hit], budget_tokens: int, max_sources: int | None = None) -> list[Hit]:
    """The best hits whose text fits the model's context budget (always at least one). A source too long for what is
    left is cut to what is left, from its best chunk on, or passed over when too little is left: a long merged passage
    must neither end the list nor lose its own matching part (seen: "How do I report phishing?" lost the phishing
    page, a 940-token merged run, behind a 90-token source with a 1000-token budget)."""
    kept: list[Hit] = []
    used = 0
    for hit in hits:
        if max_sources is not None and len(kept) >= max_sources:
            break
        cost = estimate_tokens(hit.text) + SOURCE_OVERHEAD_TOKENS
        if kept and used + cost > budget_tokens:
            cut = trimmed_to(hit, budget_tokens - used - SOURCE_OVERHEAD_TOKENS)
            if cut is None:
                continue
            hit, cost = cut, estimate_tokens(cut.text) + SOURCE_OVERHEAD_TOKENS
        kept.append(hit)
        used += cost
    return kept


def assemble_context(hits: list[Hit], budget_tokens: int, max_sources: int | None = None) -> list[Hit]:
    """Ranked hits → the numbered sources (source n is element n-1): deduplicated, merged, within budget."""
    return within_budget(merge_adjacent(drop_near_duplicates(hits)), budget_tokens, max_sources)
