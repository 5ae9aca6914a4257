"""The one owner of every long-lived client of a process: Redis, the stores kept in it, the audit and feedback logs,
the rate limiter, the authenticator, browser sign-in sessions and the provider's client, Chroma, the embedder, the
retriever, the model and the ask pipeline.

A `Container` is built once per process from the Settings: `create_app` builds (or is given) the API's, the Celery
worker builds its own on first use (`worker_container`, services/worker/celery_app.py), the CLI one per command. Each
part is built the first time it is asked for and kept; front doors get them through the `Annotated` aliases of
services/api/deps.py (the API) or from the worker's container, and never construct parts themselves.
`services/components.py` holds the `build_*` functions the container calls, for the parts that have one.

Tests inject parts: `Container(settings, model=ScriptedModel())`, `Container(settings, retriever=…, model=None)`, or a
whole `pipeline=` (whose conversation store, issued answers and recorder the container then uses too, so that feedback
finds the answers that pipeline issued).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from redis import ConnectionPool, Redis

from services.redis_clients import redis_pool
from services.settings import Settings

if TYPE_CHECKING:
    import chromadb
    from authlib.integrations.starlette_client import StarletteOAuth2App
    from prometheus_client import CollectorRegistry

    from ingestion.embedder import Embedder
    from retrieval.search import Retriever
    from services.answering import AskPipeline
    from services.assistants import AssistantCatalog
    from services.auth import Authenticator
    from services.auth.browser_sessions import BrowserSessions
    from services.auth.directory import Directory
    from services.conversations import ConversationStore
    from services.feedback_log import FeedbackLog
    from services.issued_answers import IssuedAnswers
    from services.llm.base import ChatModel
    from services.modelserver import ModelSupervisor
    from services.observability.answers import AnswerRecorder
    from services.observability.audit import AuditLog
    from services.quality.store import AggregateStore
    from services.rate_limit import RateLimiter
    from services.worker.jobs import JobStore

T = TypeVar("T")

_UNSET: Any = object()


class Container:
    def __init__(self, settings: Settings, *, model: ChatModel | None = _UNSET, retriever: Retriever | None = None,
                 embedder: Embedder | None = None, pipeline: AskPipeline | None = None,
                 model_supervisor: ModelSupervisor | None = None):
        """`model=None`: no model (answers are the sources with a notice); left out: the configured one.
        `model_supervisor`: the embedded model server `perimeter serve` runs, whose state /readyz reports."""
        self.settings = settings
        self.model_supervisor = model_supervisor
        # RLock: building the pipeline builds the retriever, which builds the embedder, each under this lock.
        self._lock = threading.RLock()
        self._pools: dict[str, ConnectionPool] = {}
        self._parts: dict[str, Any] = {}
        given = {"model": model, "retriever": retriever, "embedder": embedder, "pipeline": pipeline}
        self._parts.update({name: part for name, part in given.items() if part is not _UNSET and part is not None})
        if model is None:
            self._parts["model"] = None
        if pipeline is not None:  # its parts are this container's: feedback must find the answers it issued
            self._parts.update(model=pipeline.model, retriever=pipeline.retriever, conversations=pipeline.conversations,
                               issued_answers=pipeline.issued, answer_recorder=pipeline.recorder)

    def _once(self, name: str, build: Callable[[], T]) -> T:
        """The part `name`, built by `build` the first time (one thread builds it; the others wait for it)."""
        if name in self._parts:
            return self._parts[name]
        with self._lock:
            if name not in self._parts:
                self._parts[name] = build()
            return self._parts[name]

    # Redis and what is kept in it

    def redis(self, url: str | None = None) -> Redis:
        """A client on this process's one pool for `url` (the settings' PERIMETER_REDIS_URL when not given); the
        timeouts are services/redis_clients.py's."""
        url = url or self.settings.redis.url
        with self._lock:
            pool = self._pools.get(url)
            if pool is None:
                pool = self._pools[url] = redis_pool(url)
        return Redis(connection_pool=pool)

    @property
    def job_store(self) -> JobStore:
        from services.worker.jobs import JobStore

        worker = self.settings.worker
        return self._once("job_store", lambda: JobStore(self.redis(), stall_timeout_s=worker.job_stall_timeout_s,
                                                        keep=worker.jobs_kept))

    @property
    def conversations(self) -> ConversationStore:
        from services.conversations import conversation_store

        return self._once("conversations", lambda: conversation_store(self.settings, self.redis))

    @property
    def issued_answers(self) -> IssuedAnswers:
        from services.issued_answers import issued_answers

        return self._once("issued_answers", lambda: issued_answers(self.settings, self.redis))

    @property
    def rate_limiter(self) -> RateLimiter:
        from services.rate_limit import RateLimiter

        limits = self.settings.limits
        return self._once("rate_limiter", lambda: RateLimiter(self.redis(limits.rate_limit_redis_url or None),
                                                              limits.rate_limit_per_minute))

    @property
    def job_metrics(self) -> CollectorRegistry:
        """The re-index jobs' metrics, read from the job store at scrape time (services/observability/metrics.py)."""
        from services.observability.metrics import job_registry

        return self._once("job_metrics", lambda: job_registry(self.job_store))

    @property
    def version_metrics(self) -> CollectorRegistry:
        """The stale-content gauge, computed from the published snapshot at scrape time."""
        from services.observability.metrics import stale_registry
        from services.versions import stale

        def report() -> list[tuple[str, str]]:
            return [(d.source_name, d.reason) for d in stale(self.settings).documents]

        return self._once("version_metrics", lambda: stale_registry(report))

    # Files

    @property
    def audit_log(self) -> AuditLog:
        """The one writer of the audit file: answers (through the recorder) and refused requests alike."""
        from services.observability.audit import AuditLog, audit_path

        return self._once("audit_log", lambda: AuditLog(audit_path(self.settings)))

    @property
    def answer_recorder(self) -> AnswerRecorder:
        from services.observability.answers import AnswerRecorder

        return self._once("answer_recorder", lambda: AnswerRecorder(self.audit_log,
                                                                       self.settings.storage.collection))

    @property
    def feedback_log(self) -> FeedbackLog:
        from services.feedback_log import FeedbackLog, feedback_path

        return self._once("feedback_log", lambda: FeedbackLog(feedback_path(self.settings)))

    @property
    def aggregate_store(self) -> AggregateStore:
        """The analytics aggregates (services/quality/store.py): SQLite in DATA_DIR or PERIMETER_ANALYTICS_DB_URL."""
        from services.quality.store import AggregateStore

        return self._once("aggregate_store", lambda: AggregateStore(
            self.settings.quality.db_url(self.settings.storage.data_dir)))

    # Sign-in

    @property
    def authenticator(self) -> Authenticator:
        from services.auth import Authenticator

        return self._once("authenticator", lambda: Authenticator(self.settings, self.directory))

    @property
    def directory(self) -> Directory | None:
        """The directory client and its group cache, when PERIMETER_DIRECTORY_URL is set."""
        from services.auth.directory import Directory

        return self._once("directory", lambda: Directory(self.settings.directory) if self.settings.directory.url
                          else None)

    @property
    def browser_sessions(self) -> BrowserSessions:
        """Browser sign-in sessions in Redis (services/auth/browser_sessions.py)."""
        from services.auth.browser_sessions import BrowserSessions

        return self._once("browser_sessions", lambda: BrowserSessions(self.redis(), self.settings))

    @property
    def sso_client(self) -> StarletteOAuth2App:
        """The company provider's OpenID client for the browser sign-in (services/web/sign_in.py)."""
        from services.web.sso_client import sso_client

        return self._once("sso_client", lambda: sso_client(self.settings))

    # The index, the models and the pipeline

    @property
    def index_client(self) -> chromadb.ClientAPI:
        """Chroma: embedded on PERIMETER_CHROMA_DIR or a server at PERIMETER_CHROMA_URL; the retriever searches
        through it and the worker's indexers write through it."""
        from services.components import open_index_client
        from services.data_dir import prepare_data_dir

        def build():
            prepare_data_dir(self.settings.storage.data_dir)  # owner-only before Chroma opens its files
            return open_index_client(self.settings)

        return self._once("index_client", build)

    @property
    def embedder(self) -> Embedder:
        from services.components import build_embedder

        return self._once("embedder", lambda: build_embedder(self.settings))

    @property
    def retriever(self) -> Retriever:
        from services.components import build_retriever

        return self._once("retriever", lambda: build_retriever(self.settings, self.embedder,
                                                               client=self.index_client))

    def indexer(self, collection: str, source_name: str = ""):
        """The Indexer of one collection and source (the worker's tasks), writing through this process's Chroma
        client with its embedder."""
        from services.components import build_indexer

        return self._once(f"indexer:{collection}:{source_name}", lambda: build_indexer(
            self.settings, collection=collection, source_name=source_name, embedder=self.embedder,
            client=self.index_client))

    @property
    def model(self) -> ChatModel | None:
        from services.components import build_model

        return self._once("model", lambda: build_model(self.settings))

    @property
    def assistants(self) -> AssistantCatalog:
        """The assistants of PERIMETER_ASSISTANTS_FILE, read again when it changes; a file that cannot be used fails
        here, which start() makes start-up."""
        from services.assistants import AssistantCatalog

        def build() -> AssistantCatalog:
            catalog = AssistantCatalog(self.settings.answers.assistants_file)
            catalog.check()
            return catalog

        return self._once("assistants", build)

    @property
    def pipeline(self) -> AskPipeline:
        from services.answering import AskPipeline

        return self._once("pipeline", lambda: AskPipeline(
            self.settings, self.retriever, self.model, conversations=self.conversations,
            issued=self.issued_answers, recorder=self.answer_recorder))

    def start(self) -> None:
        """Build the ask pipeline (the index, the embedder, the model client) now: an API process does so at start-up
        rather than in its first request."""
        _ = self.assistants
        _ = self.pipeline

    def redis_pools(self) -> dict[str, ConnectionPool]:
        """The pools opened so far, by URL."""
        with self._lock:
            return dict(self._pools)

    def close(self) -> None:
        """Close the Redis connections (a test's container, a CLI command's); a later call reconnects."""
        for pool in self.redis_pools().values():
            pool.disconnect()
