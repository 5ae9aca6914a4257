"""Turns what a model returned into an Answer, tolerating fences, stray text and slightly malformed JSON."""
from __future__ import annotations

import json
import re

from pydantic import ValidationError

from prompts.schema import Answer, Point

_CITE = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)*)\]")


class AnswerParseError(ValueError):
    pass


def _json_candidates(text: str):
    fenced = re.findall(r"```(?:json)?\s*(.*?)```", text, flags=re.S)
    yield from fenced
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        yield text[start : end + 1]


def _coerce(data: dict) -> Answer:
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
        text = _CITE.sub("", text).strip()
        if text:
            points.append(Point(text=text, citations=sorted(set(numbers))))
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
    if not stripped or stripped.startswith("{"):
        raise AnswerParseError("the model's reply is not a readable answer")
    # Plain prose: keep it as the conclusion, with any inline [n] citations as one point.
    return _coerce({"points": [{"text": stripped, "citations": []}]}) if _CITE.search(stripped) else Answer(
        conclusion=stripped
    )
