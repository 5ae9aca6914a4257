"""Wiring: builds each component from the one Settings object. Front doors ask here, never construct parts themselves."""
from __future__ import annotations

import ingestion  # noqa: F401  (offline environment first)
from ingestion.embedder import Embedder, load_embedder
from retrieval.search import Retriever
from services.ask import AskPipeline
from services.llm.base import ChatModel
from services.llm.openai_chat import OpenAIChatModel
from services.settings import Settings


def build_embedder(settings: Settings) -> Embedder:
    return load_embedder(settings.embedding_model)


def build_retriever(settings: Settings, embedder: Embedder | None = None) -> Retriever:
    return Retriever(
        chroma_dir=settings.chroma_dir,
        data_dir=settings.data_dir,
        collection=settings.collection,
        embedder=embedder or build_embedder(settings),
        candidates=settings.candidates,
        rrf_k=settings.rrf_k,
    )


def build_model(settings: Settings) -> ChatModel:
    """The configured OpenAI-compatible server, or the embedded llama.cpp server's address when none is set."""
    return OpenAIChatModel(
        settings.effective_llm_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        response_format_style=settings.llm_response_format if settings.llm_url else "llamacpp",
    )


def build_pipeline(settings: Settings, model: ChatModel | None = None) -> AskPipeline:
    return AskPipeline(settings, build_retriever(settings), model if model is not None else build_model(settings))


def run_ingest(settings: Settings, paths, *, groups: list[str] | None = None, collection: str | None = None,
               embedder: Embedder | None = None, progress=None):
    """Ingest files or folders with the settings' chunking and limits; the CLI, the worker and tests call this."""
    from pathlib import Path

    from ingestion.pipeline import ingest_paths

    return ingest_paths(
        [Path(p) for p in paths],
        chroma_dir=settings.chroma_dir,
        data_dir=settings.data_dir,
        collection_name=collection or settings.collection,
        embedder=embedder or build_embedder(settings),
        groups=groups or settings.default_groups,
        chunk_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        max_bytes=int(settings.max_file_mb * 1e6),
        progress=progress,
    )
