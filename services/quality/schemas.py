"""What the quality loop's API and commands return (services/api/routes/analytics.py, eval.py; services/quality)."""
from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, Field

from services.quality.evaluate import Comparison


class Filters(BaseModel):
    since: str | None = Field(None, description="first day counted, YYYY-MM-DD (UTC)")
    until: str | None = Field(None, description="last day counted, YYYY-MM-DD (UTC)")
    collection: str | None = None


class DayCount(BaseModel):
    day: str
    door: str
    questions: int


class Percentiles(BaseModel):
    n: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None


class SourceCount(BaseModel):
    doc_id: str
    uri: str | None = None
    cited: int = 0


class QuestionGroup(BaseModel):
    count: int = Field(description="questions in the group (near-identical ones counted together)")
    not_found: int = 0
    thumbs_down: int = 0
    questions: list[str] | None = Field(None, description="the texts (analysts only: null for other admins)")
    askers: list[str] | None = Field(None, description="who asked (analysts, and only with "
                                                       "PERIMETER_ANALYTICS_SHOW_USERS)")


class Analytics(BaseModel):
    filters: Filters
    questions: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict, description="answered, not_found, degraded, failed, "
                                                                      "cancelled")
    per_door: dict[str, int] = Field(default_factory=dict)
    per_day: list[DayCount] = Field(default_factory=list)
    first_token: Percentiles = Field(default_factory=Percentiles)
    full_answer: Percentiles = Field(default_factory=Percentiles)
    grounding_rate: float | None = Field(None, description="mean share of supported points over answers with points")
    thumbs_up: int = 0
    thumbs_down: int = 0
    thumbs_up_ratio: float | None = Field(None, description="👍 / (👍 + 👎)")
    cited_most: list[SourceCount] = Field(default_factory=list)
    never_cited: list[SourceCount] = Field(default_factory=list, description="documents of the collection's index "
                                                                             "no answer in the period cited")
    top_unanswered: list[QuestionGroup] = Field(default_factory=list, description="not-found or 👎 questions, "
                                                                                  "grouped when near-identical")
    texts_shown: bool = Field(False, description="question texts are included (the caller is an analyst)")


class GateDecision(BaseModel):
    """The gate on one candidate: a re-index (the CLI's or a worker job's) or a settings change (`perimeter eval
    --candidate-env`), its golden-set scores against the last accepted run, and what was done."""

    at: float = Field(default_factory=lambda: round(time.time(), 3))
    kind: Literal["reindex", "settings"] = "reindex"
    collection: str
    source: str | None = None
    candidate: str = Field(description="the candidate snapshot's version; for a settings change, its file's name")
    published: bool = Field(description="a re-index: published (refused: put back); a settings change: passed the "
                                        "gate (switching to it is the admin's)")
    run: str = Field(description="the candidate's eval run")
    scores: dict[str, float | None] = Field(default_factory=dict)
    comparison: Comparison
    files: dict[str, int] = Field(default_factory=dict, description="the re-index's files by status")
    changes: dict[str, str] = Field(default_factory=dict, description="a settings change: the variables it sets "
                                                                      "(secrets only as \"(set)\")")
    job: str | None = Field(None, description="the re-index job that asked for the gate (worker jobs)")
