"""The Celery application: Redis broker and result backend, late acks, redelivery of lost tasks, events for Flower.

Start a worker with `celery -A services.worker.celery_app:app worker -E` and the scheduler with `... beat`. They log
like the API (PERIMETER_LOG_FORMAT: one JSON object a line by default), each line of a task carrying its task id as
`request_id`.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from celery import Celery, signals

import ingestion  # noqa: F401  (offline environment first)
from ingestion.cpu import usable_cores
from services.container import Container
from services.settings import Settings, get_settings


def beat_schedule(settings: Settings) -> dict:
    """One periodic re-index per source that sets `interval_minutes`; the daily retention purge of question texts
    (PERIMETER_AUDIT_RETENTION_DAYS, services/quality/purge.py) unless texts are kept forever."""
    from services.components import load_sources

    schedule: dict = {}
    if settings.quality.audit_retention_days:
        schedule["audit-purge"] = {"task": "perimeter.purge_audit", "schedule": timedelta(days=1)}
    try:
        sources = load_sources(settings)
    except ValueError:
        return schedule
    schedule.update({
        f"reindex-{s.name}": {
            "task": "perimeter.scheduled_reindex",
            "schedule": timedelta(minutes=s.interval_minutes),
            "args": [s.name],
        }
        for s in sources
        if s.interval_minutes
    })
    return schedule


_container: Container | None = None
_container_lock = threading.Lock()


def worker_container() -> Container:
    """This process's Container, built on first use (never at import) from the environment's PERIMETER_* settings.
    Conversations and issued answers are kept in Redis here whatever PERIMETER_CONVERSATION_STORE says: a Slack
    thread's follow-up may reach another worker process than the thread's first question."""
    global _container
    with _container_lock:
        if _container is None:
            _container = Container(get_settings().with_values(**{"conversation_store": "redis"}))
        return _container


def celery_config(settings: Settings) -> dict:
    """Celery's configuration from the settings: the broker and results on PERIMETER_REDIS_URL, late acks,
    redelivery, events for Flower, the beat schedule."""
    return dict(
        broker_url=settings.redis.url,
        result_backend=settings.redis.url,
        task_acks_late=True,  # a task is acknowledged after it ran: a killed worker's task is redelivered
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "visibility_timeout": settings.worker.visibility_timeout_s,
            # Look for a dead worker's unacknowledged tasks often enough to honour the visibility timeout.
            "unacked_restore_interval": max(1, min(60, settings.worker.visibility_timeout_s // 4)),
            "unacked_restore_throttle": 1,
            # A worker killed while it holds the restore lock (a sweep takes milliseconds) would leave it for kombu's
            # default 300 s, and no one could redeliver anything until then: keep it within the visibility timeout.
            "unacked_mutex_expire": min(300, max(5, settings.worker.visibility_timeout_s // 2)),
        },
        result_backend_transport_options={"visibility_timeout": settings.worker.visibility_timeout_s},
        broker_connection_retry_on_startup=True,
        worker_send_task_events=True,  # Flower
        task_send_sent_event=True,
        task_track_started=True,
        result_expires=timedelta(days=7),
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        beat_schedule=beat_schedule(settings),
    )


def create_celery(settings: Settings | None = None) -> Celery:
    """The app, its configuration read when Celery first needs it (from `settings`, or the worker's container)."""
    app = Celery("perimeter", include=["services.worker.tasks", "services.worker.gate_tasks",
                                         "services.worker.slack_tasks"])
    app.add_defaults(lambda: celery_config(settings if settings is not None else worker_container().settings))
    return app


@signals.setup_logging.connect
def _structured_logs(loglevel=None, **_) -> None:
    """With a receiver for this signal Celery installs no handlers of its own: ours (services/observability)."""
    from services.observability.logging import configure_logging

    settings = worker_container().settings
    configure_logging(settings.operations.log_format, loglevel or settings.operations.log_level)


_pool_processes = 1


@signals.worker_init.connect
def _pool_size(sender=None, **_) -> None:
    """How many pool processes this worker forks (`--concurrency`, Celery's default: the CPU count), decided before the
    fork so each child knows its share of the cores (embedding_threads). Embedded Chroma takes one writing process:
    two pool processes writing into it corrupted its index ("Error finding id" on publish), so without a Chroma
    server the pool is cut to one process, saying so."""
    global _pool_processes
    concurrency = getattr(sender, "concurrency", 1)
    concurrency = concurrency if isinstance(concurrency, int) and concurrency > 0 else 1
    if concurrency > 1 and not worker_container().settings.storage.chroma_url:
        logging.getLogger(__name__).warning(
            "embedded Chroma takes one writing process: running 1 pool process instead of %d "
            "(set PERIMETER_CHROMA_URL to a `chroma run` server for more)", concurrency)
        concurrency = sender.concurrency = 1
    _pool_processes = concurrency


def embedding_threads(settings: Settings) -> int | None:
    """Torch threads for one pool process: the cores shared out between the pool's processes (each with every core, as
    torch would take, they oversubscribe them: measured on 2 cores, 2 processes with 1 thread each ingested 1.55x as
    fast as one process with 2); None where build_embedder already applied PERIMETER_EMBEDDING_THREADS, or for a
    single process (the count prepare measured best)."""
    if settings.embedding.threads or _pool_processes <= 1:
        return None
    return max(1, usable_cores() // _pool_processes)


@signals.worker_init.connect
@signals.beat_init.connect
def _private_data_dir(**_) -> None:
    """Before any task runs (and before the pool forks, so every child inherits the umask): DATA_DIR owner-only, and
    a warning now, at start, about anything in it that others may read (services/data_dir.py)."""
    from services.data_dir import prepare_data_dir

    prepare_data_dir(worker_container().settings.storage.data_dir)


@signals.task_prerun.connect
def _task_id_in_logs(task_id=None, **_) -> None:
    from services.observability import context

    context.request_id.set(task_id)


@signals.task_postrun.connect
def _task_done(**_) -> None:
    from services.observability import context

    context.request_id.set(None)


app = create_celery()
