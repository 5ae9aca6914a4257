"""The scale ceiling of one node: synthetic chunks at 100k and 300k (1M with --sizes), through the real parts.

    python -m bench.scale [--sizes 100000,300000] [--queries 200]

Per size, in a fresh data dir: N synthetic chunks (texts drawn from the sample corpus's English words and Chinese
phrases, Zipf-weighted, 80 % English; random unit vectors; each chunk readable by one of 200 groups, a fifth by
`all`) are written to embedded Chroma in batches, as the worker writes them; then the search snapshot is built and
published (ingestion/keyword_index.py: what the last task of every re-index job does); then a fresh API-like process
(`Container(settings).retriever`, the real multilingual-e5-small for the query vectors) is started, times its first
search (process start → snapshot loaded → answered) and `--queries` searches as a user in 3 of the groups, and
reports its RSS. Sizes past what this box holds are extrapolated linearly from the two largest measured ones.
Ends with `RESULT chunks=… publish_s=… api_rss_mb=… api_start_s=… search_p50_ms=… search_p95_ms=…` for the largest
measured size. docs/SCALING.md reads these numbers.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import ingestion  # noqa: F401  (offline environment first)
from bench.ingest import RssSampler
from ingestion.e5_folder import prepare
from ingestion.embedder import E5_SMALL
from ingestion.index import open_client, open_collection
from ingestion.keyword_index import build_keyword_index
from services.settings import Settings

REPO = Path(__file__).resolve().parents[1]
COLLECTION = "scale"
DIMENSION = 384
GROUPS = 200
USER_GROUPS = ["all", "g3", "g41"]
WRITE_BATCH = 5000


def vocabulary() -> tuple[list[str], list[str]]:
    """English words and Chinese phrases of the sample corpus (text files only: no parser needed here)."""
    text = " ".join(p.read_text(encoding="utf-8", errors="ignore") for p in (REPO / "samples" / "acme").iterdir()
                    if p.suffix in (".md", ".txt", ".html"))
    english = sorted(set(re.findall(r"[A-Za-z]{3,}", text)))
    chinese = sorted(set(re.findall(r"[\u4e00-\u9fff]{2,4}", text)))
    return english, chinese


def synthetic_texts(n: int, rng: np.random.Generator) -> list[str]:
    english, chinese = vocabulary()

    def zipf(size: int, count: int) -> np.ndarray:
        return (rng.zipf(1.3, count) - 1) % size  # Zipf ranks, the long tail wrapped over the vocabulary

    texts = []
    for i in range(n):
        if i % 5 == 4:
            texts.append("，".join("".join(chinese[j] for j in zipf(len(chinese), 6)) for _ in range(12)) + "。")
        else:
            texts.append(" ".join(english[j] for j in zipf(len(english), 220)) + ".")
    return texts


def write_chunks(settings: Settings, n: int) -> float:
    rng = np.random.default_rng(n)
    client = open_client(settings.storage.chroma_dir)
    collection = open_collection(client, COLLECTION, E5_SMALL, DIMENSION)
    start = time.perf_counter()
    for first in range(0, n, WRITE_BATCH):
        count = min(WRITE_BATCH, n - first)
        vectors = rng.standard_normal((count, DIMENSION)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        texts = synthetic_texts(count, rng)
        groups = [["all"] if g == 0 else [f"g{g}"] for g in rng.integers(0, GROUPS, count)]
        ids = [f"c{first + k}" for k in range(count)]
        metadatas = [{"source": f"file:///synthetic/{(first + k) // 20}.md", "doc_id": f"d{(first + k) // 20}",
                      "title": f"Document {(first + k) // 20}", "groups": g} for k, g in enumerate(groups)]
        collection.upsert(ids=ids, embeddings=list(vectors), documents=texts, metadatas=metadatas)  # type: ignore[arg-type]
    return time.perf_counter() - start


def publish(settings: Settings) -> tuple[float, float]:
    """Seconds and this process's peak RSS (MB) while the snapshot is built and published."""
    client = open_client(settings.storage.chroma_dir)
    collection = open_collection(client, COLLECTION, E5_SMALL, DIMENSION, create=False)
    sampler = RssSampler(os.getpid())
    sampler.start()
    start = time.perf_counter()
    build_keyword_index(collection, settings.storage.data_dir)
    seconds = time.perf_counter() - start
    sampler.stop.set()
    return seconds, sampler.peak / 2**20


def probe(data_dir: Path, models_dir: Path, queries: int, started: float) -> None:
    """The API-like process (started at `started`, epoch seconds): print one JSON line with its start-up, search
    latencies and RSS."""
    import psutil

    from services.container import Container

    settings = Settings(data_dir=data_dir, collection=COLLECTION, PERIMETER_MODELS_DIR=models_dir)
    retriever = Container(settings, model=None).retriever
    english, chinese = vocabulary()
    rng = np.random.default_rng(7)
    asks = [" ".join(rng.choice(english, 6)) if i % 5 else "".join(rng.choice(chinese, 3)) for i in range(queries)]
    first = retriever.search(asks[0], USER_GROUPS, 5)
    ready = time.time() - started
    latencies = []
    for ask in asks:
        t = time.perf_counter()
        hits = retriever.search(ask, USER_GROUPS, 5)
        latencies.append(time.perf_counter() - t)
        assert all(set(h.metadata["groups"]) & set(USER_GROUPS) for h in hits)  # the access filter held
    print(json.dumps({"start_s": ready, "first_hits": len(first), "p50_ms": 1000 * float(np.percentile(latencies, 50)),
                      "p95_ms": 1000 * float(np.percentile(latencies, 95)),
                      "rss_mb": psutil.Process().memory_info().rss / 2**20}))


def api_process(data_dir: Path, models_dir: Path, queries: int) -> dict:
    cmd = [sys.executable, "-m", "bench.scale", "--probe", str(data_dir), "--models", str(models_dir),
           "--queries", str(queries), "--started", str(time.time())]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,300000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--models", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        return probe(args.probe, args.models, args.queries, args.started)
    models_dir = Settings().storage.models_dir  # the folder `make run` prepares, shared by every run
    prepare(models_dir)
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        tmp = Path(tempfile.mkdtemp(prefix=f"perimeter-bench-scale-{n}-"))
        settings = Settings(data_dir=tmp, collection=COLLECTION, PERIMETER_MODELS_DIR=models_dir)
        write_s = write_chunks(settings, n)
        publish_s, publish_rss = publish(settings)
        api = api_process(tmp, models_dir, args.queries)
        disk = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file()) / 2**30
        rows.append({"chunks": n, "write_s": write_s, "publish_s": publish_s, "publish_rss_mb": publish_rss,
                     "disk_gb": disk, **{f"api_{k}": v for k, v in api.items()}})
        print(f"measured {n}: {json.dumps(rows[-1])}", flush=True)
        shutil.rmtree(tmp, ignore_errors=True)
    header = (f"{'chunks':>9} {'write s':>8} {'publish s':>10} {'publish RSS MB':>15} {'API start s':>12} "
              f"{'API RSS MB':>11} {'search p50 ms':>14} {'p95 ms':>7} {'disk GB':>8}")
    print(header)
    for r in rows:
        print(f"{r['chunks']:>9} {r['write_s']:>8.0f} {r['publish_s']:>10.1f} {r['publish_rss_mb']:>15.0f} "
              f"{r['api_start_s']:>12.1f} {r['api_rss_mb']:>11.0f} {r['api_p50_ms']:>14.1f} {r['api_p95_ms']:>7.1f} "
              f"{r['disk_gb']:>8.2f}")
    if len(rows) >= 2 and rows[-1]["chunks"] < 1_000_000:
        a, b = rows[-2], rows[-1]
        keys = ("write_s", "publish_s", "publish_rss_mb", "api_start_s", "api_rss_mb", "api_p50_ms", "api_p95_ms",
                "disk_gb")
        for target in (1_000_000, 3_000_000):
            est = {k: b[k] + (b[k] - a[k]) * (target - b["chunks"]) / (b["chunks"] - a["chunks"]) for k in keys}
            print(f"{target:>9} {est['write_s']:>8.0f} {est['publish_s']:>10.1f} {est['publish_rss_mb']:>15.0f} "
                  f"{est['api_start_s']:>12.1f} {est['api_rss_mb']:>11.0f} {est['api_p50_ms']:>14.1f} "
                  f"{est['api_p95_ms']:>7.1f} {est['disk_gb']:>8.2f}  (extrapolated)")
    last = rows[-1]
    print(f"RESULT chunks={last['chunks']} publish_s={last['publish_s']:.1f} api_rss_mb={last['api_rss_mb']:.0f} "
          f"api_start_s={last['api_start_s']:.1f} search_p50_ms={last['api_p50_ms']:.1f} "
          f"search_p95_ms={last['api_p95_ms']:.1f}")


if __name__ == "__main__":
    main()
