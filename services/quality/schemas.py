"""What the quality loop's API and commands return (services/api/routes/analytics.py, eval.py; services/quality)."""
from __future__ import annotations

from pydantic import BaseModel, Field


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
