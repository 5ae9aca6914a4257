"""The analytics page's API (services/web/static/analytics.html): what people asked and how it went, and the
unanswered-questions queue per document owner. Admins and analysts only; question texts (and, if allowed, askers)
only for analysts (services/quality/access.py). Computed from the audit log and the feedback file, taken into the
aggregates store at each request (services/quality/store.py)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from services.api.deps import ContainerDep
from services.api.quality_access import ReaderDep, analytics_reader
from services.container import Container
from services.feedback_log import feedback_path
from services.identity import User
from services.observability.audit import audit_path
from services.quality.access import is_analyst, shows_users
from services.quality.schemas import Analytics, Filters
from services.quality.unanswered import OwnerQueue

DAY = r"^\d{4}-\d{2}-\d{2}$"


router = APIRouter(prefix="/v1/admin/analytics", tags=["analytics"], dependencies=[Depends(analytics_reader)])


def filters(since: Annotated[str | None, Query(pattern=DAY)] = None,
            until: Annotated[str | None, Query(pattern=DAY)] = None,
            collection: Annotated[str | None, Query(max_length=200)] = None) -> Filters:
    return Filters(since=since, until=until, collection=collection)


FiltersDep = Annotated[Filters, Depends(filters)]


def _refreshed(container: Container):
    store = container.aggregate_store
    store.refresh(audit_path(container.settings), feedback_path(container.settings))
    return store


def _embed(container: Container):
    return container.retriever.embedder.embed_documents  # the one the retriever already loaded


def _report(container: Container, chosen: Filters, user: User) -> Analytics:
    from services.quality.analytics import analytics
    from services.quality.unanswered import indexed_documents

    settings = container.settings
    collection = chosen.collection or settings.storage.collection
    documents = [(d, uri) for d, (uri, _) in indexed_documents(container.index_client, collection).items()]
    return analytics(_refreshed(container), chosen, documents, _embed(container),
                     threshold=settings.quality.question_group_similarity,
                     texts=is_analyst(user, settings.quality), users=shows_users(user, settings.quality))


@router.get("", response_model=Analytics)
async def report(who: ReaderDep, container: ContainerDep, chosen: FiltersDep) -> Analytics:
    return await run_in_threadpool(_report, container, chosen, who)


def _queue(container: Container, chosen: Filters, user: User) -> list[OwnerQueue]:
    from services.components import load_sources
    from services.quality.analytics import unanswered
    from services.quality.unanswered import nearest_documents, owners_of, queue

    settings = container.settings
    asked = unanswered(_refreshed(container), chosen)
    if chosen.collection in (None, settings.storage.collection):
        nearest_documents(asked, container.retriever.search)
    try:
        source_owners = {s.name: s.owner for s in load_sources(settings)}
    except ValueError:  # an unreadable sources file: documents' own owners still count
        source_owners = {}
    owners = owners_of(container.index_client, chosen.collection or settings.storage.collection,
                       {d for a in asked for d in a.doc_ids}, source_owners)
    return queue(asked, owners, _embed(container), settings.quality.question_group_similarity,
                 texts=is_analyst(user, settings.quality), users=shows_users(user, settings.quality))


@router.get("/unanswered", response_model=list[OwnerQueue])
async def unanswered_queue(who: ReaderDep, container: ContainerDep, chosen: FiltersDep) -> list[OwnerQueue]:
    """Not-found and 👎 questions, grouped, per owner of the documents nearest to them."""
    return await run_in_threadpool(_queue, container, chosen, who)
