"""What else was tried to lift SciFact nDCG@10 (README, "Retrieval quality"): `python -m bench.explore`.

SciFact TRAIN queries only (809), never test. The train corpus is indexed once per packaged embedding model through
the same Indexer as users' documents (vectors from the bench cache: run `bench.warm` for both models first); then
every query's full score vectors (BM25 over all chunks, each model's cosine to all chunks) are kept in memory and
the variants are computed over them (min-max and RRF fusion by the production functions of retrieval/fuse.py, the
rest in NumPy): score normalisation (min-max, z-score, RRF), candidates, both-sided scoring, dense pseudo-relevance
feedback (Rocchio), BM25 k1/b, the title counted twice in BM25, and a second dense list from all-MiniLM-L6-v2.
Prints one line per variant, a paired per-query comparison of the notable ones with the default, and one RESULT
line.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import bm25s
import numpy as np

import ingestion  # noqa: F401  (offline environment first)
from bench.cache import CachedEmbedder
from bench.data import SHARED_DATA, load, ndcg_at, recall_at, unique_docs
from bench.retrieval import Index
from ingestion.chunk import embedding_text
from ingestion.embedder import E5_SMALL, MINILM
from ingestion.index import get_all
from ingestion.keyword_index import K1, B
from ingestion.tokenize import tokenize
from retrieval.fuse import fuse_rankings, fuse_scores


def top(scores: np.ndarray, k: int) -> np.ndarray:
    rows = np.argpartition(-scores, k - 1)[:k]
    return rows[np.argsort(-scores[rows], kind="stable")]


def zscored(scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    values = scores[rows]
    sd = values.std()
    return (values - values.mean()) / sd if sd > 0 else np.zeros_like(values)


def fuse(ids: list[str], lists: list[np.ndarray], weights: list[float], k: int = 100, how: str = "minmax",
         both_sided: bool = False) -> np.ndarray:
    """Rows best first. min-max and RRF are the production functions (retrieval/fuse.py, ties broken by chunk id as
    there); z-score and `both_sided` (a candidate outside one list's top k still gets its real min-max score there)
    are tried only here."""
    tops = [top(s, k) for s in lists]
    if how in ("minmax", "rrf") and not both_sided:
        if how == "minmax":
            fused = fuse_scores([[(ids[r], float(s[r])) for r in best] for s, best in zip(lists, tops, strict=True)],
                                weights)
        else:
            fused = fuse_rankings([[ids[r] for r in best] for best in tops], weights=weights)
        row = {ids[r]: r for best in tops for r in best.tolist()}
        return np.asarray([row[chunk] for chunk, _ in fused])
    rows = np.unique(np.concatenate(tops))
    total = np.zeros(len(rows))
    for scores, best, weight in zip(lists, tops, weights, strict=True):
        if both_sided:
            low, high = scores[best].min(), scores[best].max()
            total += weight * (scores[rows] - low) / (high - low)
            continue
        value = dict(zip(best.tolist(), zscored(scores, best).tolist(), strict=True))
        total += weight * np.asarray([value.get(r, 0.0) for r in rows.tolist()])
    return rows[np.argsort(-total, kind="stable")]


class Scores:
    """SciFact train indexed with each packaged model; full score vectors per query."""

    def __init__(self, scratch: Path):
        self.train = load("scifact", "train")
        self.qids = sorted(self.train.queries)
        texts = [self.train.queries[q] for q in self.qids]
        self.vectors: dict[str, np.ndarray] = {}
        self.queries: dict[str, np.ndarray] = {}
        self.embedders: dict[str, CachedEmbedder] = {}
        for model in (E5_SMALL, MINILM):
            index = Index(self.train, model, scratch)
            snapshot = index.retriever.snapshots.current()
            if not self.vectors:
                self.ids, self.bm25_index = snapshot.ids, snapshot.bm25
                self.docs = np.asarray([index.doc_of[i] for i in self.ids])
                records = get_all(index.retriever.collection, include=["documents", "metadatas"])
                by_id = {i: (m.get("title", ""), d)
                         for i, d, m in zip(records["ids"], records["documents"], records["metadatas"], strict=True)}
                self.texts = [embedding_text(*by_id[i]) for i in self.ids]
                # The title counted twice: a crude BM25F field weight for the title.
                self.title_twice = [embedding_text(by_id[i][0], embedding_text(*by_id[i])) for i in self.ids]
            position = {i: n for n, i in enumerate(snapshot.ids)}  # same chunk ids, maybe another order
            if snapshot.vectors is None:
                raise RuntimeError(f"the {model} index published no vectors")
            self.vectors[model] = snapshot.vectors[[position[i] for i in self.ids]]
            self.queries[model] = np.asarray(index.embedder.embed_queries(texts), dtype=np.float32)
            self.embedders[model] = index.embedder
        # The queries embedded as e5 passages (`passage:` prefix), for the query-side mix.
        self.passage_queries = np.asarray(self.embedders[E5_SMALL].embed_documents(texts), dtype=np.float32)
        self.tokens = [tokenize(t) for t in texts]
        self.bm25 = self.keyword_scores(self.bm25_index)

    def keyword_scores(self, index) -> np.ndarray:
        return np.stack([index.get_scores(t) for t in self.tokens]).astype(np.float32)

    def dense(self, model: str, q: int, vector: np.ndarray | None = None) -> np.ndarray:
        return self.vectors[model] @ (self.queries[model][q] if vector is None else vector)

    def per_query(self, ranker) -> np.ndarray:
        """nDCG@10 and Recall@100 of each query (rows: queries)."""
        out = []
        for q, qid in enumerate(self.qids):
            docs = unique_docs(self.docs[ranker(q)].tolist())
            relevant = self.train.qrels[qid]
            out.append((ndcg_at(docs, relevant, 10), recall_at(docs, relevant, 100)))
        return np.asarray(out)


def variants(s: Scores):
    """(name, ranker) pairs; the first is the default pipeline (convex min-max 0.5/0.5, 100 candidates)."""
    e5, mini, bm25 = (lambda q: s.dense(E5_SMALL, q)), (lambda q: s.dense(MINILM, q)), (lambda q: s.bm25[q])
    yield "default: e5 + BM25, min-max 0.5/0.5, k=100", lambda q: fuse(s.ids, [e5(q), bm25(q)], [0.5, 0.5])
    for how in ("minmax", "zscore", "rrf"):
        for weight in (0.4, 0.5, 0.6):
            for k in (100, 300):
                yield f"{how} dense {weight} k={k}", lambda q, h=how, w=weight, k=k: fuse(
                    s.ids, [e5(q), bm25(q)], [w, 1 - w], k, h)
    for weight in (0.4, 0.5, 0.6):
        yield f"both-sided min-max dense {weight} k=100", lambda q, w=weight: fuse(
            s.ids, [e5(q), bm25(q)], [w, 1 - w], both_sided=True)
    for first in ("fused", "dense"):
        for depth in (3, 5, 10):
            for beta in (0.3, 0.6, 1.0):
                yield f"Rocchio PRF first={first} top={depth} beta={beta}", \
                    lambda q, f=first, d=depth, b=beta: _rocchio(s, q, f, d, b)
    for share in (0.3, 0.5):
        yield f"query mixed with its passage embedding {share}", lambda q, a=share: fuse(
            s.ids, [s.dense(E5_SMALL, q, _unit((1 - a) * s.queries[E5_SMALL][q] + a * s.passage_queries[q])),
                    bm25(q)], [0.5, 0.5])
    for k1, b in ((0.7, 0.3), (0.9, 0.6), (1.2, 0.4), (1.2, 0.75), (1.5, 0.5), (2.0, 0.75)):
        index = bm25s.BM25(k1=k1, b=b)
        index.index([tokenize(t) or ["\x00"] for t in s.texts], show_progress=False)
        other = s.keyword_scores(index)
        yield f"BM25 k1={k1} b={b}, fused", lambda q, o=other: fuse(s.ids, [e5(q), o[q]], [0.5, 0.5])
    index = bm25s.BM25(k1=K1, b=B)
    index.index([tokenize(t) or ["\x00"] for t in s.title_twice], show_progress=False)
    boosted = s.keyword_scores(index)
    yield "BM25 with the title counted twice, fused", lambda q: fuse(s.ids, [e5(q), boosted[q]], [0.5, 0.5])
    for we, wm, wb in ((1, 1, 1), (2, 1, 2), (1, 2, 2), (1, 1, 2)):
        total = we + wm + wb
        yield f"e5 + MiniLM + BM25 {we}/{wm}/{wb}", lambda q, w=(we / total, wm / total, wb / total): fuse(
            s.ids, [e5(q), mini(q), bm25(q)], list(w))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _rocchio(s: Scores, q: int, first: str, depth: int, beta: float) -> np.ndarray:
    dense = s.dense(E5_SMALL, q)
    ranked = fuse(s.ids, [dense, s.bm25[q]], [0.5, 0.5]) if first == "fused" else top(dense, 100)
    vector = _unit(s.queries[E5_SMALL][q] + beta * s.vectors[E5_SMALL][ranked[:depth]].mean(0))
    return fuse(s.ids, [s.dense(E5_SMALL, q, vector), s.bm25[q]], [0.5, 0.5])


def main() -> int:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    if not (SHARED_DATA / "scifact").exists():
        print(f"SKIP: the benchmark data is not here ({SHARED_DATA}); nothing to measure.")
        return 0
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as scratch:
        s = Scores(Path(scratch))
    results = {}
    print(f"{'variant (SciFact train, 809 queries)':58s} nDCG@10  R@100")
    for name, ranker in variants(s):
        results[name] = s.per_query(ranker)
        print(f"{name:58s} {results[name][:, 0].mean():.4f}   {results[name][:, 1].mean():.4f}", flush=True)
    default_name = next(iter(results))
    default = results[default_name][:, 0]
    ranked = sorted(results, key=lambda n: -results[n][:, 0].mean())
    print("paired with the default, best first (mean nDCG@10 difference ± its standard error; queries better/worse):")
    for name in ranked[:6]:
        diff = results[name][:, 0] - default
        print(f"  {name:58s} {diff.mean():+.4f} ± {diff.std(ddof=1) / np.sqrt(len(diff)):.4f}  "
              f"{int((diff > 0).sum())}/{int((diff < 0).sum())}")
    print(f"RESULT default_ndcg10={default.mean():.4f} best_ndcg10={results[ranked[0]][:, 0].mean():.4f} "
          f"best=\"{ranked[0]}\"")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
