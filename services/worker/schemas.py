"""What the re-index jobs show: the admin API's responses, the CLI's progress, the job metrics."""
from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from ingestion.documents import FileResult
from services.quality.schemas import GateDecision


class JobState(StrEnum):
    """A re-index job's state (a str: Redis and the JSON views hold the same values)."""

    QUEUED = "queued"
    PLANNING = "planning"
    RUNNING = "running"
    EVALUATING = "evaluating"  # a candidate job: its files done, the golden set asked of its unpublished snapshot
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


class FileFailure(BaseModel):
    source: str
    reason: str | None


class JobSummary(BaseModel):
    """A job without its per-file results (GET /v1/admin/jobs lists these)."""

    id: str
    source: str
    collection: str
    requested_by: str = ""
    state: JobState = Field(description="failed as well when nothing has moved for PERIMETER_JOB_STALL_TIMEOUT_S")
    cancel_requested: bool = False
    files_total: int | None = Field(None, description="known once the job is planned")
    files_done: int = 0
    files_failed: int = 0
    chunks_added: int = 0
    chunks_updated: int = 0
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    ocr_pages: int = Field(0, description="pages (and images) read by OCR so far: the slow part of a scanned corpus")
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = Field(None, description="why the whole job failed")
    errors: list[FileFailure] = Field(default_factory=list, description="the files that failed, and why")
    workers: dict[str, int] = Field(default_factory=dict,
                                    description="files done by each Celery worker (its node name) that shared the job")
    candidate: bool = Field(False, description="published only through the gate (the golden set not worse)")
    evaluated: int = Field(0, description="a candidate job: golden cases asked so far")
    gate: GateDecision | None = Field(None, description="a candidate job: the comparison with the last accepted run "
                                                        "and the decision (published or put back)")


class JobView(JobSummary):
    """A job with the result of every file it has done."""

    files: list[FileResult] = Field(default_factory=list)


class StartedJob(BaseModel):
    id: str
    source: str
    collection: str


class ReindexStarted(BaseModel):
    job_id: str = Field(description="the first job's id")
    jobs: list[StartedJob] = Field(description="one job per matching source")
