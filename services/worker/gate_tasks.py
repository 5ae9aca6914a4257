"""Candidate re-index jobs (POST /v1/admin/reindex with "candidate": true): the job's files are applied by the usual
batches, but instead of publishing, the job's snapshot is written beside the published one and the golden set is
asked of it (services/quality/gate.py, the same `baseline` and `judge` as `perimeter reindex --local --candidate`).
It is published only when no score fell by more than PERIMETER_GATE_MAX_DROP; otherwise the job's changes are put
back (ingestion/candidate.py). The decision is the job's `gate` (GET /v1/admin/jobs/{id}) and one of the gate list's.

The steps, apart in time like the job's: `stage` when the job is planned (what the plan will touch, kept in Redis
before any batch runs, and the baseline run when there is none yet, while Chroma still holds exactly the published
index), `finish` once the last file is done (the job then "evaluating"), and the `gate_candidate` task, which may ask
the model for minutes and so runs outside any batch's time limit. The worker needs a model server for it
(PERIMETER_LLM_URL, or the API's embedded one at PERIMETER_EMBEDDED_HOST/PORT)."""
from __future__ import annotations

import logging
import time

from ingestion import candidate as candidates
from ingestion.documents import IngestReport
from services.container import Container
from services.quality.gate import baseline, evaluator, judge
from services.worker.celery_app import app, worker_container
from services.worker.jobs import JobStore
from services.worker.schemas import JobState

log = logging.getLogger(__name__)


def job_evaluator(container: Container, collection: str, store: JobStore | None = None, job_id: str = ""):
    """The golden set asked of `collection` with this worker's model; each case asked moves the job (no stall)."""
    settings = container.settings.with_values(collection=collection)
    done = [0]

    def progress(_) -> None:
        done[0] += 1
        if store is not None:
            store.update(job_id, evaluated=done[0])

    return evaluator(settings, container.model, container.embedder, container.index_client, progress=progress)


def stage(store: JobStore, job_id: str, indexer, plan) -> None:
    """At planning, before any batch: what the plan touches (kept once: a redelivered planning task keeps the first),
    then the baseline run if none was accepted yet."""
    store.save_staging(job_id, candidates.prepare(indexer, plan).to_dict())
    container = worker_container()
    baseline(container.settings, job_evaluator(container, indexer.collection.name, store, job_id))


def finish(store: JobStore, job_id: str, collection: str, source_name: str) -> None:
    """The job's last file is done (the caller claimed the finish): a cancelled candidate is put back, any other is
    handed to the gate."""
    if store.cancelled(job_id):
        staging = candidates.Staging.from_dict(store.staging(job_id) or {"collection": collection, "before": {},
                                                                         "published": []})
        candidates.discard(worker_container().indexer(collection, source_name), staging)
        store.update(job_id, state=JobState.CANCELLED, finished_at=time.time())
        return
    store.update(job_id, state=JobState.EVALUATING)
    gate_candidate.delay(job_id, collection, source_name)


@app.task(name="perimeter.gate_candidate", acks_late=True)
def gate_candidate(job_id: str, collection: str, source_name: str) -> bool | None:
    """The candidate's snapshot written, evaluated, published or put back; the decision kept on the job."""
    container = worker_container()
    store = container.job_store
    if store.fields(job_id)["state"] != JobState.EVALUATING:
        return None  # decided already (a redelivered task)
    indexer = container.indexer(collection, source_name)
    kept = store.staging(job_id)
    if kept is None:  # only a job deleted meanwhile (jobs are kept 7 days)
        store.update(job_id, state=JobState.FAILED, finished_at=time.time(), error="the candidate's staging is lost")
        return None
    staging = candidates.Staging.from_dict(kept)
    staged: candidates.Candidate | None = None
    try:
        evaluate = job_evaluator(container, collection, store, job_id)
        base = baseline(container.settings, evaluate)
        staged = candidates.snapshot(indexer, staging, IngestReport(collection, store.results(job_id)))
        decision = judge(container.settings, indexer, staged, evaluate, base, source=source_name, job=job_id)
    except Exception as exc:  # the model or index failed mid-way: nothing is published
        log.exception("the gate of job %s failed; its changes are put back", job_id)
        candidates.discard(indexer, staged or staging)
        store.update(job_id, state=JobState.FAILED, finished_at=time.time(),
                     error=f"the gate failed, nothing published: {type(exc).__name__}: {exc}")
        return None
    store.update(job_id, state=JobState.FINISHED, finished_at=time.time(), gate=decision.model_dump_json())
    return decision.published
