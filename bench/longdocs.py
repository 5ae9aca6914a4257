"""Long-document retrieval benchmark, one command: `python -m bench.longdocs [--only-variants] [--rebuild]`.

SciFact and CMRC are about one chunk per document; company knowledge is long documents of many sections. This
benchmark reads two public corpora that install from Debian as documents, through Perimeter's own ingestion
(partition → chunk → embed → Chroma → search snapshot), into ONE mixed English/Chinese index, and asks the questions
of bench/data/longdocs_{en,zh}.jsonl (written by reading the documents; bench/data/LONGDOCS.md):

- English: the Python 3.11 documentation (`python3.11-doc`, HTML as installed): tutorial/ and reference/ in full,
  every 2nd page of howto/ and every 4th page of library/ in name order (118 pages);
- Chinese: the Chinese manual pages (`manpages-zh`), sections 1 and 8 (commands, administration), rendered with the
  man tools (preconv | groff -mandoc -Tutf8) and written as Markdown with the page's own .SH/.SS headings as
  headings, the NAME line as its title; pages whose rendering is identical (aliases such as gunzip/zcat) kept once.

Rows, side by side in one run: BM25 alone, dense alone, the retrieval defaults before issue 20, each change of issue
20 alone on top of those (BM25 title/heading fields, heading path in the embedded text, document evidence, document
vectors, a cap on chunks per document among the sources shown, the language-aware other-language list), and
Perimeter's Settings() default; with --main-titles also
Perimeter as on main before issue 20 (its HTML title was a page's first heading: "Navigation" on every Sphinx page).
Per corpus and per question language: doc-level hit@1 (first source), hit@5 (the gold document among the sources
shown: search, then context assembly to top_k = 5, as the ask pipeline does), MRR@10 (document ranking) and
section-level hit@5 (a shown source from the gold document under the gold heading; questions that name one). Ends with
`RESULT en_hit1=… en_hit5=… zh_hit1=… zh_hit5=… mrr10=…` for the Settings() default.

Ingested indexes are cached in var/bench-cache/longdocs/ (keyed by the corpus files, the ingestion settings and the
ingestion code), vectors in bench/cache.py's cache, so a re-run only searches. Without the Debian packages (or the
man tools) the benchmark says so and exits 0.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ingestion  # noqa: F401  (offline environment first)
from bench.cache import CachedEmbedder
from bench.longdocs_corpus import WORK, Corpus, have_corpora, load_corpus
from bench.retrieval import BEFORE_ISSUE_20, bench_embedder
from ingestion.documents import Document
from ingestion.index import get_all
from ingestion.partition import partition_file
from retrieval.context import assemble_context
from retrieval.hits import Hit
from services.components import build_indexer, build_retriever
from services.settings import Settings

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = {"en": REPO / "bench" / "data" / "longdocs_en.jsonl", "zh": REPO / "bench" / "data" / "longdocs_zh.jsonl"}
GROUPS = ["all"]
DEPTH = 100  # chunks of a ranking read for the document ranking (MRR@10 needs 10 documents)
TOP_K = 5
INGESTION_CODE = ["ingestion/partition.py", "ingestion/chunk.py", "ingestion/documents.py", "ingestion/pipeline.py",
                  "ingestion/keyword_index.py", "ingestion/tokenize.py"]
# What main did before issue 20: BM25 over title + text alone, no document evidence or vectors, no cap, the
# other-language list normalised on its own. Each variant row is this with one change.
BASELINE = BEFORE_ISSUE_20


# ----------------------------------------------------------------------------------------------------- indexes

def main_title(doc: Document) -> Document:
    """The document as main's partition titled it: the first heading in reading order (before issue 20 the title
    was the first heading of any level; on a Sphinx page the navigation bar's "Navigation")."""
    first = next((s.path[0] for s in doc.sections if s.path), None)
    return replace(doc, title=first or doc.title)


def as_today(doc: Document) -> Document:
    """The document as today's partition titles it (its name is part of the index's cache key)."""
    return doc


@dataclass
class Index:
    """One ingestion of the corpus (cached on disk) and a way to make Retrievers over it with other settings."""
    name: str
    settings: Settings
    embedder: CachedEmbedder
    source_of: dict[str, str] = field(default_factory=dict)  # chunk id -> doc id
    built: str = ""  # chunks and seconds of the ingestion that made it

    def retriever(self, **overrides: Any):
        return build_retriever(self.settings.with_values(**overrides), embedder=self.embedder)


def build_index(name: str, corpus: Corpus, embedder: CachedEmbedder, *, titles: Callable[[Document], Document],
                rebuild: bool, **ingestion_settings: Any) -> Index:
    model = Settings().embedding.model
    base = Settings(embedding_model=model)
    settings_key = json.dumps({"model": model, **base.ingestion.model_dump(mode="json"), **ingestion_settings,
                               "titles": titles.__name__}, sort_keys=True)
    code = "".join((REPO / f).read_text(encoding="utf-8") for f in INGESTION_CODE)
    key = hashlib.sha256(f"{corpus.fingerprint()}\0{settings_key}\0{code}".encode()).hexdigest()[:16]
    folder = WORK / f"index-{name}-{key}"
    if rebuild or not (folder / "complete").exists():
        for old in WORK.glob(f"index-{name}-*"):
            shutil.rmtree(old, ignore_errors=True)
        # Chroma pays an fsync per write: build on tmpfs where there is one, then keep the result.
        scratch_root = Path("/dev/shm") if Path("/dev/shm").is_dir() else WORK
        scratch = Path(tempfile.mkdtemp(prefix="perimeter-longdocs-", dir=scratch_root))
        try:
            settings = Settings(data_dir=scratch, collection="longdocs", embedding_model=model, **ingestion_settings)
            indexer = build_indexer(settings, embedder=embedder)
            start, chunks = time.time(), 0
            for n, (_, doc_id, path) in enumerate(corpus.docs, 1):
                doc = titles(partition_file(path, settings.ingestion.max_bytes, source=doc_id))
                chunks += indexer.index_document(doc, GROUPS).chunks_added
                if n % 50 == 0:
                    print(f"  [{name}] {n}/{len(corpus.docs)} documents, {chunks} chunks, {embedder.misses} embedded, "
                          f"{time.time() - start:.0f}s", file=sys.stderr, flush=True)
            indexer.publish()
            shutil.copytree(scratch, folder)
            (folder / "complete").write_text(f"{chunks} chunks, {time.time() - start:.0f}s\n", encoding="utf-8")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    settings = Settings(data_dir=folder, collection="longdocs", embedding_model=model, **ingestion_settings)
    index = Index(name, settings, embedder, built=(folder / "complete").read_text(encoding="utf-8").strip())
    records = get_all(index.retriever().collection, include=["metadatas"])
    index.source_of = {i: str(m["source"]) for i, m in zip(records["ids"], records["metadatas"], strict=True)}
    return index


# ----------------------------------------------------------------------------------------------------- metrics

@dataclass
class Question:
    id: str
    corpus: str
    text: str
    language: str
    style: str
    gold: set[str]
    section: str | None
    cross_language: bool = False
    expected: str | None = None  # the fact an answer should hold (bench.answer --questions longdocs), or None


def load_questions(aliases: dict[str, str]) -> list[Question]:
    out = []
    for corpus, path in QUESTIONS.items():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                out.append(Question(q["id"], corpus, q["question"], q["language"], q["style"],
                                    {aliases.get(d, d) for d in q["gold_docs"]}, q.get("gold_section"),
                                    q["cross_language"], q.get("expected")))
    return out


def man_aliases(corpus: Corpus) -> dict[str, str]:
    """A gold page that was dropped as an alias counts as the page kept with the same rendering."""
    kept = {hashlib.sha256(p.read_bytes()).hexdigest(): d for c, d, p in corpus.docs if c == "zh"}
    out = {}
    for section in ("man1", "man8"):
        for md in (WORK / "man-md" / section).glob("*.md"):
            digest = hashlib.sha256(md.read_bytes()).hexdigest()
            if digest in kept:
                out[f"{section}/{md.name.removesuffix('.md')}"] = kept[digest]
    return out


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _section_matches(meta: Any, section: str) -> bool:
    wanted = section.casefold()
    return any(wanted in str(meta.get(k) or "").casefold() for k in ("heading_path", "heading"))


@dataclass
class Outcome:
    hit1: bool
    hit5: bool
    rr10: float
    sec5: bool | None


Run = Callable[[Question], tuple[list[str], list[Hit]]]  # -> document ranking, sources shown


def measure(run: Run, questions: list[Question]) -> dict[str, Outcome]:
    out = {}
    for q in questions:
        ranking, shown = run(q)
        rank = next((i for i, d in enumerate(ranking[:10], 1) if d in q.gold), None)
        shown_docs = [str(h.metadata.get("source")) for h in shown]
        sec = None
        if q.section:
            sec = any(str(h.metadata.get("source")) in q.gold and _section_matches(h.metadata, q.section)
                      for h in shown)
        out[q.id] = Outcome(rank == 1, any(d in q.gold for d in shown_docs), 1 / rank if rank else 0.0, sec)
    return out


def single_list(index: Index, retriever, search: str, context_tokens: int) -> Run:
    """BM25 or dense alone: their chunks, shown through the same context assembly as the pipeline's."""
    def run(q: Question) -> tuple[list[str], list[Hit]]:
        ranked = getattr(retriever, search)(q.text, GROUPS, DEPTH)
        hits = retriever.hits(ranked[:2 * TOP_K], GROUPS)
        return _unique([index.source_of[i] for i, _ in ranked]), assemble_context(hits, context_tokens, TOP_K)
    return run


def pipeline(index: Index, retriever, context_tokens: int) -> Run:
    """What the ask pipeline does: Retriever.search(2 * top_k) → assemble_context(top_k); the document ranking
    from the fused list."""
    def run(q: Question) -> tuple[list[str], list[Hit]]:
        ranked = retriever.fused(q.text, GROUPS)[:DEPTH]
        hits = retriever.search(q.text, GROUPS, 2 * TOP_K)
        return _unique([index.source_of[i] for i, _ in ranked]), assemble_context(hits, context_tokens, TOP_K)
    return run


def summarise(outcomes: dict[str, Outcome], questions: list[Question]) -> dict[str, float]:
    row: dict[str, float] = {}
    groups: dict[str, list[Question]] = {}
    for q in questions:
        for key in (q.corpus, f"{q.corpus}/{q.language}", f"{q.corpus}/{q.style}", "all"):
            groups.setdefault(key, []).append(q)
    for key, qs in groups.items():
        got = [outcomes[q.id] for q in qs]
        row[f"{key}:n"] = len(got)
        row[f"{key}:hit1"] = sum(o.hit1 for o in got) / len(got)
        row[f"{key}:hit5"] = sum(o.hit5 for o in got) / len(got)
        row[f"{key}:mrr10"] = sum(o.rr10 for o in got) / len(got)
        secs = [o.sec5 for o in got if o.sec5 is not None]
        row[f"{key}:sec5"] = sum(secs) / len(secs) if secs else float("nan")
        row[f"{key}:nsec"] = len(secs)
    return row


# ----------------------------------------------------------------------------------------------------- the run

def default_index_name(default: Settings) -> str:
    """Which of the indexes below Perimeter's Settings() default searches (bench.answer --questions longdocs too)."""
    return "headings" if default.ingestion.embed_headings else "plain"


def variants(default: Settings, main_row: bool) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(label, index, retrieval settings) of each pipeline row after the single lists."""
    chosen = {k: getattr(default.retrieval, k) for k in BASELINE}
    if main_row:
        yield "Perimeter as on main (title = first heading)", "main-title", BASELINE
    yield "retrieval defaults before issue 20", "plain", BASELINE
    for w in (0.5, 1.0):
        yield f"+ BM25 title field x{w}", "plain", {**BASELINE, "title_weight": w}
    for w in (0.5, 1.0):
        yield f"+ BM25 heading field x{w}", "plain", {**BASELINE, "heading_weight": w}
    yield "+ heading path embedded", "headings", BASELINE
    for w in (0.15, 0.3, 0.5):
        yield f"+ document evidence {w}", "plain", {**BASELINE, "doc_weight": w}
    for w in (0.25, 0.5, 1.0):
        yield f"+ document vectors {w}", "plain", {**BASELINE, "document_vector_weight": w}
    for cap in (1, 2):
        yield f"+ cap {cap} chunk(s) per document", "plain", {**BASELINE, "max_chunks_per_doc": cap}
    for margin in (0.0, 0.02, 0.05):
        yield f"+ language-aware other-language list, margin {margin}", "plain", {**BASELINE,
                                                                                 "cross_language_margin": margin}
    yield "other-language list at weight 0.25", "plain", {**BASELINE, "cross_language_weight": 0.25}
    yield "no other-language list", "plain", {**BASELINE, "cross_language_weight": 0.0}
    for mix in (0.2, 0.3):
        yield f"other-language list without chunks {mix:.0%}+ bilingual", "plain", {**BASELINE,
                                                                                    "cross_language_max_mix": mix}
    yield "Perimeter default (Settings())", default_index_name(default), chosen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rebuild", action="store_true", help="ingest again even when a cached index matches")
    ap.add_argument("--quick", action="store_true", help="every 3rd question (development; no RESULT line)")
    ap.add_argument("--main-titles", action="store_true", help="also ingest as main titled pages before issue 20 "
                    "(one more index, ~5 more minutes cold) and show that row")
    args = ap.parse_args(argv)
    missing = have_corpora()
    if missing:
        print(f"SKIP: {missing}; nothing to measure.")
        return 0
    started = time.time()
    default = Settings()
    WORK.mkdir(parents=True, exist_ok=True)
    corpus = load_corpus()
    print(f"corpus: {sum(c == 'en' for c, _, _ in corpus.docs)} Python documentation pages, "
          f"{sum(c == 'zh' for c, _, _ in corpus.docs)} Chinese manual pages", file=sys.stderr, flush=True)
    embedder = bench_embedder(default.embedding.model, "longdocs")

    indexes = {
        "plain": build_index("plain", corpus, embedder, titles=as_today, rebuild=args.rebuild, embed_headings=False),
        "headings": build_index("headings", corpus, embedder, titles=as_today, rebuild=args.rebuild,
                                embed_headings=True),
    }
    if args.main_titles:
        indexes["main-title"] = build_index("main-title", corpus, embedder, titles=main_title, rebuild=args.rebuild,
                                            embed_headings=False)
    ingest_s = time.time() - started
    questions = load_questions(man_aliases(corpus))
    if args.quick:
        questions = questions[::3]
    budget = default.retrieval.context_tokens
    plain = indexes["plain"]
    rows: dict[str, dict[str, float]] = {}
    base = plain.retriever(**BASELINE)
    rows["BM25 alone"] = summarise(measure(single_list(plain, base, "keyword", budget), questions), questions)
    rows["dense alone (multilingual-e5-small)"] = summarise(
        measure(single_list(plain, base, "dense", budget), questions), questions)
    for label, name, overrides in variants(default, args.main_titles):
        t = time.time()
        index = indexes[name]
        rows[label] = summarise(measure(pipeline(index, index.retriever(**overrides), budget), questions), questions)
        print(f"  {label}: {time.time() - t:.0f}s", file=sys.stderr, flush=True)
    print_tables(rows)
    for name, index in indexes.items():
        print(f"index {name}: {index.built}")
    print(f"{len(questions)} questions; ingest {ingest_s / 60:.1f} min (0 when cached), "
          f"total {(time.time() - started) / 60:.1f} min")
    if args.quick:
        print("quick run (every 3rd question): no RESULT line")
        return 0
    d = rows["Perimeter default (Settings())"]
    print(f"RESULT en_hit1={d['en:hit1']:.3f} en_hit5={d['en:hit5']:.3f} zh_hit1={d['zh:hit1']:.3f} "
          f"zh_hit5={d['zh:hit5']:.3f} mrr10={d['all:mrr10']:.3f}")
    return 0


def print_tables(rows: dict[str, dict[str, float]]) -> None:
    first = next(iter(rows.values()))
    cols = [("en", "Python docs (all)"), ("zh", "man pages (all)")]
    head = f"{'system':56s}" + "".join(f" | {title:^27s}" for _, title in cols)
    print(head)
    print(f"{'':56s}" + " | hit@1 hit@5 MRR10 sec@5" * len(cols))
    print("-" * len(head))
    for label, row in rows.items():
        cells = "".join(f" | {row[f'{k}:hit1']:.3f} {row[f'{k}:hit5']:.3f} {row[f'{k}:mrr10']:.3f} "
                        f"{row[f'{k}:sec5']:.3f}" for k, _ in cols)
        print(f"{label:56s}{cells}")
    parts = [k for k in ("en/en", "en/zh", "zh/zh", "zh/en", "en/employee", "zh/employee") if f"{k}:n" in first]
    print()
    print("by question language and style (hit@1 / hit@5): en/zh = Python docs asked in Chinese, zh/en = man pages "
          "asked in English")
    print(f"{'system':56s}" + "".join(f" | {k + ' (' + str(int(first[k + ':n'])) + ')':^13s}" for k in parts))
    for label, row in rows.items():
        print(f"{label:56s}" + "".join(f" | {row[f'{k}:hit1']:.3f} {row[f'{k}:hit5']:.3f}" for k in parts))
    print(f"section-level hit@5 over the questions that name a gold section: Python docs "
          f"{int(first['en:nsec'])}, man pages {int(first['zh:nsec'])}")


if __name__ == "__main__":
    sys.exit(main())
