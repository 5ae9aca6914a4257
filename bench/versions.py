"""Document-family benchmark: `python -m bench.versions [--answers N] [--model qwen2.5-coder-1.5b]`.

The family corpus of tests/version_corpus.py (12 families, half English half Chinese, 2-3 versions each with a
different key figure, plus look-alikes with similar titles) goes through Perimeter's own ingestion into a fresh index;
its questions are asked as the ask pipeline asks them (search, then context assembly to top_k sources):

- family_f1: pairwise F1 of the families found against the true ones (a pair of documents in one family; look-alikes
  merged into a family count as false pairs);
- current_at_1: of the questions about the rule in force, the share whose current version ranks above every other
  version of its family among the sources (and is among them);
- old_when_asked_at_5: of the questions that name an earlier version by its year or version, the share with that
  version among the five sources;
- lookalike_at_1: the look-alike questions whose own document is the first source;
- answer_current (with `--answers N`, the embedded model answering N current-rule questions, ~20 s each here): the
  share of answers whose points and conclusion hold the current figure and not an older version's.

Rows for versions off, demote (the default) and exclude. Last line:
RESULT family_f1=… current_at_1=… old_when_asked_at_5=… lookalike_at_1=… [answer_current=…]
"""
from __future__ import annotations

import argparse
import itertools
import re
import tempfile
from pathlib import Path

import ingestion  # noqa: F401  (offline environment first)
from bench.cache import MODELS_DIR
from tests.version_corpus import DOCS, QUESTIONS, write_corpus

TOP_K = 5


def family_f1(found: dict[str, str], truth: dict[str, str]) -> float:
    """Pairwise F1: each pair of documents is in one family or not, found against true."""
    names = sorted(truth)
    tp = fp = fn = 0
    for a, b in itertools.combinations(names, 2):
        same_found, same_true = found[a] == found[b], truth[a] == truth[b]
        tp += same_found and same_true
        fp += same_found and not same_true
        fn += same_true and not same_found
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _file(uri: str) -> str:
    from urllib.parse import unquote

    return unquote(uri.rsplit("/", 1)[-1])


def measure(retriever, settings, families: dict[str, str]) -> dict[str, float]:
    """The sources the ask pipeline would show (search, then context assembly to top_k)."""
    from services.answering.retrieve import search_sources
    from services.identity import DEMO_USER

    by_kind: dict[str, list[bool]] = {"current": [], "old": [], "lookalike": []}
    for q in QUESTIONS:
        hits, _ = search_sources(retriever, q.text, DEMO_USER, TOP_K, settings.context_tokens)
        names = [_file(str(h.metadata["source"])) for h in hits]
        if q.kind == "current":
            in_family = [n for n in names if families.get(n) == families[q.expected]]
            by_kind["current"].append(bool(in_family) and in_family[0] == q.expected)
        elif q.kind == "old":
            by_kind["old"].append(q.expected in names[:5])
        else:
            by_kind["lookalike"].append(bool(names) and names[0] == q.expected)
    return {k: sum(v) / len(v) for k, v in by_kind.items()}


def _figures(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def answer_current(settings, embedder, model: str, limit: int) -> float:
    """The embedded model answers current-rule questions; right = the current figure said, no older one."""
    from services.container import Container
    from services.identity import DEMO_USER
    from services.llm.embedded import EmbeddedLlamaServer
    from services.llm.gguf import prepare_model
    from tests.conftest import free_port

    server = EmbeddedLlamaServer(prepare_model(model, settings.storage.models_dir), port=free_port(),
                                 log_path=settings.storage.data_dir / "llama.log")
    settings = settings.with_values(llm_url=server.url, context_tokens=settings.embedded.context_tokens,
                                    llm_temperature=0.0, llm_timeout_s=600)
    figure = {d.path: d.figure for d in DOCS}
    family_docs = {d.family: [x.path for x in DOCS if x.family == d.family] for d in DOCS}
    fam_of = {d.path: d.family for d in DOCS}
    right = []
    with server:
        pipeline = Container(settings, embedder=embedder).pipeline
        for q in [q for q in QUESTIONS if q.kind == "current"][:limit]:
            out = pipeline.answer(q.text, DEMO_USER)
            said = " ".join([p.text for p in out.answer.points] + [out.answer.conclusion])
            olds = {figure[p] for p in family_docs[fam_of[q.expected]] if p != q.expected} - {figure[q.expected]}
            ok = figure[q.expected] in _figures(said) and not (olds & _figures(said))
            right.append(ok)
            print(f"  {'ok ' if ok else 'BAD'} {q.text} -> {said[:140]!r}", flush=True)
    return sum(right) / len(right) if right else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--answers", type=int, default=0, help="current-rule questions answered by the embedded model "
                                                           "(0: none; ~20 s each on a 2-core box)")
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    args = ap.parse_args()

    from ingestion.keyword_index import current_versions
    from services.components import build_embedder, build_retriever, run_ingest
    from services.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-versions-"))
    folder = write_corpus(work / "corpus")
    settings = Settings(data_dir=work / "data", PERIMETER_MODELS_DIR=MODELS_DIR, demo_mode=True,
                        rate_limit_per_minute=0, log_level="WARNING", audit_file=work / "audit.jsonl")
    embedder = build_embedder(settings)
    report = run_ingest(settings, [folder], embedder=embedder)
    print(f"{len(DOCS)} documents, {report.total('chunks_added')} chunks, {report.seconds:.1f} s")
    versions = {_file(v.source): v for v in current_versions(settings.storage.data_dir, "default").values()}
    found = {name: v.family for name, v in versions.items()}
    truth = {d.path: d.family for d in DOCS}
    f1 = family_f1(found, truth)
    status_right = sum(versions[d.path].status == d.status for d in DOCS) / len(DOCS)
    print(f"families: pairwise F1 {f1:.3f}, statuses right {status_right:.3f}")

    rows = []
    for mode in ("off", "demote", "exclude"):
        tuned = settings.with_values(version_mode=mode)
        rows.append((mode, measure(build_retriever(tuned, embedder), tuned, found)))
    print("\n| versions | current_at_1 | old_when_asked_at_5 | lookalike_at_1 |\n|---|---|---|---|")
    for mode, m in rows:
        print(f"| {mode} | {m['current']:.3f} | {m['old']:.3f} | {m['lookalike']:.3f} |")
    default = dict(rows)["demote"]
    result = (f"RESULT family_f1={f1:.3f} current_at_1={default['current']:.3f} "
              f"old_when_asked_at_5={default['old']:.3f} lookalike_at_1={default['lookalike']:.3f}")
    if args.answers:
        result += f" answer_current={answer_current(settings, embedder, args.model, args.answers):.3f}"
    print(result)


if __name__ == "__main__":
    main()
