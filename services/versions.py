"""Document families for operators: what the last publish decided (per family, its versions and their status), the
stale-content report, and the overrides (mark a version current, split one off, merge several into one family),
shared by `perimeter versions` and the admin API. An override is kept in DATA_DIR/versions-overrides.json and takes
effect by publishing the search snapshot again (ingestion/pipeline.republish_versions: no re-embedding)."""
from __future__ import annotations

from datetime import date
from typing import Literal

import chromadb
from pydantic import BaseModel, Field

from ingestion.chunk import doc_id
from ingestion.index import open_client
from ingestion.keyword_index import current_versions
from ingestion.pipeline import republish_versions
from ingestion.version_stale import stale_report
from ingestion.versions import Overrides, VersionInfo
from services.settings import Settings

Action = Literal["current", "split", "merge"]


class DocumentVersion(BaseModel):
    doc_id: str
    source: str
    title: str
    status: str = Field(description="current, superseded, draft, expired or upcoming")
    label: str | None = None
    effective: str | None = None
    end: str | None = None
    superseded_by: str | None = Field(None, description="doc id of the version in force that replaces it")
    review_by: str | None = None
    why: str = Field("", description="how it joined its family: declared, name, content, operator")


class Family(BaseModel):
    family: str
    current: str | None = Field(None, description="doc id of the version in force, if any")
    documents: list[DocumentVersion]


class StaleDocument(BaseModel):
    reason: Literal["review_overdue", "family_old"]
    source_name: str
    folder: str
    doc_id: str
    title: str
    source: str
    since: str = Field(description="the review date passed, or the date of the family's newest version")


class StaleReport(BaseModel):
    today: str
    stale_months: int
    review_months: int
    documents: list[StaleDocument]
    by_folder: dict[str, int] = Field(description="stale documents per source folder")


class VersionOverride(BaseModel):
    action: Action = Field(description="current: the named document becomes its family's version in force; split: "
                                       "it stands alone; merge: the named documents (two or more) form one family")
    documents: list[str] = Field(min_length=1, max_length=50, description="each a doc id, a source path or URI, or "
                                                                          "a file name")


class UnknownDocument(LookupError):
    """An override names a document that is not indexed."""


def families(settings: Settings, *, multi_only: bool = False) -> list[Family]:
    versions = current_versions(settings.storage.data_dir, settings.storage.collection)
    grouped: dict[str, list[VersionInfo]] = {}
    for v in versions.values():
        grouped.setdefault(v.family, []).append(v)
    out = []
    for family, members in sorted(grouped.items(), key=lambda kv: min(m.source for m in kv[1])):
        if multi_only and len(members) < 2:
            continue
        members.sort(key=lambda m: (m.effective or "", m.label or "", m.source), reverse=True)
        out.append(Family(family=family, current=next((m.doc_id for m in members if m.status == "current"), None),
                          documents=[DocumentVersion(doc_id=m.doc_id, source=m.source, title=m.title, status=m.status,
                                                     label=m.label, effective=m.effective, end=m.end,
                                                     superseded_by=m.superseded_by, review_by=m.review_by, why=m.why)
                                     for m in members]))
    return out


def stale(settings: Settings, today: date | None = None) -> StaleReport:
    today = today or date.today()
    retrieval = settings.retrieval
    versions = current_versions(settings.storage.data_dir, settings.storage.collection)
    items = stale_report(versions, today=today, stale_months=retrieval.version_stale_months,
                         review_months=retrieval.version_review_months)
    by_folder: dict[str, int] = {}
    for item in items:
        by_folder[item.folder] = by_folder.get(item.folder, 0) + 1
    return StaleReport(today=today.isoformat(), stale_months=retrieval.version_stale_months,
                       review_months=retrieval.version_review_months,
                       documents=[StaleDocument(**vars(i)) for i in items], by_folder=by_folder)


def _resolve(reference: str, versions: dict[str, VersionInfo]) -> str:
    """A document's source from its doc id, source, or file name (unique)."""
    if reference in versions:
        return versions[reference].source
    by_source = {v.source: v for v in versions.values()}
    if reference in by_source:
        return reference
    if doc_id(reference) in versions:
        return versions[doc_id(reference)].source
    named = [v.source for v in versions.values() if v.source.rsplit("/", 1)[-1] == reference]
    if len(named) == 1:
        return named[0]
    why = "names several documents" if named else "is not an indexed document"
    raise UnknownDocument(f"'{reference}' {why} (give its doc id or full source)")


def refresh(settings: Settings, client: chromadb.ClientAPI | None = None) -> list[Family]:
    """Decide the families again (after editing a folder's .perimeter-versions.yaml: no file changed, so no sync
    publishes)."""
    client = client or open_client(settings.storage.chroma_dir, settings.storage.chroma_url)
    republish_versions(client, settings.storage.collection, settings.storage.data_dir)
    return families(settings)


def override(settings: Settings, change: VersionOverride, client: chromadb.ClientAPI | None = None) -> list[Family]:
    """Record the operator's decision, publish again (through `client`, the process's Chroma client, if given), and
    return the families it touched."""
    data_dir, collection = settings.storage.data_dir, settings.storage.collection
    versions = current_versions(data_dir, collection)
    sources = [_resolve(r, versions) for r in change.documents]
    if change.action == "merge" and len(set(sources)) < 2:
        raise UnknownDocument("merge needs two or more different documents")
    overrides = Overrides.load(data_dir)
    if change.action == "current":
        for source in sources:
            overrides.mark_current(source)
    elif change.action == "split":
        for source in sources:
            overrides.split_off(source)
    else:
        overrides.join(sources)
    overrides.save(data_dir)
    client = client or open_client(settings.storage.chroma_dir, settings.storage.chroma_url)
    republish_versions(client, collection, data_dir)
    touched = {doc_id(s) for s in sources}
    return [f for f in families(settings) if touched & {d.doc_id for d in f.documents}]
