"""An embedder wrapper that keeps every vector on disk, keyed by model + data set + text hash, so reruns are cheap.

Append-only: `<name>.f32` holds float32 rows, `<name>.keys` one text hash per row (written after the row, so an
interrupted run leaves at most one orphan row, which loading drops).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from ingestion.embedder import Embedder

_QUERY = "\x00query\x00"
VAR = Path(__file__).resolve().parents[1] / "var"
CACHE_DIR = VAR / "bench-cache"
# Where `make run` / `perimeter models prepare` put the rebuilt e5 folder and the GGUF: every benchmark runs those.
MODELS_DIR = VAR / "models"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class CachedEmbedder(Embedder):
    """Same face as the embedder it wraps (model_id, dimension, embed_*); misses are embedded and appended."""

    def __init__(self, inner: Embedder, dataset: str, root: Path = CACHE_DIR, batch: int = 64):
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.batch = batch
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", inner.model_id).strip("_")[-80:]
        folder = root / "emb" / slug
        folder.mkdir(parents=True, exist_ok=True)
        self._rows_path = folder / f"{dataset}.f32"
        self._keys_path = folder / f"{dataset}.keys"
        self._index: dict[str, int] = {}
        self._rows = np.zeros((0, self.dimension), dtype=np.float32)
        if self._keys_path.exists():
            keys = self._keys_path.read_text().split()
            rows = np.fromfile(self._rows_path, dtype=np.float32).reshape(-1, self.dimension)
            keys = keys[: len(rows)]
            self._rows = rows[: len(keys)]
            self._index = {k: i for i, k in enumerate(keys)}
        self.misses = 0

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def __len__(self) -> int:
        return len(self._index)

    def has(self, text: str) -> bool:
        return text_key(text) in self._index

    def merge(self, other: CachedEmbedder) -> None:
        """Take over the rows of another cache of the same model (a shard written by another process), then drop it."""
        keys = [k for k in other._index if k not in self._index]
        if keys:
            self._append(keys, other._rows[[other._index[k] for k in keys]])
        other._rows_path.unlink(missing_ok=True)
        other._keys_path.unlink(missing_ok=True)

    def _append(self, keys: list[str], vectors: np.ndarray) -> None:
        with self._rows_path.open("ab") as f:
            f.write(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
        with self._keys_path.open("a") as f:
            f.write("".join(k + "\n" for k in keys))
        base = len(self._rows)
        self._rows = np.vstack([self._rows, vectors.astype(np.float32)])
        for i, k in enumerate(keys):
            self._index[k] = base + i

    def _lookup(self, texts: list[str], embed) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._index}.items())
        for start in range(0, len(todo), self.batch):
            part = todo[start:start + self.batch]
            vectors = np.asarray(embed([t for _, t in part]), dtype=np.float32)
            self._append([k for k, _ in part], vectors)
            self.misses += len(part)
        return self._rows[[self._index[k] for k in keys]] if keys else np.zeros((0, self.dimension), np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._lookup(list(texts), self.inner.embed_documents).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0].tolist()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        # Queries are cached under their own prefix: e5 embeds a query differently from a passage.
        marked = [_QUERY + t for t in texts]
        return self._lookup(marked, lambda ts: [self.inner.embed_query(t[len(_QUERY):]) for t in ts])
