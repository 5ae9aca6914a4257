"""How the retrieval defaults were picked: a grid over fusion settings on SciFact's TRAIN queries (809), never test.

`python -m bench.tune [--model M] [--fusion ...] [--dense-weight ...] [--candidates ...] [--doc-weight ...]` prints
nDCG@10 and Recall@100 per setting, best first, through the same Retriever (`Retriever.fused`, the ranking `search`
returns) that serves users. Each option takes several values; the grid is every combination.
"""
from __future__ import annotations

import argparse
import itertools
import tempfile
from functools import partial
from pathlib import Path

import ingestion  # noqa: F401
from bench.data import load
from bench.retrieval import Index, evaluate
from retrieval.search import Retriever
from services.settings import Settings

GRID = {
    "fusion": ["convex", "rrf"],
    "dense_weight": [0.4, 0.5, 0.6],
    "candidates": [100],
    "doc_weight": [0.0, 0.15, 0.3, 0.5, 0.7],
}


def _ranked(index: Index, retriever: Retriever, query: str) -> list[str]:
    return index.docs(retriever.fused(query, ["all"]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=Settings().embedding.model)
    ap.add_argument("--fusion", nargs="+", choices=["convex", "rrf"], default=GRID["fusion"])
    ap.add_argument("--dense-weight", nargs="+", type=float, default=GRID["dense_weight"])
    ap.add_argument("--candidates", nargs="+", type=int, default=GRID["candidates"])
    ap.add_argument("--doc-weight", nargs="+", type=float, default=GRID["doc_weight"])
    args = ap.parse_args()
    train = load("scifact", "train")
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as scratch:
        index = Index(train, args.model, Path(scratch))
        rows = []
        for fusion, weight, candidates, doc_weight in itertools.product(
                args.fusion, args.dense_weight, args.candidates, args.doc_weight):
            setting = f"{fusion:6s} dense_weight={weight:.2f} candidates={candidates:3d} doc_weight={doc_weight:.2f}"
            retriever = index.retriever_with(fusion=fusion, dense_weight=weight, keyword_weight=1 - weight,
                                             candidates=candidates, doc_weight=doc_weight)
            scores = evaluate(partial(_ranked, index, retriever), train, sorted(train.queries))
            rows.append((scores["ndcg10"], scores["r100"], setting))
            print(f"{setting}  nDCG@10 {scores['ndcg10']:.4f}  R@100 {scores['r100']:.4f}", flush=True)
    print("best first:")
    for ndcg, r100, setting in sorted(rows, reverse=True)[:8]:
        print(f"  {setting}  nDCG@10 {ndcg:.4f}  R@100 {r100:.4f}")


if __name__ == "__main__":
    main()
