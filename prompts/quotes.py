"""Where a quote stands in a source's text: the model is asked to copy the words a point rests on, and copies them
more or less faithfully (other spaces or punctuation, full-width characters, a word changed). `locate` finds them,
exact first, then with spacing, punctuation, case and full-width forms ignored, then by a bounded fuzzy match
(rapidfuzz's partial-ratio alignment), and returns the source's own words and their character offsets, so what is
shown as a quote is always the document's text, never the model's. `sentences` cuts a text into sentences with
their offsets (the extractive fallback's evidence).

Pure text: no model, no I/O."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

Match = Literal["exact", "normalised", "fuzzy"]

MAX_QUOTE_CHARS = 600  # a "quote" longer than this is not a quote but a copy of the source: refused
MIN_QUOTE_CHARS = 4  # fewer letters or digits than this (after normalising) would be found anywhere
FUZZY_MIN_QUOTE_CHARS = 12  # a shorter quote that is not found as written would be "found" in too many places
FUZZY_MAX_SOURCE_CHARS = 40_000  # the fuzzy match's cost grows with the source: beyond this only exact matches
_SURROUND = "\"'“”‘’「」『』«»„ \t\r\n"
_ELLIPSIS = re.compile(r"\s*(?:\.{3,}|…+)\s*")


@dataclass(frozen=True)
class Located:
    """`source[start:end]` is `text`: the words of the source the quote was found as."""
    start: int
    end: int
    text: str
    match: Match
    score: float  # 1.0 for exact and normalised matches; the fuzzy match's similarity (0-1) otherwise


def _kept(ch: str) -> bool:
    """Letters, digits and CJK characters count; spacing, punctuation and symbols do not."""
    return unicodedata.category(ch)[0] in "LN"


def normalised(text: str) -> tuple[str, list[int]]:
    """`text` folded (NFKC: full-width forms as ASCII; case folded) with only letters and digits kept, and for each
    character of the result the offset in `text` it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for folded in unicodedata.normalize("NFKC", ch).casefold():
            if _kept(folded):
                out.append(folded)
                where.append(i)
    return "".join(out), where


def _widen(source: str, start: int, end: int) -> tuple[int, int]:
    """A fuzzy span cut mid-word (Latin letters or digits) is widened to whole words."""
    while start > 0 and source[start - 1].isascii() and source[start - 1].isalnum() and source[start].isalnum():
        start -= 1
    while end < len(source) and source[end].isascii() and source[end].isalnum() and source[end - 1].isalnum():
        end += 1
    return start, end


def _refine(quote: str, source: str, start: int, end: int, slack: int = 4) -> tuple[int, int]:
    """The alignment's span, its ends moved by up to `slack` characters to where it is most like the quote."""
    best = (-1.0, start, end)
    for a in range(max(0, start - slack), min(end, start + slack + 1)):
        for b in range(max(a + 1, end - slack), min(len(source), end + slack) + 1):
            score = fuzz.ratio(quote, source[a:b])
            if score > best[0] or score == best[0] and b - a < best[2] - best[1]:
                best = (score, a, b)
    return best[1], best[2]


def clean_quote(quote: str) -> str:
    """The quote without the quotation marks and ellipses a model puts around it."""
    return quote.strip(_SURROUND).strip()


def locate(quote: str, source: str, *, min_score: float = 0.85) -> Located | None:
    """Where `quote` stands in `source`, or None: not there, too short to mean anything, or too long to be a quote.
    A quote with an ellipsis in it ("A … B") is located as its longest part."""
    quote = clean_quote(quote)
    if len(quote) > MAX_QUOTE_CHARS:
        return None
    parts = [p for p in _ELLIPSIS.split(quote) if p.strip()]
    if len(parts) > 1:
        quote = max(parts, key=len).strip(_SURROUND)
    quote_norm, _ = normalised(quote)
    if len(quote_norm) < MIN_QUOTE_CHARS:
        return None
    at = source.find(quote)
    if at != -1:
        return Located(at, at + len(quote), quote, "exact", 1.0)
    source_norm, where = normalised(source)
    at = source_norm.find(quote_norm)
    if at != -1:
        start, end = where[at], where[at + len(quote_norm) - 1] + 1
        return Located(start, end, source[start:end], "normalised", 1.0)
    if len(source) > FUZZY_MAX_SOURCE_CHARS or len(quote_norm) < FUZZY_MIN_QUOTE_CHARS or not source_norm:
        return None
    found = fuzz.partial_ratio_alignment(quote_norm, source_norm, score_cutoff=min_score * 100)
    if found is None or found.dest_end <= found.dest_start:
        return None
    # The aligned span must be about as long as the quote: a long quote matched by a short span is not a copy.
    span = found.dest_end - found.dest_start
    if span < 0.8 * len(quote_norm):
        return None
    a, b = _refine(quote_norm, source_norm, found.dest_start, found.dest_end)
    start, end = _widen(source, where[a], where[b - 1] + 1)
    return Located(start, end, source[start:end], "fuzzy", round(found.score / 100, 3))


_CJK_END = "。！？；"
_LATIN_END = ".!?;"
_CLOSERS = "\"'”’)）」』"


def _line_ends_sentence(text: str, at: int) -> bool:
    """Is the line break at `at` a sentence boundary? Not when it wraps prose: a line ending in a word or comma
    followed by one starting in lower case."""
    before = text[:at].rstrip(" \t")[-1:]
    after = text[at + 1:].lstrip()[:1]
    return not (before and (before.isalnum() or before == ",") and after.islower())


def _starts_row(text: str, at: int) -> bool:
    """Does the line starting at `at` hold a row of a Markdown table?"""
    return text[at:at + 64].lstrip(" \t").startswith("|")


def _boundaries(text: str) -> list[int]:
    """Where sentences end: after a Chinese end mark, after a Latin one followed by a space, at a line break that
    ends a line of its own (a heading, a list item, a paragraph). A row of a Markdown table ("| a | b; c |") is one
    sentence: a cell's full stop or semicolon does not cut it, its line break does."""
    cuts, i = [], 0
    in_row = _starts_row(text, 0)
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            if in_row or _line_ends_sentence(text, i):
                cuts.append(i)
            in_row = _starts_row(text, i + 1)
        elif not in_row and (ch in _CJK_END or ch in _LATIN_END):
            j = i + 1
            while j < len(text) and text[j] in _CLOSERS:
                j += 1
            if ch in _CJK_END or j == len(text) or text[j].isspace():
                cuts.append(j)
                i = j
                continue
        i += 1
    return [*cuts, len(text)]


def sentences(text: str, *, max_chars: int = 400) -> list[tuple[int, int]]:
    """The text's sentences as (start, end) offsets, surrounding spaces left out; one longer than `max_chars` is
    cut there (at a space when there is one)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for end in _boundaries(text):
        while start < end and text[start].isspace():
            start += 1
        stop = end
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        while stop - start > max_chars:
            cut = text.rfind(" ", start, start + max_chars)
            cut = cut if cut > start + max_chars // 2 else start + max_chars
            spans.append((start, cut))
            start = cut
            while start < stop and text[start].isspace():
                start += 1
        if stop > start:
            spans.append((start, stop))
        start = max(start, end)
    return spans
