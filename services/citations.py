"""Checks an answer's citation numbers against the sources the model was actually given."""
from __future__ import annotations

from prompts.schema import Answer, Point


def verify_citations(answer: Answer, source_count: int) -> tuple[Answer, int]:
    """Drop citation numbers outside 1..source_count. Returns the cleaned answer and how many numbers were dropped."""
    dropped = 0
    points = []
    for point in answer.points:
        valid = sorted({n for n in point.citations if 1 <= n <= source_count})
        dropped += len(set(point.citations)) - len(valid)
        points.append(Point(text=point.text, citations=valid, quotes=point.quotes))
    return answer.model_copy(update={"points": points}), dropped
