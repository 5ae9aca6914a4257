"""The quality loop's commands: `perimeter eval` (the golden set against the index and model in use, optionally
compared with the last accepted run; `--candidate-env`: a settings change judged by the gate), `perimeter audit purge`
(retention of question texts) and the candidate mode of `perimeter reindex --local --candidate` (published only
through the gate)."""
from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager, nullcontext


def add_commands(sub) -> None:
    p = sub.add_parser("eval", help="run the golden set (retrieval hit@k, cited-right, facts, grounding, latency) "
                                    "against the current index and model; prints a table and a RESULT line")
    p.add_argument("--baseline", choices=["LAST", "NONE"], default="NONE",
                   help="LAST: compare with the last accepted run; exit 1 when a score fell by more than "
                        "PERIMETER_GATE_MAX_DROP")
    p.add_argument("--accept", action="store_true", help="keep this run as the baseline (when not worse)")
    p.add_argument("--golden", help="a JSONL golden set to run instead of PERIMETER_GOLDEN_FILE and the seed")
    p.add_argument("--limit", type=int, default=0, help="only the first N cases")
    p.add_argument("--candidate-env", metavar="FILE",
                   help="a settings change as a candidate: KEY=VALUE lines (PERIMETER_LLM_URL, PERIMETER_LLM_MODEL, "
                        "PERIMETER_PROMPTS_DIR, other answer and retrieval settings) applied to this run only; "
                        "compared with the last accepted run, the gate's decision kept; exit 1 when refused")
    p.set_defaults(func=eval_command)

    p = sub.add_parser("audit", help="retention of question texts in the audit and feedback files")
    p.add_argument("action", choices=["purge"])
    p.set_defaults(func=audit_command)


def model_running(settings) -> AbstractContextManager:
    """The embedded model server for this command when none is running and no model server is configured."""
    from services.llm.embedded import is_up
    from services.modelserver import embedded_server

    if settings.llm.url is None and not is_up(settings.embedded.url):
        print("Starting the embedded model server…", file=sys.stderr, flush=True)
        return embedded_server(settings)
    return nullcontext()


def eval_command(args: argparse.Namespace, settings) -> int:

    from services.container import Container
    from services.quality.evaluate import EvalRuns, compare, table
    from services.quality.gate import evaluator

    if args.candidate_env:
        return settings_candidate_command(args, settings)
    container = Container(settings)
    runs = EvalRuns(settings.storage.data_dir)
    baseline = runs.last_accepted() if args.baseline == "LAST" else None
    if args.baseline == "LAST" and baseline is None:
        print("no accepted run yet: this run is compared with nothing (accept one with --accept)", file=sys.stderr)
    cases = chosen_cases(args, settings)
    evaluate = evaluator(settings, container.model, container.embedder, container.index_client, cases=cases)
    with model_running(settings):
        run = evaluate(None, "published")
    comparison = compare(run, baseline, settings.quality.gate_max_drop) if baseline is not None else None
    worse = comparison is not None and not comparison.passed
    run = run.model_copy(update={"accepted": args.accept and not worse})
    runs.add(run)
    print(table(run, comparison))
    print(f"run {run.id}" + (" accepted as the baseline" if run.accepted else ""))
    return 1 if worse else 0


def chosen_cases(args: argparse.Namespace, settings) -> list:
    from pathlib import Path

    from services.quality.gate import golden_cases
    from services.quality.golden import read_cases

    cases = read_cases(Path(args.golden)) if args.golden else golden_cases(settings)
    return cases[: args.limit] if args.limit else cases


def settings_candidate_command(args: argparse.Namespace, settings) -> int:
    """`perimeter eval --candidate-env FILE`: the golden set asked with the changed settings (a model server of its
    own when the change names one), against the last accepted run (with none yet, the settings in use are evaluated
    and accepted first). Nothing is switched; `--accept` makes a passing run the baseline."""
    from pathlib import Path

    from services.container import Container
    from services.quality.evaluate import EvalRuns, table
    from services.quality.gate import baseline, describe, evaluator, judge_settings
    from services.quality.settings_candidate import CandidateSettingsError, candidate_settings, read_overrides

    path = Path(args.candidate_env)
    try:
        changed, changes = candidate_settings(settings, read_overrides(path))
    except CandidateSettingsError as exc:
        print(f"--candidate-env: {exc}", file=sys.stderr)
        return 2
    cases = chosen_cases(args, settings)
    current = Container(settings)
    base = EvalRuns(settings.storage.data_dir).last_accepted()
    if base is None:
        print("no accepted run yet: the settings in use are evaluated and accepted first", file=sys.stderr)
        with model_running(settings):
            base = baseline(settings, evaluator(settings, current.model, current.embedder, current.index_client,
                                                cases=cases))
    trial = Container(changed)  # same index and embedder; its own model client and answer settings
    with model_running(changed):
        run = evaluator(changed, trial.model, current.embedder, current.index_client, cases=cases)(
            None, f"candidate settings {path.name}")
    run, decision = judge_settings(settings, base, run, path.name, changes, accept=args.accept)
    print(table(run, decision.comparison))
    print("changes: " + ", ".join(f"{k}={v}" for k, v in changes.items()))
    print(f"settings {describe(decision)}" + (" (accepted as the baseline)" if run.accepted else ""))
    return 0 if decision.published else 1


def audit_command(args: argparse.Namespace, settings) -> int:
    from services.container import Container
    from services.quality.purge import purge

    days = settings.quality.audit_retention_days
    done = purge(settings, Container(settings).aggregate_store)
    if not days:
        print("PERIMETER_AUDIT_RETENTION_DAYS is 0: question texts are kept; nothing purged")
    else:
        print(f"older than {days} days: blanked {done['audit']} audit records, {done['feedback']} ratings, "
              f"{done['store']} stored rows")
    return 0


def candidate_reindex(settings, sources) -> int:
    """`perimeter reindex --local --candidate`: each source re-indexed as a candidate, published only if the golden
    set does not get worse (services/quality/gate.py)."""
    from services.components import build_indexer, plan_source
    from services.container import Container
    from services.quality.gate import describe, evaluator, gated_reindex

    container = Container(settings)
    refused = 0
    with model_running(settings):
        for source in sources:
            indexer = build_indexer(settings, collection=source.collection, embedder=container.embedder,
                                    source_name=source.name, client=container.index_client)
            # The golden set is asked of the source's own collection.
            evaluate = evaluator(settings.with_values(collection=source.collection), container.model,
                                 container.embedder, container.index_client)
            decision = gated_reindex(settings, indexer, plan_source(settings, source, indexer), evaluate,
                                     source=source.name)
            print(f"{source.name}: {describe(decision)}")
            refused += not decision.published
    return 1 if refused else 0
