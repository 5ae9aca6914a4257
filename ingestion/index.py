"""The Chroma side of the index: opening a collection that remembers which embedding model filled it."""
from __future__ import annotations

from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings

HNSW = {"space": "cosine", "ef_search": 200, "ef_construction": 200}


class EmbeddingModelMismatch(RuntimeError):
    """The collection was built with another embedding model; mixing vectors would give nonsense."""


def open_client(chroma_dir: Path) -> chromadb.ClientAPI:
    chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(chroma_dir), settings=ChromaSettings(anonymized_telemetry=False))


def open_collection(client: chromadb.ClientAPI, name: str, model_id: str, dimension: int, create: bool = True):
    """Open (or create) a collection and check it was built with this embedding model."""
    if create:
        collection = client.get_or_create_collection(
            name,
            configuration={"hnsw": HNSW},
            metadata={"embedding_model": model_id, "embedding_dim": dimension},
            embedding_function=None,  # embeddings are always passed explicitly; Chroma's default would download one
        )
    else:
        collection = client.get_collection(name, embedding_function=None)
    meta = collection.metadata or {}
    if meta.get("embedding_model") != model_id or int(meta.get("embedding_dim", dimension)) != dimension:
        raise EmbeddingModelMismatch(
            f"collection '{name}' was built with embedding model {meta.get('embedding_model')!r} "
            f"({meta.get('embedding_dim')} dims) but {model_id!r} ({dimension} dims) is configured: "
            "run a full re-index into a new collection, or set PERIMETER_EMBEDDING_MODEL back"
        )
    return collection


def get_all(collection, include: list[str], where: dict | None = None, batch: int = 5000) -> dict:
    """collection.get over every matching record, in pages (Chroma caps one get)."""
    out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
    offset = 0
    while True:
        page = collection.get(where=where, include=include, limit=batch, offset=offset)
        out["ids"].extend(page["ids"])
        for key in include:
            out[key].extend(page[key] or [])
        if len(page["ids"]) < batch:
            return out
        offset += batch
