"""Document families and stale content, for admins: list families, override a decision (mark current, split, merge),
and the stale-content report per source folder (services/versions.py does the work; the CLI shares it)."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from services.api.deps import AdminDep, ContainerDep, SettingsDep, require_admin
from services.api.errors import ErrorBody
from services.api.unicode import valid_unicode_body
from services.versions import Family, StaleReport, VersionOverride, families, override, stale

router = APIRouter(prefix="/v1/admin/versions", tags=["admin"],
                   dependencies=[Depends(require_admin), Depends(valid_unicode_body)])


@router.get("", response_model=list[Family])
def list_families(_: AdminDep, settings: SettingsDep, single: bool = False) -> list[Family]:
    """Families of two or more versions (`single=true`: documents alone in theirs too)."""
    return families(settings, multi_only=not single)


# A document that is not indexed: UnknownDocument, a 404 (services/api/errors.py).
@router.post("", response_model=list[Family], responses={404: {"model": ErrorBody}})
async def change(body: VersionOverride, _: AdminDep, settings: SettingsDep, container: ContainerDep) -> list[Family]:
    return await run_in_threadpool(override, settings, body, container.index_client)


@router.get("/stale", response_model=StaleReport)
def stale_content(_: AdminDep, settings: SettingsDep) -> StaleReport:
    return stale(settings)
