"""The golden set and the gate in the admin API: an analyst turns a rated answer into a golden case (question texts
are theirs only) and exports the set as JSON lines; admins and analysts see the eval runs and the gate's decisions
(scores only). `perimeter eval` and `perimeter reindex --local --candidate` make the runs (services/quality)."""
from __future__ import annotations

import re

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from services.api.deps import ContainerDep, SettingsDep
from services.api.errors import ErrorBody
from services.api.quality_access import AnalystDep, ReaderDep, analytics_reader
from services.api.unicode import valid_unicode_body
from services.feedback_log import feedback_path
from services.quality.evaluate import Comparison, EvalRun, EvalRuns, compare
from services.quality.gate import GateDecision, decisions
from services.quality.golden import GoldenCase, GoldenSet, rated_answer
from services.settings import Settings

router = APIRouter(prefix="/v1/admin", tags=["quality"],
                   dependencies=[Depends(analytics_reader), Depends(valid_unicode_body)])


class CaseFromFeedback(BaseModel):
    answer_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="a rated answer (its id in the feedback export)")
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9._:-]{1,80}$", description="the case's id (default: "
                                                                                 "fb-<answer id>)")
    expected_sources: list[str] | None = Field(None, description="documents an answer should cite (file names, "
                                               "paths or doc ids); default: the sources of a 👍 answer")
    answer_keywords: list[str] = Field(default_factory=list, description="facts the answer must contain")
    groups: list[str] | None = Field(None, description="whom to ask as (default: the default groups)")


class RunView(BaseModel):
    run: EvalRun
    comparison: Comparison = Field(description="against the accepted run before it")


def golden_set(settings: Settings) -> GoldenSet:
    quality = settings.quality
    return GoldenSet(quality.golden_path(settings.storage.data_dir), quality.golden_seed)


def _case(settings: Settings, body: CaseFromFeedback, who: str) -> GoldenCase:
    rated = rated_answer(feedback_path(settings), body.answer_id)
    if rated is None or not rated.get("question"):
        raise HTTPException(404, "no rating of this answer (or its question was purged)")
    expected = body.expected_sources
    if expected is None:
        if rated.get("rating") != "up":
            raise HTTPException(422, "a 👎 answer's sources are not the right ones: name expected_sources")
        expected = list(rated.get("sources") or [])
    if not expected and not body.answer_keywords:
        raise HTTPException(422, "a case needs expected_sources or answer_keywords to check")
    case = GoldenCase(id=body.id or f"fb-{body.answer_id[:12]}", question=rated["question"],
                      expected_sources=expected, answer_keywords=body.answer_keywords, groups=body.groups,
                      lang="zh" if re.search(r"[\u4e00-\u9fff]", rated["question"]) else "en",
                      from_answer=body.answer_id, rating=rated.get("rating"), created_by=who)
    return golden_set(settings).add(case)


@router.post("/golden", status_code=201, response_model=GoldenCase,
             responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def add_case(body: CaseFromFeedback, who: AnalystDep, settings: SettingsDep) -> GoldenCase:
    """A rated answer becomes a golden case: its question, the documents that should be cited, the facts."""
    return await run_in_threadpool(_case, settings, body, who.name)


@router.get("/golden", response_class=PlainTextResponse,
            responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                             "description": "one golden case a line (samples/questions.jsonl's format)"}})
def export_golden(_: AnalystDep, settings: SettingsDep) -> PlainTextResponse:
    return PlainTextResponse(golden_set(settings).export(), media_type="application/x-ndjson; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="golden.jsonl"'})


@router.get("/eval/runs", response_model=list[RunView])
def eval_runs(_: ReaderDep, container: ContainerDep, limit: int = 20) -> list[RunView]:
    """The latest runs, newest first, each compared with the accepted run before it."""
    settings = container.settings
    views, baseline = [], None
    for run in EvalRuns(settings.storage.data_dir).all():
        views.append(RunView(run=run, comparison=compare(run, baseline, settings.quality.gate_max_drop)))
        if run.accepted:
            baseline = run
    return views[::-1][: min(max(limit, 1), 100)]


@router.get("/eval/gates", response_model=list[GateDecision])
def gate_decisions(_: ReaderDep, settings: SettingsDep, limit: int = 20) -> list[GateDecision]:
    """The gate's decisions on candidate re-indexes, newest first."""
    return decisions(settings.storage.data_dir, min(max(limit, 1), 100))
