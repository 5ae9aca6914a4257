"""Admin re-index jobs as records in Redis: state, per-file results, cancellation, and stall detection.

Per-file results are kept in a hash keyed by file, so a task that runs twice (redelivered after a crash) is counted
once, and "files done" is simply the number of files with a result.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict
from typing import Any, cast

import redis

from ingestion.documents import FileResult, FileStatus
from services.quality.schemas import GateDecision
from services.worker.schemas import FileFailure, JobState, JobSummary, JobView

PREFIX = "perimeter:job"
RECENT = "perimeter:jobs"
KEEP_S = 7 * 24 * 3600
ACTIVE = frozenset({JobState.QUEUED, JobState.PLANNING, JobState.RUNNING, JobState.EVALUATING})


class JobNotFound(KeyError):
    def __init__(self, job_id: str, keep: int):
        super().__init__(job_id)
        self.job_id, self.keep = job_id, keep

    def __str__(self) -> str:
        return f"no job {self.job_id} (jobs are kept {self.keep} deep, for 7 days)"


class JobStore:
    def __init__(self, client: redis.Redis, stall_timeout_s: float = 900.0, keep: int = 50):
        """`client` decodes replies (the container's: services/container.py)."""
        self.r = client
        self.stall_timeout_s = stall_timeout_s
        self.keep = keep

    def _key(self, job_id: str, part: str = "") -> str:
        return f"{PREFIX}:{job_id}{':' + part if part else ''}"

    def create(self, source: str, collection: str, requested_by: str = "admin", candidate: bool = False) -> str:
        job_id = uuid.uuid4().hex
        now = time.time()
        with self.r.pipeline() as p:
            p.hset(self._key(job_id), mapping={
                "id": job_id, "source": source, "collection": collection, "state": JobState.QUEUED, "total": -1,
                "created_at": now, "updated_at": now, "requested_by": requested_by, "candidate": int(candidate),
            })
            p.expire(self._key(job_id), KEEP_S)
            p.zadd(RECENT, {job_id: now})
            p.execute()
        for old in cast(list[str], self.r.zrange(RECENT, 0, -self.keep - 1)):  # str: the client decodes replies
            self.delete(old)
        return job_id

    def delete(self, job_id: str) -> None:
        self.r.delete(*(self._key(job_id, part) for part in ("", "results", "plan", "final", "deliveries", "workers",
                                                       "staging")))
        self.r.zrem(RECENT, job_id)

    def update(self, job_id: str, **fields) -> None:
        fields["updated_at"] = time.time()
        self.r.hset(self._key(job_id), mapping={k: v if v is not None else "" for k, v in fields.items()})

    def fields(self, job_id: str) -> dict:
        data = self.r.hgetall(self._key(job_id))
        if not data:
            raise JobNotFound(job_id, self.keep)
        return data

    def save_plan(self, job_id: str, plan: dict[str, Any]) -> dict[str, Any]:
        """Store the plan once; a redelivered planning task gets the first plan back, not a second one."""
        key = self._key(job_id, "plan")
        self.r.set(key, json.dumps(plan), nx=True, ex=KEEP_S)
        stored = self.r.get(key)
        if stored is None:  # set just above, kept for KEEP_S: only a job deleted meanwhile has none
            raise JobNotFound(job_id, self.keep)
        return json.loads(stored)

    def save_staging(self, job_id: str, staging: dict[str, Any]) -> dict[str, Any]:
        """A candidate job's staging (ingestion/candidate.Staging), kept once like the plan: taken before any batch
        ran, it is what a refused candidate is put back to."""
        key = self._key(job_id, "staging")
        self.r.set(key, json.dumps(staging), nx=True, ex=KEEP_S)
        stored = self.r.get(key)
        if stored is None:
            raise JobNotFound(job_id, self.keep)
        return json.loads(stored)

    def staging(self, job_id: str) -> dict[str, Any] | None:
        stored = self.r.get(self._key(job_id, "staging"))
        return json.loads(stored) if stored else None

    def record(self, job_id: str, result: FileResult, worker: str = "") -> int:
        """Store one file's result (the first one stands: a redelivered task does not overwrite "added" with
        "unchanged") and count it for the `worker` that did it; returns how many files have a result now."""
        key = self._key(job_id, "results")
        with self.r.pipeline() as p:
            p.hsetnx(key, result.source, json.dumps(asdict(result)))
            p.expire(key, KEEP_S)
            p.hlen(key)
            p.hset(self._key(job_id), "updated_at", time.time())
            first, _, done, _ = p.execute()
        if first and worker:
            with self.r.pipeline() as p:
                p.hincrby(self._key(job_id, "workers"), worker, 1)
                p.expire(self._key(job_id, "workers"), KEEP_S)
                p.execute()
        return done

    def has_result(self, job_id: str, uri: str) -> bool:
        return bool(self.r.hexists(self._key(job_id, "results"), uri))

    def count_delivery(self, job_id: str, batch: int) -> int:
        """How many times this batch has been started (redeliveries after a crash count)."""
        key = self._key(job_id, "deliveries")
        with self.r.pipeline() as p:
            p.hincrby(key, str(batch), 1)
            p.expire(key, KEEP_S)
            return p.execute()[0]

    def results(self, job_id: str) -> list[FileResult]:
        raw = self.r.hgetall(self._key(job_id, "results"))
        return [FileResult(**json.loads(v)) for _, v in sorted(raw.items())]

    def claim_finish(self, job_id: str) -> bool:
        """True for exactly one caller: the one that finishes the job."""
        return bool(self.r.set(self._key(job_id, "final"), "1", nx=True, ex=KEEP_S))

    def cancel(self, job_id: str) -> JobView:
        job = self.fields(job_id)
        if job["state"] in ACTIVE:
            self.update(job_id, cancel_requested=1)
        return self.view(job_id)

    def cancelled(self, job_id: str) -> bool:
        return self.r.hget(self._key(job_id), "cancel_requested") == "1"

    def recent(self, limit: int = 20) -> list[JobSummary]:
        views = []
        for job_id in cast(list[str], self.r.zrevrange(RECENT, 0, limit - 1)):  # str: the client decodes replies
            try:
                views.append(self.summary(job_id))
            except JobNotFound:
                self.r.zrem(RECENT, job_id)
        return views

    def summary(self, job_id: str) -> JobSummary:
        return self._summary(self.fields(job_id), self.results(job_id))

    def view(self, job_id: str) -> JobView:
        results = self.results(job_id)
        summary = self._summary(self.fields(job_id), results)
        return JobView(**dict(summary), files=results)

    def _summary(self, job: dict, results: list[FileResult]) -> JobSummary:
        state = JobState(job["state"])
        error = job.get("error") or None
        idle = time.time() - float(job["updated_at"])
        if state in ACTIVE and idle > self.stall_timeout_s:
            # Nothing has moved for too long: the worker or the broker was lost. Never "running" forever.
            state = JobState.FAILED
            error = f"stalled: no progress for {idle:.0f} s (worker or broker lost); start it again"
        total = int(job.get("total", -1))
        failed = [r for r in results if r.status == FileStatus.FAILED]
        return JobSummary(
            id=job["id"],
            source=job["source"],
            collection=job["collection"],
            requested_by=job.get("requested_by", ""),
            state=state,
            cancel_requested=job.get("cancel_requested") == "1",
            files_total=total if total >= 0 else None,
            files_done=len(results),
            files_failed=len(failed),
            chunks_added=sum(r.chunks_added for r in results),
            chunks_updated=sum(r.chunks_updated for r in results),
            chunks_removed=sum(r.chunks_removed for r in results),
            chunks_unchanged=sum(r.chunks_unchanged for r in results),
            ocr_pages=sum(r.ocr_pages for r in results),
            created_at=float(job["created_at"]),
            started_at=float(job["started_at"]) if job.get("started_at") else None,
            finished_at=float(job["finished_at"]) if job.get("finished_at") else None,
            error=error,
            errors=[FileFailure(source=r.source, reason=r.reason) for r in failed],
            workers={name: int(n) for name, n in self.r.hgetall(self._key(job["id"], "workers")).items()},
            candidate=job.get("candidate") == "1",
            evaluated=int(job.get("evaluated") or 0),
            gate=GateDecision.model_validate_json(job["gate"]) if job.get("gate") else None,
        )
