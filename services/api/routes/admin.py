"""Admin re-index jobs: start, follow, list, cancel. Only for admins (services/api/deps.require_admin): a member of
an admin group signed in through the proxy or OIDC, an admin API key, or the admin token (PERIMETER_ADMIN_TOKEN)."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from services.api.deps import AdminDep, ContainerDep, JobStoreDep, SettingsDep, require_admin
from services.api.errors import ErrorBody
from services.api.unicode import valid_unicode_body
from services.worker.schemas import JobSummary, JobView, ReindexStarted

# On the router too, so a route added later cannot forget it.
router = APIRouter(prefix="/v1/admin", tags=["admin"],
                   dependencies=[Depends(require_admin), Depends(valid_unicode_body)])


class ReindexRequest(BaseModel):
    source: str | None = None
    collection: str | None = None
    candidate: bool = Field(False, description="publish only when the golden set does not get worse than the last "
                                               "accepted run (PERIMETER_GATE_MAX_DROP); else the changes are put back")


class SourceView(BaseModel):
    """A configured source: the fields every type has, and its type's own (secrets appear only as the names of their
    environment variables or files)."""

    model_config = ConfigDict(extra="allow")
    name: str
    type: str
    collection: str
    groups: list[str]
    interval_minutes: float | None = None


@router.get("/sources", response_model=list[SourceView])
def sources(_: AdminDep, settings: SettingsDep) -> list[SourceView]:
    from services.components import load_sources

    return [SourceView(**source.model_dump(mode="json")) for source in load_sources(settings)]


@router.post("/reindex", status_code=202, response_model=ReindexStarted, responses={404: {"model": ErrorBody}})
async def reindex(body: ReindexRequest, who: AdminDep, settings: SettingsDep,
                  store: JobStoreDep) -> ReindexStarted:
    from services.worker.submit import submit_reindex

    # No source matching: NoSuchSource, a 404 (services/api/errors.py).
    jobs = await run_in_threadpool(submit_reindex, settings, store, body.source, body.collection, who.name,
                                    candidate=body.candidate)
    return ReindexStarted(job_id=jobs[0].id, jobs=jobs)


@router.get("/jobs", response_model=list[JobSummary])
def recent_jobs(_: AdminDep, store: JobStoreDep, limit: int = 20) -> list[JobSummary]:
    return store.recent(min(max(limit, 1), 100))


# An unknown job: JobNotFound, a 404 (services/api/errors.py).
@router.get("/jobs/{job_id}", response_model=JobView, responses={404: {"model": ErrorBody}})
def job(job_id: str, _: AdminDep, store: JobStoreDep) -> JobView:
    return store.view(job_id)


@router.post("/jobs/{job_id}/cancel", response_model=JobView, responses={404: {"model": ErrorBody}})
def cancel(job_id: str, _: AdminDep, store: JobStoreDep) -> JobView:
    return store.cancel(job_id)


class DirectoryEntry(BaseModel):
    name: str
    dn: str | None  # None: the directory does not know this user (they get no groups)
    groups: list[str]
    fetched_at: float  # Unix time of the lookup
    expires_in_s: float  # <= 0: expired, the next request asks the directory again


class DirectoryCache(BaseModel):
    enabled: bool
    ttl_s: float
    entries: list[DirectoryEntry]


def _directory_cache(container: ContainerDep) -> DirectoryCache:
    directory = container.directory
    if directory is None:
        return DirectoryCache(enabled=False, ttl_s=0, entries=[])
    now = directory.clock()
    return DirectoryCache(enabled=True, ttl_s=directory.settings.cache_ttl_s, entries=[
        DirectoryEntry(name=e.name, dn=e.dn, groups=list(e.groups), fetched_at=e.fetched_at,
                       expires_in_s=round(e.expires_at - now, 3)) for e in directory.cached()])


@router.get("/directory/cache", response_model=DirectoryCache)
def directory_cache(_: AdminDep, container: ContainerDep) -> DirectoryCache:
    """The groups this API process holds from the directory (services/auth/directory.py), per user."""
    return _directory_cache(container)


@router.delete("/directory/cache", response_model=DirectoryCache)
def forget_directory_cache(_: AdminDep, container: ContainerDep, user: str | None = None) -> DirectoryCache:
    """Drop one user's cached groups (?user=NAME) or all: their next request asks the directory."""
    if container.directory is not None:
        container.directory.forget(user)
    return _directory_cache(container)
