"""Prometheus metrics (prometheus_client). Labels are bounded: route templates, never raw paths; no user names.

Process-level metrics live in prometheus_client's default registry, updated where things happen (the request
middleware, the ask pipeline). Re-index jobs are another process's work (Celery workers, any number of them, any
of which may restart); their state already lives in Redis (services/worker/jobs.py), so the API reads it there at
scrape time with JobCollector instead of each worker exposing counters of its own that no one could add up.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.worker.schemas import JobState, JobSummary

if TYPE_CHECKING:
    from services.worker.jobs import JobStore

log = logging.getLogger(__name__)

HTTP_SECONDS = Histogram(
    "perimeter_http_request_duration_seconds", "HTTP request latency by route template, method and status",
    ["method", "route", "status"])
RETRIEVAL_SECONDS = Histogram(
    "perimeter_retrieval_seconds", "dense + keyword search, fusion and context assembly for one question",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
MODEL_FIRST_TOKEN_SECONDS = Histogram(
    "perimeter_model_first_token_seconds", "streamed answers: from sending the prompt to the model's first token",
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120))
MODEL_GENERATION_SECONDS = Histogram(
    "perimeter_model_generation_seconds", "from sending the prompt to a checked answer (model, parse, grounding)",
    buckets=(0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300))
TOKENS_OUT = Counter(
    "perimeter_model_tokens_out", "answer tokens the model wrote (estimated like chunk sizes: 1 per CJK "
    "character, 1 per 4 other characters)")
ANSWERS = Counter(
    "perimeter_answers", "questions answered, by outcome (answered, degraded, not_found, cancelled, failed)",
    ["outcome"])
DEGRADED = Counter(
    "perimeter_degraded_answers", "answers given as sources only because the model failed, by error type",
    ["reason"])
SEARCHES = Counter("perimeter_searches", "POST /v1/search calls (sources without an answer)")
RATE_LIMITED = Counter("perimeter_rate_limited_requests", "requests refused with 429 by the per-user rate limit")
RATE_LIMIT_ERRORS = Counter(
    "perimeter_rate_limit_store_errors", "rate limit checks skipped because Redis was unreachable (fail open)")
AUDIT_FAILURES = Counter("perimeter_audit_write_failures", "audit records that could not be written")
BODY_TOO_LARGE = Counter("perimeter_request_body_too_large", "requests refused with 413")


JOB_STATES = tuple(JobState)


class JobCollector(Collector):
    """Re-index job metrics read from the JobStore in Redis at scrape time (cached a few seconds; a Redis that is
    down gives perimeter_jobs_store_up 0 and no job series, never a failed scrape). Covers the jobs Redis keeps
    (the last `jobs_kept`, 7 days at most), so these are gauges, not counters."""

    def __init__(self, store: JobStore, cache_s: float = 5.0):
        self.store, self.cache_s = store, cache_s  # the process's job store (services/container.py)
        self._lock = threading.Lock()
        self._cached: tuple[float, list[JobSummary] | None] = (0.0, None)

    def _jobs(self) -> list[JobSummary] | None:
        with self._lock:
            at, jobs = self._cached
            if time.monotonic() - at < self.cache_s:
                return jobs
            try:
                jobs = self.store.recent(self.store.keep)
            except Exception as exc:  # metrics must not fail because Redis does
                if self._cached[1] is not None or not at:  # once per outage, not every scrape
                    log.warning("job metrics unavailable: %s", exc)
                jobs = None
            self._cached = (time.monotonic(), jobs)
            return jobs

    def describe(self):
        return []  # collected on demand only: no Redis call when the collector is registered

    def collect(self):
        jobs = self._jobs()
        up = GaugeMetricFamily("perimeter_jobs_store_up", "1 when the job store in Redis could be read")
        up.add_metric([], 0 if jobs is None else 1)
        yield up
        if jobs is None:
            return
        states = GaugeMetricFamily("perimeter_jobs", "re-index jobs kept in Redis, by state", labels=["state"])
        for state in JOB_STATES:
            states.add_metric([state], sum(1 for j in jobs if j.state == state))
        yield states
        files = GaugeMetricFamily("perimeter_job_files", "files processed by the jobs kept in Redis, by result",
                                  labels=["result"])
        files.add_metric(["done"], sum(j.files_done for j in jobs))
        files.add_metric(["failed"], sum(j.files_failed for j in jobs))
        yield files


class StaleCollector(Collector):
    """The stale-content report at scrape time (services/versions.py, read from the published search snapshot): per
    configured source (its name, never a path: no paths in labels) and reason, how many documents are stale."""

    def __init__(self, report: Callable[[], list[tuple[str, str]]]):
        self.report = report  # () -> [(source name, reason)], one per stale document

    def describe(self):
        return []

    def collect(self):
        gauge = GaugeMetricFamily("perimeter_stale_documents", "documents past their review date (review_overdue) "
                                  "or whose family's newest version is older than PERIMETER_VERSION_STALE_MONTHS "
                                  "(family_old), by configured source", labels=["source", "reason"])
        try:
            items = self.report()
        except Exception as exc:  # a snapshot being replaced or unreadable: no series, never a failed scrape
            log.warning("stale-content metrics unavailable: %s", exc)
            items = []
        counts: dict[tuple[str, str], int] = {}
        for source, reason in items:
            counts[(source or "(ingested)", reason)] = counts.get((source or "(ingested)", reason), 0) + 1
        for (source, reason), count in sorted(counts.items()):
            gauge.add_metric([source, reason], count)
        yield gauge


def stale_registry(report: Callable[[], list[tuple[str, str]]]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StaleCollector(report))
    return registry


def job_registry(store: JobStore) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(JobCollector(store))
    return registry


def exposition(*extra: CollectorRegistry) -> tuple[bytes, str]:
    """The text exposition of this process's metrics (or, with several API worker processes and
    PROMETHEUS_MULTIPROC_DIR set, of all of them) followed by the given registries'."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return b"".join([generate_latest(registry), *(generate_latest(r) for r in extra)]), CONTENT_TYPE_LATEST
