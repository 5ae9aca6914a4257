"""The response shapes every front door shares (HTTP JSON, CLI --json)."""
from __future__ import annotations

from pydantic import BaseModel, Field

from prompts.schema import Answer


class Source(BaseModel):
    id: int = Field(description="the number the answer cites as [n]")
    doc_id: str
    title: str
    uri: str
    page: int | None = None
    heading: str | None = None
    snippet: str
    score: float


class Timings(BaseModel):
    retrieval_ms: float
    generation_ms: float = 0.0


class AskResponse(BaseModel):
    question: str
    language: str
    answer: Answer
    sources: list[Source]
    model: str | None
    grounded: bool = Field(description="at least one point cites a source that was given to the model")
    notice: str | None = None
    timings: Timings


class SearchResponse(BaseModel):
    question: str
    sources: list[Source]
    timings: Timings
