"""A candidate re-index: the plan applied to Chroma and the manifest as usual, and a new search snapshot written, but
the `current` pointer left where it was, so questions are still answered from the published snapshot while the
candidate is evaluated (services/quality/gate.py). Then either `publish` (the pointer moved, retired chunks purged,
exactly what a plain re-index does) or `discard`: the chunks and manifest records the plan touched are put back as
they were, so a refused change does not ride along with the next re-index of the collection."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field

from ingestion.documents import FileResult, IngestReport
from ingestion.index import get_all
from ingestion.keyword_index import (
    NOT_TRUE,
    build_snapshot,
    current_versions,
    keyword_dir,
    point_current,
    snapshot_ids,
)
from ingestion.manifest import FileRecord
from ingestion.pipeline import Indexer, run_plan
from ingestion.sync import SyncPlan


@dataclass
class Candidate:
    collection: str
    version: str
    chunks: int
    report: IngestReport
    before: dict[str, FileRecord | None] = field(default_factory=dict)  # uri → its manifest record before the plan
    published: set[str] = field(default_factory=set)  # chunk ids of the snapshot published before the plan


def stage(indexer: Indexer, plan: SyncPlan, progress: Callable[[str, FileResult], None] | None = None) -> Candidate:
    """Apply `plan` and write its snapshot, unpublished."""
    uris = {op.uri for op in plan.operations} | {op.moved_from for op in plan.operations if op.moved_from}
    before: dict[str, FileRecord | None] = {uri: indexer.manifest.by_source(uri) for uri in sorted(uris)}
    published = snapshot_ids(indexer.data_dir, indexer.collection.name)
    report = run_plan(indexer, plan, progress, publish=False)
    version, count = build_snapshot(indexer.collection, indexer.data_dir)
    return Candidate(indexer.collection.name, version, count, report, before, published)


def publish(indexer: Indexer, candidate: Candidate) -> int:
    """Make the candidate the published snapshot (what Indexer.publish does after a plain re-index)."""
    point_current(indexer.data_dir, candidate.collection, candidate.version)
    indexer.collection.delete(where={"retired": True})
    indexer.manifest.record_versions(current_versions(indexer.data_dir, candidate.collection))
    return candidate.chunks


def discard(indexer: Indexer, candidate: Candidate) -> None:
    """Undo the plan: chunks it added are deleted, chunks it retired that the published snapshot holds come back,
    the touched files' manifest records and chunk groups are restored; the candidate folder is removed."""
    collection = indexer.collection
    live = set(get_all(collection, include=[], where={"retired": NOT_TRUE})["ids"])
    added = sorted(live - candidate.published)
    if added:
        collection.delete(ids=added)
    retired = set(get_all(collection, include=[], where={"retired": True})["ids"])
    back = sorted(retired & candidate.published)
    if back:
        collection.update(ids=back, metadatas=[{"retired": False}] * len(back))
    for uri, record in candidate.before.items():
        if record is None:
            if indexer.manifest.by_source(uri) is not None:
                indexer.manifest.remove(uri)
            continue
        indexer.manifest.put(record)
        kept = collection.get(ids=list(record.chunk_ids), include=[])["ids"] if record.chunk_ids else []
        if kept:  # a regroup changed the chunks' groups in place
            collection.update(ids=kept, metadatas=[{"groups": list(record.groups)}] * len(kept))
    shutil.rmtree(keyword_dir(indexer.data_dir, candidate.collection) / candidate.version, ignore_errors=True)
