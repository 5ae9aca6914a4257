"""How the retrieval defaults were picked: a grid over fusion settings on SciFact's TRAIN queries (809), never test.

`python -m bench.tune [--model M]` prints nDCG@10 and Recall@100 per setting, best first, through the same Retriever
(`Retriever.fused`, the ranking `search` returns) that serves users.
"""
from __future__ import annotations

import argparse
import itertools
import tempfile
from pathlib import Path

import ingestion  # noqa: F401
from bench.data import load
from bench.retrieval import Index, evaluate
from services.settings import Settings

GRID = {
    "fusion": ["rrf", "convex"],
    "dense_weight": [0.3, 0.4, 0.5, 0.6, 0.7],
    "candidates": [30, 100, 200],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=Settings().embedding_model)
    args = ap.parse_args()
    train = load("scifact", "train")
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as scratch:
        index = Index(train, args.model, Path(scratch))
        rows = []
        for fusion, weight, candidates in itertools.product(*GRID.values()):
            retriever = index.retriever_with(fusion=fusion, dense_weight=weight, keyword_weight=1 - weight,
                                             candidates=candidates)
            scores = evaluate(lambda q: index.docs(retriever.fused(q, ["all"])), train, sorted(train.queries))
            rows.append((scores["ndcg10"], scores["r100"], fusion, weight, candidates))
            print(f"{fusion:6s} dense_weight={weight:.1f} candidates={candidates:3d}  "
                  f"nDCG@10 {scores['ndcg10']:.4f}  R@100 {scores['r100']:.4f}", flush=True)
    print("best first:")
    for ndcg, r100, fusion, weight, candidates in sorted(rows, reverse=True)[:8]:
        print(f"  {fusion:6s} dense_weight={weight:.1f} candidates={candidates:3d}  nDCG@10 {ndcg:.4f}  R@100 {r100:.4f}")


if __name__ == "__main__":
    main()
