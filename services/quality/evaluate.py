"""`perimeter eval`: the golden set asked of the index and model in use (or of a candidate snapshot), scored, and
compared with the last accepted run. Scores, each a mean over the cases that have something to check:

  hit_at_k      an expected document among the retriever's top k (PERIMETER_EVAL_TOP_K) documents
  cited_right   of the sources the answer cites, the share that are expected ones (0 when it cites none)
  facts         of the facts a case lists, the share found in the answer's points and conclusion
  grounding     the answer's share of supported points
and latency_p50_ms, the median time to the whole answer. Runs are kept in DATA_DIR/eval/runs.jsonl; an accepted run
is the baseline later runs and candidate re-indexes are compared with (services/quality/gate.py)."""
from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from pathlib import Path

from pydantic import BaseModel, Field

from services.data_dir import append_private
from services.identity import User
from services.quality.golden import GoldenCase

SCORES = ("hit_at_k", "cited_right", "facts", "grounding")


class CaseResult(BaseModel):
    id: str
    hit_at_k: float | None = None
    cited_right: float | None = None
    facts: float | None = None
    grounding: float | None = None
    latency_ms: float = 0.0
    outcome: str = ""


class EvalRun(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    at: float = Field(default_factory=lambda: round(time.time(), 3))
    label: str = "published"
    model: str | None = None
    snapshot: str | None = None
    cases: int = 0
    scores: dict[str, float | None] = Field(default_factory=dict)
    latency_p50_ms: float | None = None
    accepted: bool = False
    results: list[CaseResult] = Field(default_factory=list)


class Comparison(BaseModel):
    baseline: str | None = Field(None, description="the accepted run compared with (null: none yet)")
    deltas: dict[str, float | None] = Field(default_factory=dict, description="this run's score less the baseline's")
    worse: list[str] = Field(default_factory=list, description="scores that fell by more than the threshold")
    threshold: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.worse


def _matches(expected: str, uri: str, doc_id: str) -> bool:
    return expected in (uri, doc_id) or Path(uri).name == expected or uri.endswith("/" + expected.lstrip("/"))


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 4) if known else None


def score_case(case: GoldenCase, pipeline, retriever, *, k: int, groups: list[str]) -> CaseResult:
    who = User(name="perimeter-eval", groups=case.groups or groups, via="eval")
    result = CaseResult(id=case.id)
    expected = case.expected_sources
    if expected:
        hits = retriever.search(case.question, who.groups, k)
        docs = list(dict.fromkeys((str(h.metadata.get("source", "")), str(h.metadata.get("doc_id", "")))
                                  for h in hits))[:k]
        result.hit_at_k = float(any(_matches(e, u, d) for e in expected for u, d in docs))
    start = time.perf_counter()
    response = pipeline.answer(case.question, who)
    result.latency_ms = round((time.perf_counter() - start) * 1000, 1)
    result.outcome = str(response.outcome)
    by_number = {s.id: s for s in response.sources}
    cited = sorted({n for p in response.answer.points for n in p.citations if n in by_number})
    if expected:
        right = [n for n in cited if any(_matches(e, by_number[n].uri, by_number[n].doc_id) for e in expected)]
        result.cited_right = len(right) / len(cited) if cited else 0.0
    if case.answer_keywords:
        text = " ".join([p.text for p in response.answer.points] + [response.answer.conclusion]).lower()
        result.facts = sum(kw.lower() in text for kw in case.answer_keywords) / len(case.answer_keywords)
    result.grounding = response.grounding.rate
    return result


def run_eval(cases: list[GoldenCase], pipeline, retriever, *, k: int, groups: list[str], label: str = "published",
             snapshot: str | None = None, progress=None) -> EvalRun:
    results = []
    for case in cases:
        results.append(score_case(case, pipeline, retriever, k=k, groups=groups))
        if progress:
            progress(results[-1])
    latencies = [r.latency_ms for r in results]
    return EvalRun(label=label, model=getattr(pipeline.model, "name", None), snapshot=snapshot, cases=len(results),
                   scores={s: _mean([getattr(r, s) for r in results]) for s in SCORES},
                   latency_p50_ms=round(statistics.median(latencies), 1) if latencies else None, results=results)


def compare(run: EvalRun, baseline: EvalRun | None, threshold: float) -> Comparison:
    if baseline is None:
        return Comparison(threshold=threshold)
    deltas: dict[str, float | None] = {}
    worse = []
    for name in SCORES:
        now, before = run.scores.get(name), baseline.scores.get(name)
        deltas[name] = round(now - before, 4) if now is not None and before is not None else None
        if before is not None and (now is None or before - now > threshold + 1e-9):
            worse.append(name)
    return Comparison(baseline=baseline.id, deltas=deltas, worse=worse, threshold=threshold)


class EvalRuns:
    """The runs of `perimeter eval` and of the gate, one JSON line each (DATA_DIR/eval/runs.jsonl)."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "eval" / "runs.jsonl"

    def add(self, run: EvalRun) -> EvalRun:
        os.makedirs(self.path.parent, mode=0o700, exist_ok=True)
        append_private(self.path, (run.model_dump_json() + "\n").encode("utf-8"))
        return run

    def all(self) -> list[EvalRun]:
        if not self.path.exists():
            return []
        return [EvalRun.model_validate_json(line) for line in self.path.read_text(encoding="utf-8").splitlines()
                if line.strip()]

    def last_accepted(self) -> EvalRun | None:
        accepted = [r for r in self.all() if r.accepted]
        return accepted[-1] if accepted else None


def table(run: EvalRun, comparison: Comparison | None = None) -> str:
    """The run as a plain-text table (and its deltas against the baseline), then the RESULT line."""
    lines = [f"{'case':<22} {'hit@k':>6} {'cited':>6} {'facts':>6} {'ground':>6} {'ms':>8}  outcome"]

    def cell(v: float | None) -> str:
        return f"{v:6.2f}" if v is not None else f"{'-':>6}"

    for r in run.results:
        lines.append(f"{r.id[:22]:<22} {cell(r.hit_at_k)} {cell(r.cited_right)} {cell(r.facts)} {cell(r.grounding)} "
                     f"{r.latency_ms:8.0f}  {r.outcome}")
    s = run.scores
    lines.append(f"{'mean':<22} {cell(s.get('hit_at_k'))} {cell(s.get('cited_right'))} {cell(s.get('facts'))} "
                 f"{cell(s.get('grounding'))} {run.latency_p50_ms or 0:8.0f}  (latency: median)")
    if comparison is not None and comparison.baseline:
        lines.append(f"{'vs ' + comparison.baseline:<22} " + " ".join(
            f"{v:+6.2f}" if v is not None else f"{'-':>6}" for v in (comparison.deltas.get(n) for n in SCORES))
            + ("  WORSE: " + ", ".join(comparison.worse) if comparison.worse else "  not worse"))
    verdict = "" if comparison is None or not comparison.baseline else \
        f" baseline={comparison.baseline} gate={'pass' if comparison.passed else 'fail'}"
    lines.append("RESULT " + " ".join(f"{n}={_fmt(s.get(n))}" for n in SCORES)
                 + f" latency_p50_ms={run.latency_p50_ms} cases={run.cases}" + verdict)
    return "\n".join(lines)


def _fmt(v: float | None) -> str:
    return "na" if v is None else f"{v:.3f}"


def as_json(run: EvalRun) -> str:
    return json.dumps(run.model_dump(), ensure_ascii=False)
