"""The gate before change: a re-index in candidate mode is published only when the golden set does not get worse
than the last accepted run by more than PERIMETER_GATE_MAX_DROP on any score (services/quality/evaluate.py).
With no accepted run yet, the published index is evaluated first and its run accepted as the baseline.

The candidate's questions are asked as the golden cases' groups, through a pipeline of their own whose audit goes to
DATA_DIR/eval/audit.jsonl: the gate's questions are not people's questions and stay out of analytics. Each decision
is kept in DATA_DIR/eval/gates.jsonl (the admin API lists them) and printed in the job's report."""
from __future__ import annotations

import os
import time
from pathlib import Path

from pydantic import BaseModel, Field

from ingestion import candidate as candidates
from services.conversations import ConversationStore
from services.data_dir import append_private
from services.issued_answers import IssuedAnswers
from services.observability.answers import AnswerRecorder
from services.observability.audit import AuditLog
from services.quality.evaluate import Comparison, EvalRun, EvalRuns, compare, run_eval
from services.quality.golden import GoldenCase, GoldenSet
from services.settings import Settings


class GateDecision(BaseModel):
    at: float = Field(default_factory=lambda: round(time.time(), 3))
    collection: str
    source: str | None = None
    candidate: str = Field(description="the candidate snapshot's version")
    published: bool
    run: str = Field(description="the candidate's eval run")
    scores: dict[str, float | None] = Field(default_factory=dict)
    comparison: Comparison
    files: dict[str, int] = Field(default_factory=dict, description="the re-index's files by status")


def golden_cases(settings: Settings) -> list[GoldenCase]:
    quality = settings.quality
    return GoldenSet(quality.golden_path(settings.storage.data_dir), quality.golden_seed).cases()


def evaluator(settings: Settings, model, embedder, client, cases: list[GoldenCase] | None = None):
    """A function (snapshot version or None for the published one, label) → EvalRun over the golden set (or
    `cases`)."""
    from services.answering import AskPipeline
    from services.components import build_retriever

    cases = cases if cases is not None else golden_cases(settings)
    audit = AuditLog(settings.storage.data_dir / "eval" / "audit.jsonl")

    def evaluate(version: str | None, label: str) -> EvalRun:
        retriever = build_retriever(settings, embedder, client=client, snapshot_version=version)
        pipeline = AskPipeline(settings, retriever, model, conversations=ConversationStore(),
                               issued=IssuedAnswers(60), recorder=AnswerRecorder(audit, settings.storage.collection))
        return run_eval(cases, pipeline, retriever, k=settings.quality.eval_top_k,
                        groups=settings.ingestion.default_groups, label=label, snapshot=version)

    return evaluate


def gated_reindex(settings: Settings, indexer, plan, evaluate, source: str | None = None,
                  progress=None) -> GateDecision:
    """Apply `plan` as a candidate, evaluate it, and publish it or put everything back."""
    runs = EvalRuns(settings.storage.data_dir)
    baseline = runs.last_accepted()
    if baseline is None:
        baseline = evaluate(None, "baseline: published").model_copy(update={"accepted": True})
        runs.add(baseline)
    staged = candidates.stage(indexer, plan, progress)
    run = evaluate(staged.version, f"candidate {indexer.collection.name}/{source or ''}".rstrip("/"))
    comparison = compare(run, baseline, settings.quality.gate_max_drop)
    if comparison.passed:
        candidates.publish(indexer, staged)
    else:
        candidates.discard(indexer, staged)
    run = run.model_copy(update={"accepted": comparison.passed})
    runs.add(run)
    summary = staged.report.to_dict()
    decision = GateDecision(collection=staged.collection, source=source, candidate=staged.version,
                            published=comparison.passed, run=run.id, scores=run.scores, comparison=comparison,
                            files={str(k): int(v) for k, v in (summary.get("files") or {}).items()})
    record_decision(settings.storage.data_dir, decision)
    return decision


def gates_path(data_dir: Path) -> Path:
    return Path(data_dir) / "eval" / "gates.jsonl"


def record_decision(data_dir: Path, decision: GateDecision) -> None:
    os.makedirs(gates_path(data_dir).parent, mode=0o700, exist_ok=True)
    append_private(gates_path(data_dir), (decision.model_dump_json() + "\n").encode("utf-8"))


def decisions(data_dir: Path, limit: int = 20) -> list[GateDecision]:
    path = gates_path(data_dir)
    if not path.exists():
        return []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [GateDecision.model_validate_json(line) for line in lines[-limit:]][::-1]
