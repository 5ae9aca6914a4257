"""Admin re-index jobs: start, follow, list, cancel. Only for admins (services/api/deps.require_admin): a member of
an admin group signed in through the proxy or OIDC, an admin API key, or the admin token (PERIMETER_ADMIN_TOKEN)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from services.api.deps import get_settings, require_admin
from services.api.unicode import valid_unicode_body
from services.identity import User
from services.settings import Settings
from services.worker.jobs import JobNotFound, JobStore

# On the router too, so a route added later cannot forget it.
router = APIRouter(prefix="/v1/admin", tags=["admin"],
                   dependencies=[Depends(require_admin), Depends(valid_unicode_body)])


def job_store(settings: Annotated[Settings, Depends(get_settings)]) -> JobStore:
    return JobStore.from_url(settings.redis.url, stall_timeout_s=settings.worker.job_stall_timeout_s,
                             keep=settings.worker.jobs_kept)


Admin = Annotated[User, Depends(require_admin)]
Store = Annotated[JobStore, Depends(job_store)]


class ReindexRequest(BaseModel):
    source: str | None = None
    collection: str | None = None


@router.get("/sources")
def sources(_: Admin, settings: Annotated[Settings, Depends(get_settings)]) -> list[dict]:
    from services.components import load_sources

    return [s.model_dump(mode="json") for s in load_sources(settings)]


@router.post("/reindex", status_code=202)
async def reindex(body: ReindexRequest, who: Admin, settings: Annotated[Settings, Depends(get_settings)],
                  store: Store) -> dict:
    from services.worker.submit import NoSuchSource, submit_reindex

    try:
        jobs = await run_in_threadpool(submit_reindex, settings, store, body.source, body.collection, who.name)
    except NoSuchSource as exc:
        raise HTTPException(404, str(exc)) from exc
    return {"job_id": jobs[0]["id"], "jobs": jobs}


@router.get("/jobs")
def recent_jobs(_: Admin, store: Store, limit: int = 20) -> list[dict]:
    return store.recent(min(max(limit, 1), 100))


def _job_or_404(action: Callable[[str], dict], store: JobStore, job_id: str) -> dict:
    try:
        return action(job_id)
    except JobNotFound as exc:
        raise HTTPException(404, f"no job {job_id} (jobs are kept {store.keep} deep, for 7 days)") from exc


@router.get("/jobs/{job_id}")
def job(job_id: str, _: Admin, store: Store) -> dict:
    return _job_or_404(store.view, store, job_id)


@router.post("/jobs/{job_id}/cancel")
def cancel(job_id: str, _: Admin, store: Store) -> dict:
    return _job_or_404(store.cancel, store, job_id)
