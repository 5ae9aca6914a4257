"""Re-index tasks. One planning task per job, one task per batch of changed files (embedded together), and whoever
records the last file's result finishes the job (publishes the search snapshot, purges retired chunks; a candidate
job hands it to the gate instead: services/worker/gate_tasks.py).

Every task is idempotent (the file manifest decides what is already done) and acknowledged late, so a worker killed
mid-job loses nothing: its task is redelivered and the job ends with exactly the chunks of a clean run.
"""
from __future__ import annotations

import logging
import time

import redis
from celery import Task, current_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init

from ingestion.documents import FileResult, FileStatus
from ingestion.index import TRANSIENT_ERRORS
from ingestion.pipeline import batches
from ingestion.sources import SourcesError, connector_for, source_workdir
from ingestion.st_embedder import SentenceTransformerEmbedder
from ingestion.sync import SKIP, Operation, SyncPlan, plan_sync
from services.components import load_sources
from services.settings import Settings
from services.worker import gate_tasks
from services.worker.celery_app import app, embedding_threads, worker_container
from services.worker.jobs import ACTIVE, JobStore
from services.worker.schemas import JobState

log = logging.getLogger(__name__)

# Redis timeouts too: a command unanswered in 2 s (services/redis_clients.py) is retried like a lost connection.
TRANSIENT: tuple[type[Exception], ...] = (*TRANSIENT_ERRORS, redis.ConnectionError, redis.TimeoutError)
MAX_DELIVERIES = 3  # a file that kills its worker process this often fails instead of looping forever


def settings() -> Settings:
    return worker_container().settings


def jobs() -> JobStore:
    return worker_container().job_store


def indexer_for(collection: str, source_name: str):
    return worker_container().indexer(collection, source_name)


@worker_process_init.connect
def warm_up(**_) -> None:
    """Load the embedding model and the parsers when a pool process starts, not inside the first job."""
    from ingestion.partition import warm_up_parsers

    embedder = worker_container().embedder
    threads = embedding_threads(settings())
    if threads and isinstance(embedder, SentenceTransformerEmbedder) and embedder.device == "cpu":
        import torch

        torch.set_num_threads(threads)
    embedder.embed_documents(["warm-up"])
    warm_up_parsers()
    log.warning("perimeter worker warm: embedding model %s loaded (%s)", settings().embedding.model,
                describe_threads(embedder))


def describe_threads(embedder) -> str:
    if not isinstance(embedder, SentenceTransformerEmbedder):
        return type(embedder).__name__
    if embedder.device != "cpu":
        return f"on {embedder.device}"
    import torch

    return f"{torch.get_num_threads()} torch threads"


def worker_name() -> str:
    """The Celery node running the current task (`-n name@host`): the job counts each worker's files."""
    return (current_task.request.hostname or "") if current_task else ""


def find_source(name: str):
    for source in load_sources(settings()):
        if source.name == name:
            return source
    raise SourcesError(f"no source named '{name}' in {settings().storage.sources_file}")


def _retry_or_fail(task: Task, job_id: str, exc: Exception) -> None:
    if task.request.retries >= settings().worker.task_max_retries:
        jobs().update(job_id, state=JobState.FAILED, finished_at=time.time(),
                      error=f"index unavailable after {task.request.retries} retries: {exc}")
        return
    raise task.retry(exc=exc, countdown=min(60, 2 ** (task.request.retries + 1)))


def finish(job_id: str, collection: str, source_name: str) -> None:
    store = jobs()
    if not store.claim_finish(job_id):
        return
    if store.fields(job_id).get("candidate") == "1":
        gate_tasks.finish(store, job_id, collection, source_name)
        return
    try:
        indexer_for(collection, source_name).publish()
    except Exception as exc:
        store.update(job_id, state=JobState.FAILED, finished_at=time.time(),
                     error=f"publishing the search index failed: {exc}")
        raise
    state = JobState.CANCELLED if store.cancelled(job_id) else JobState.FINISHED
    store.update(job_id, state=state, finished_at=time.time())


@app.task(bind=True, name="perimeter.plan_reindex", acks_late=True, max_retries=None)
def plan_reindex(self, job_id: str, source_name: str) -> None:
    store = jobs()
    job = store.fields(job_id)
    if job["state"] not in ACTIVE:
        return
    try:
        source = find_source(source_name)
        store.update(job_id, state=JobState.PLANNING, started_at=job.get("started_at") or time.time())
        indexer = indexer_for(source.collection, source.name)
        indexed = indexer.manifest.all(source_name=source.name)
        workdir = source_workdir(settings().storage.data_dir, source)
        plan = plan_sync(list(connector_for(source, workdir).items()), indexed)
    except TRANSIENT as exc:
        return _retry_or_fail(self, job_id, exc)
    except Exception as exc:  # bad configuration, missing folder, model mismatch: a clear, final error
        store.update(job_id, state=JobState.FAILED, finished_at=time.time(), error=f"{type(exc).__name__}: {exc}")
        return
    stored = store.save_plan(job_id, {"operations": [op.to_dict() for op in plan.operations], "errors": plan.errors})
    operations = [Operation.from_dict(op) for op in stored["operations"]]
    if job.get("candidate") == "1":
        try:
            gate_tasks.stage(store, job_id, indexer, SyncPlan(operations, stored["errors"]))
        except Exception as exc:  # the baseline could not be asked: nothing applied yet
            store.update(job_id, state=JobState.FAILED, finished_at=time.time(),
                         error=f"the gate's baseline failed: {type(exc).__name__}: {exc}")
            return
    store.update(job_id, state=JobState.RUNNING, total=len(operations) + len(stored["errors"]))
    done = 0
    me = worker_name()
    for uri, reason in stored["errors"].items():
        done = store.record(job_id, FileResult(uri, FileStatus.FAILED, reason=reason), me)
    pending = []
    for op in operations:
        if op.kind == SKIP and op.uri in indexed:
            unchanged = FileResult(op.uri, FileStatus.UNCHANGED, chunks_unchanged=len(indexed[op.uri].chunk_ids))
            done = store.record(job_id, unchanged, me)
        else:
            pending.append(op)
    dispatch_batches(job_id, source, pending)
    if not pending and done >= len(operations) + len(stored["errors"]):
        finish(job_id, source.collection, source.name)


class BatchTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Hard time limit or a crash outside our handlers: the batch's unfinished files fail, the job goes on."""
        job_id, collection, source_name, _, ops = args
        reason = f"{type(exc).__name__}: {exc}"
        if "TimeLimitExceeded" in type(exc).__name__:
            reason = f"took longer than the time limit ({settings().ingestion.file_time_limit_s:g} s per file)"
        for op in ops:
            failed = FileResult(op["uri"], FileStatus.FAILED, reason=reason)
            _record_and_maybe_finish(job_id, collection, source_name, failed)


def _record_and_maybe_finish(job_id: str, collection: str, source_name: str, result: FileResult) -> None:
    store = jobs()
    done = store.record(job_id, result, worker_name())
    if done >= int(store.fields(job_id).get("total", -1)) >= 0:
        finish(job_id, collection, source_name)


def dispatch_batches(job_id: str, source, operations: list[Operation]) -> None:
    for number, batch in enumerate(batches(operations, settings().worker.batch_files)):
        # The per-file limit is enforced inside; this is a backstop.
        limit = settings().ingestion.file_time_limit_s * len(batch) + 60
        apply_batch.apply_async((job_id, source.collection, source.name, number, [op.to_dict() for op in batch]),
                                soft_time_limit=limit, time_limit=limit + 30)


@app.task(bind=True, base=BatchTask, name="perimeter.apply_batch", acks_late=True, max_retries=None)
def apply_batch(self, job_id: str, collection: str, source_name: str, number: int, ops: list[dict]) -> None:
    store = jobs()
    if store.fields(job_id)["state"] not in ACTIVE:
        return
    deliveries = store.count_delivery(job_id, number) - self.request.retries
    todo = [Operation.from_dict(op) for op in ops if not store.has_result(job_id, op["uri"])]
    if store.cancelled(job_id):
        for op in todo:
            _record_and_maybe_finish(job_id, collection, source_name,
                                     FileResult(op.uri, FileStatus.SKIPPED, reason="job cancelled"))
        return
    if deliveries > MAX_DELIVERIES and todo:
        # This batch keeps killing its worker: the first unfinished file is the likely culprit.
        culprit, todo = todo[0], todo[1:]
        _record_and_maybe_finish(job_id, collection, source_name, FileResult(
            culprit.uri, FileStatus.FAILED, reason=f"crashed the worker {MAX_DELIVERIES} times"))
    # After a crash, go one file at a time so each finished file is recorded before the next starts.
    groups = [todo] if deliveries <= 1 else [[op] for op in todo]
    indexer = indexer_for(collection, source_name)
    try:
        for group in groups:
            indexer.apply_many(group, on_result=lambda r: _record_and_maybe_finish(job_id, collection, source_name, r))
    except SoftTimeLimitExceeded:
        for op in todo:
            _record_and_maybe_finish(job_id, collection, source_name, FileResult(
                op.uri, FileStatus.FAILED, reason="took longer than the batch time limit"))
    except TRANSIENT as exc:
        if self.request.retries < settings().worker.task_max_retries:
            raise self.retry(exc=exc, countdown=min(60, 2 ** (self.request.retries + 1))) from exc
        for op in todo:
            _record_and_maybe_finish(job_id, collection, source_name,
                                     FileResult(op.uri, FileStatus.FAILED, reason=f"index unavailable: {exc}"))


@app.task(name="perimeter.scheduled_reindex")
def scheduled_reindex(source_name: str) -> str | None:
    """celery beat's entry: skip if a job for this source is still running."""
    source = find_source(source_name)
    store = jobs()
    if any(j.source == source_name and j.state in ACTIVE for j in store.recent(50)):
        return None
    job_id = store.create(source_name, source.collection, requested_by="schedule")
    plan_reindex.delay(job_id, source_name)
    return job_id


@app.task(name="perimeter.purge_audit")
def purge_audit() -> dict[str, int]:
    """celery beat's daily entry: question texts older than the retention blanked (services/quality/purge.py)."""
    from services.quality.purge import purge

    return purge(settings(), worker_container().aggregate_store)
