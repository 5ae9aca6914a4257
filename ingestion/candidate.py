"""A candidate re-index: the plan applied to Chroma and the manifest as usual, and a new search snapshot written, but
the `current` pointer left where it was, so questions are still answered from the published snapshot while the
candidate is evaluated (services/quality/gate.py). Then either `publish` (the pointer moved, retired chunks purged,
exactly what a plain re-index does) or `discard`: the chunks and manifest records the plan touched are put back as
they were, so a refused change does not ride along with the next re-index of the collection.

In one process (`perimeter reindex --local --candidate`) `stage` does it all; a worker's candidate job takes the same
steps apart (services/worker/gate_tasks.py): `prepare` when the job is planned (its `Staging` kept in Redis as JSON),
the plan's batches applied by any worker, then `snapshot` once the last file is done."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

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
class Staging:
    """What a plan will touch, taken before it is applied: enough to put it all back."""

    collection: str
    before: dict[str, FileRecord | None] = field(default_factory=dict)  # uri → its manifest record before the plan
    published: set[str] = field(default_factory=set)  # chunk ids of the snapshot published before the plan

    def to_dict(self) -> dict[str, Any]:
        return {"collection": self.collection, "published": sorted(self.published),
                "before": {uri: asdict(r) if r is not None else None for uri, r in self.before.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Staging:
        return cls(data["collection"], {uri: FileRecord(**r) if r is not None else None
                                        for uri, r in data["before"].items()}, set(data["published"]))


@dataclass
class Candidate:
    collection: str
    version: str
    chunks: int
    report: IngestReport
    before: dict[str, FileRecord | None] = field(default_factory=dict)  # uri → its manifest record before the plan
    published: set[str] = field(default_factory=set)  # chunk ids of the snapshot published before the plan


def prepare(indexer: Indexer, plan: SyncPlan) -> Staging:
    """Before `plan` is applied: the manifest records of the files it touches and the published snapshot's chunks."""
    uris = {op.uri for op in plan.operations} | {op.moved_from for op in plan.operations if op.moved_from}
    before: dict[str, FileRecord | None] = {uri: indexer.manifest.by_source(uri) for uri in sorted(uris)}
    return Staging(indexer.collection.name, before, snapshot_ids(indexer.data_dir, indexer.collection.name))


def snapshot(indexer: Indexer, staging: Staging, report: IngestReport) -> Candidate:
    """After the plan was applied (unpublished): its search snapshot, written beside the published one."""
    version, count = build_snapshot(indexer.collection, indexer.data_dir)
    return Candidate(staging.collection, version, count, report, staging.before, staging.published)


def stage(indexer: Indexer, plan: SyncPlan, progress: Callable[[str, FileResult], None] | None = None) -> Candidate:
    """Apply `plan` and write its snapshot, unpublished."""
    staging = prepare(indexer, plan)
    report = run_plan(indexer, plan, progress, publish=False)
    return snapshot(indexer, staging, report)


def publish(indexer: Indexer, candidate: Candidate) -> int:
    """Make the candidate the published snapshot (what Indexer.publish does after a plain re-index)."""
    point_current(indexer.data_dir, candidate.collection, candidate.version)
    indexer.collection.delete(where={"retired": True})
    indexer.manifest.record_versions(current_versions(indexer.data_dir, candidate.collection))
    return candidate.chunks


def discard(indexer: Indexer, candidate: Candidate | Staging) -> None:
    """Undo the plan: chunks it added are deleted, chunks it retired that the published snapshot holds come back,
    the touched files' manifest records and chunk groups are restored; the candidate folder is removed. A `Staging`
    (a job cancelled before its snapshot was written) has no folder to remove."""
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
    version = getattr(candidate, "version", "")
    if version:  # never the collection's folder itself
        shutil.rmtree(keyword_dir(indexer.data_dir, candidate.collection) / version, ignore_errors=True)
