"""The gate before change: a re-index in candidate mode is published only when the golden set does not get worse
than the last accepted run by more than PERIMETER_GATE_MAX_DROP on any score (services/quality/evaluate.py).
With no accepted run yet, the published index is evaluated first and its run accepted as the baseline. The CLI's
candidate re-index (`gated_reindex`) and the worker's candidate jobs (services/worker/gate_tasks.py) share
`baseline` and `judge`; a settings change (another model or prompt settings) is judged by `judge_settings`.

The candidate's questions are asked as the golden cases' groups, through a pipeline of their own whose audit goes to
DATA_DIR/eval/audit.jsonl: the gate's questions are not people's questions and stay out of analytics. Each decision
is kept in DATA_DIR/eval/gates.jsonl (the admin API lists them) and printed in the job's report."""
from __future__ import annotations

import os
from pathlib import Path

from ingestion import candidate as candidates
from services.conversations import ConversationStore
from services.data_dir import append_private
from services.issued_answers import IssuedAnswers
from services.observability.answers import AnswerRecorder
from services.observability.audit import AuditLog
from services.quality.evaluate import EvalRun, EvalRuns, compare, run_eval
from services.quality.golden import GoldenCase, GoldenSet
from services.quality.schemas import GateDecision
from services.settings import Settings


def golden_cases(settings: Settings) -> list[GoldenCase]:
    quality = settings.quality
    return GoldenSet(quality.golden_path(settings.storage.data_dir), quality.golden_seed).cases()


def evaluator(settings: Settings, model, embedder, client, cases: list[GoldenCase] | None = None, progress=None):
    """A function (snapshot version or None for the published one, label) → EvalRun over the golden set (or
    `cases`); `progress` hears of each case (a worker job shows it is alive)."""
    from services.answering import AskPipeline
    from services.components import build_retriever

    cases = cases if cases is not None else golden_cases(settings)
    audit = AuditLog(settings.storage.data_dir / "eval" / "audit.jsonl")

    def evaluate(version: str | None, label: str) -> EvalRun:
        retriever = build_retriever(settings, embedder, client=client, snapshot_version=version)
        pipeline = AskPipeline(settings, retriever, model, conversations=ConversationStore(),
                               issued=IssuedAnswers(60), recorder=AnswerRecorder(audit, settings.storage.collection))
        return run_eval(cases, pipeline, retriever, k=settings.quality.eval_top_k,
                        groups=settings.ingestion.default_groups, label=label, snapshot=version,
                        progress=progress)

    return evaluate


def baseline(settings: Settings, evaluate) -> EvalRun:
    """The last accepted run; with none yet, the published index (and the model in use) evaluated now and accepted.
    Taken before a candidate's plan is applied: Chroma then still holds exactly what the published snapshot shows."""
    runs = EvalRuns(settings.storage.data_dir)
    accepted = runs.last_accepted()
    if accepted is None:
        accepted = runs.add(evaluate(None, "baseline: published").model_copy(update={"accepted": True}))
    return accepted


def judge(settings: Settings, indexer, staged: candidates.Candidate, evaluate, base: EvalRun,
          source: str | None = None, job: str | None = None) -> GateDecision:
    """Evaluate the staged candidate against `base`; publish it or put everything back; keep the decision."""
    run = evaluate(staged.version, f"candidate {staged.collection}/{source or ''}".rstrip("/"))
    comparison = compare(run, base, settings.quality.gate_max_drop)
    if comparison.passed:
        candidates.publish(indexer, staged)
    else:
        candidates.discard(indexer, staged)
    run = EvalRuns(settings.storage.data_dir).add(run.model_copy(update={"accepted": comparison.passed}))
    summary = staged.report.to_dict()
    decision = GateDecision(collection=staged.collection, source=source, candidate=staged.version,
                            published=comparison.passed, run=run.id, scores=run.scores, comparison=comparison,
                            files={str(k): int(v) for k, v in (summary.get("files") or {}).items()}, job=job)
    record_decision(settings.storage.data_dir, decision)
    return decision


def gated_reindex(settings: Settings, indexer, plan, evaluate, source: str | None = None,
                  progress=None) -> GateDecision:
    """Apply `plan` as a candidate, evaluate it, and publish it or put everything back (all in this process)."""
    base = baseline(settings, evaluate)
    staged = candidates.stage(indexer, plan, progress)
    return judge(settings, indexer, staged, evaluate, base, source)


def judge_settings(settings: Settings, base: EvalRun, run: EvalRun, name: str, changes: dict[str, str],
                   accept: bool = False) -> tuple[EvalRun, GateDecision]:
    """A settings change's run (the golden set asked with the changed settings) against `base`. Nothing is switched:
    the run becomes the baseline only with `accept` and when it passed (the admin then applies the change)."""
    comparison = compare(run, base, settings.quality.gate_max_drop)
    run = EvalRuns(settings.storage.data_dir).add(run.model_copy(update={"accepted": accept and comparison.passed}))
    decision = GateDecision(kind="settings", collection=settings.storage.collection, candidate=name,
                            published=comparison.passed, run=run.id, scores=run.scores, comparison=comparison,
                            changes=changes)
    record_decision(settings.storage.data_dir, decision)
    return run, decision


def describe(decision: GateDecision) -> str:
    """One line for the CLI and the job's report: the decision, the deltas against the baseline run."""
    c = decision.comparison
    deltas = " ".join(f"{k}={v:+.3f}" for k, v in c.deltas.items() if v is not None)
    done = "published" if decision.kind == "reindex" else "passed"
    verdict = done if decision.published else f"REFUSED (worse: {', '.join(c.worse)})"
    files = f"; files {decision.files}" if decision.kind == "reindex" else ""
    return f"candidate {decision.candidate} {verdict}; against run {c.baseline}: {deltas}{files}"


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
