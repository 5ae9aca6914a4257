"""The Chroma side of the index: opening a collection that remembers which embedding model filled it."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlparse

import chromadb
import httpx
from chromadb.api.collection_configuration import CreateHNSWConfiguration
from chromadb.api.types import PyEmbeddings, Where
from chromadb.config import Settings as ChromaSettings

HNSW: CreateHNSWConfiguration = {"space": "cosine", "ef_search": 200, "ef_construction": 200}

T = TypeVar("T")

# The fields collection.get can return besides ids (Chroma's `Include` also has "distances", which only query returns).
GetField = Literal["documents", "embeddings", "metadatas", "uris", "data"]


class EmbeddingModelMismatch(RuntimeError):
    """The collection was built with another embedding model; mixing vectors would give nonsense."""


class IndexUnavailable(RuntimeError):
    """The Chroma server cannot be reached."""


# Errors worth another try later: the index (or the broker) was briefly unreachable.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (IndexUnavailable, ConnectionError, TimeoutError,
                                                  httpx.TransportError)


def open_client(chroma_dir: Path, url: str | None = None) -> chromadb.ClientAPI:
    """Embedded PersistentClient on `chroma_dir`, or an HttpClient when a Chroma server `url` is configured."""
    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url)
        try:
            return chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except Exception as exc:  # chromadb raises ValueError("Could not connect …") and friends
            raise IndexUnavailable(f"cannot reach the Chroma server at {url} ({exc})") from exc
    chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(chroma_dir), settings=settings)


def open_collection(client: chromadb.ClientAPI, name: str, model_id: str, dimension: int,
                    create: bool = True) -> chromadb.Collection:
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


def as_embeddings(vectors: Sequence[Sequence[float]]) -> PyEmbeddings:
    """Vectors as Chroma's write calls type them: an invariant list of a union, which a list[list[float]] is not."""
    return list(vectors)


def included(column: list[T] | None) -> list[T]:
    """A field of a get/query result that was asked for in `include` (Chroma types every field Optional: the ones not
    asked for are None)."""
    if column is None:
        raise ValueError("Chroma left out a field that was asked for")
    return column


def get_all(collection: chromadb.Collection, include: list[GetField], where: Where | None = None,
            batch: int = 5000) -> dict[str, list[Any]]:
    """collection.get over every matching record, in pages (Chroma caps one get): "ids" and each included field,
    as Chroma gives them (metadata values are read by our own schema, so they stay Any here)."""
    out: dict[str, list[Any]] = {"ids": [], **{k: [] for k in include}}
    offset = 0
    while True:
        page = collection.get(where=where, include=[*include], limit=batch, offset=offset)
        out["ids"].extend(page["ids"])
        for key in include:
            column = page[key]
            out[key].extend(column if column is not None else [])  # embeddings come as an array
        if len(page["ids"]) < batch:
            return out
        offset += batch
