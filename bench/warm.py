"""Fill the embedding cache for the benchmark in the background: `python -m bench.warm MODEL DATASET [...]`.

Run once (it takes long with multilingual-e5-small: ~40 min for SciFact on 2 cores); `bench.retrieval` then reads the
cache. Progress goes to stdout every batch.
"""
from __future__ import annotations

import argparse
import time

import ingestion  # noqa: F401
from bench.cache import CachedEmbedder
from bench.data import load, to_document
from ingestion.chunk import chunk_document, embedding_text, make_splitter
from ingestion.embedder import load_embedder


def chunk_texts(dataset, chunk_tokens: int = 200, overlap_tokens: int = 30) -> list[str]:
    splitter = make_splitter(chunk_tokens, overlap_tokens)
    texts = []
    for doc in dataset.docs:
        for c in chunk_document(to_document(doc), splitter, {}):
            texts.append(embedding_text(doc["title"], c.text))
    return texts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("datasets", nargs="+")
    ap.add_argument("--chunk-tokens", type=int, default=200)
    ap.add_argument("--overlap-tokens", type=int, default=30)
    args = ap.parse_args()
    embedder = load_embedder(args.model)
    for name in args.datasets:
        ds = load(name)
        cached = CachedEmbedder(embedder, name)
        texts = chunk_texts(ds, args.chunk_tokens, args.overlap_tokens)
        start, step = time.time(), 256
        for i in range(0, len(texts), step):
            cached.embed_documents(texts[i:i + step])
            print(f"{name} {args.model}: {min(i + step, len(texts))}/{len(texts)} texts, "
                  f"{cached.misses} embedded, {time.time() - start:.0f}s", flush=True)
        queries = list(ds.queries.values())
        if name == "scifact":
            queries += list(load(name, "train").queries.values())
        cached.embed_queries(queries)
        print(f"{name} {args.model}: {len(queries)} queries done, {time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
