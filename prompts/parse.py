"""Turns what a model returned into an Answer, tolerating fences, stray text and slightly malformed JSON."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from prompts.schema import MAX_QUOTES, Answer, Point, Quote
from prompts.text_answer import labelled_restatement, read_text_answer

_CITE = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)*)\]")
_CITE_AND_SPACE = re.compile(r"\s*" + _CITE.pattern)  # "a year [1]." reads "a year." once the [1] is taken out


class AnswerParseError(ValueError):
    pass


def _json_candidates(text: str) -> Iterator[str]:
    fenced = re.findall(r"```(?:json)?\s*(.*?)```", text, flags=re.S)
    yield from fenced
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        yield text[start : end + 1]


def _closing(text: str) -> str | None:
    """The brackets (and quote) that would close `text` as JSON, or None if it closes something never opened."""
    stack, in_string, escaped = [], False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack or stack.pop() != ch:
                return None
    return ('"' if in_string else "") + "".join(reversed(stack))


def repair_truncated(text: str) -> dict[str, Any] | None:
    """A reply cut off by the token limit: keep what was complete (whole points) and close the rest."""
    start = text.find("{")
    if start == -1:
        return None
    body = text[start:].rstrip()
    # Cut back to each value boundary from the end (at most 60 tries): a half-written point is dropped.
    cuts = [i + 1 for i in range(len(body) - 1, 0, -1) if body[i] in '}]",'][:60]
    for cut in cuts:
        head = body[:cut].rstrip().rstrip(",")
        suffix = _closing(head)
        if suffix is None:
            continue
        try:
            data = json.loads(head + suffix)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            return data
    return None


def _number(value: Any) -> int | None:
    text = str(value).strip().strip("[]")
    return int(text) if text.isdigit() else None


def _quotes(raw: Any, citations: list[int]) -> list[Quote]:
    """The point's quotes: {"source", "text"} objects (or {"n"/"number", "quote"}), or bare strings, which quote
    the point's first citation. At most MAX_QUOTES; empty ones left out."""
    if isinstance(raw, (str, dict)):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    quotes = []
    for item in raw:
        if isinstance(item, str):
            source, text = (citations[0] if citations else 0), item
        elif isinstance(item, dict):
            source = next((n for k in ("source", "n", "number") if (n := _number(item.get(k, ""))) is not None),
                          citations[0] if citations else 0)
            text = str(item.get("text", item.get("quote", "")))
        else:
            continue
        if text.strip():
            quotes.append(Quote(source=source, text=text.strip()))
    return quotes[:MAX_QUOTES]


def _coerce(data: dict[str, Any]) -> Answer:
    points = []
    for raw in data.get("points") or []:
        if isinstance(raw, str):
            raw = {"text": raw, "citations": []}
        if not isinstance(raw, dict):
            continue
        text = str(raw.get("text", "")).strip()
        cites = raw.get("citations") or []
        if isinstance(cites, (int, str)):
            cites = [cites]
        numbers = [int(c) for c in cites if str(c).strip().isdigit()]
        # Citations written inline as [n] count too.
        numbers += [int(n) for group in _CITE.findall(text) for n in re.split(r"\s*[,，、]\s*", group)]
        text = _CITE_AND_SPACE.sub("", text).strip()
        if text:
            citations = sorted(set(numbers))
            points.append(Point(text=text, citations=citations, quotes=_quotes(raw.get("quotes"), citations)))
    suggestions = data.get("suggestions") or []
    if isinstance(suggestions, str):
        suggestions = [suggestions]
    return Answer(
        restatement=str(data.get("restatement") or "").strip(),
        points=points,
        conclusion=str(data.get("conclusion") or "").strip(),
        suggestions=[str(s).strip() for s in suggestions if str(s).strip()],
    )


def parse_answer(text: str) -> Answer:
    """Parse the model's reply. Raises AnswerParseError when no answer can be recovered."""
    for candidate in _json_candidates(text):
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            try:
                return _coerce(data)
            except (ValidationError, ValueError, TypeError):
                continue
    stripped = text.strip()
    if stripped.startswith("{") and (data := repair_truncated(stripped)) is not None:
        answer = _coerce(data)
        if answer.points or answer.conclusion:
            return answer
    if not stripped or stripped.startswith("{"):
        raise AnswerParseError("the model's reply is not a readable answer")
    answer = _coerce(read_text_answer(stripped))  # the text form (prompts/text_answer.py)
    if answer.points or answer.conclusion or (answer.restatement and labelled_restatement(stripped)):
        return answer  # a restatement alone: no answer of the model's, so the sources' best sentences are shown
    # Plain prose: keep it as the conclusion, with any inline [n] citations as one point.
    return _coerce({"points": [{"text": stripped, "citations": []}]}) if _CITE.search(stripped) else Answer(
        conclusion=stripped
    )
