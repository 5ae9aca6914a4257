"""Applies sync operations to one collection: partition → chunk → embed → Chroma, with the file manifest as the
switch that makes each change atomic for readers, then the keyword index. Each file fails alone."""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

import chromadb
from chromadb.api.types import Metadata

from ingestion.chunk import chunk_file, chunk_id, doc_id, embedding_text, make_splitter
from ingestion.connectors.base import SourceItem
from ingestion.connectors.folder import source_uri
from ingestion.cpu import usable_cores
from ingestion.documents import Chunk, Document, FileResult, FileStatus, IngestReport
from ingestion.embedder import Embedder
from ingestion.index import TRANSIENT_ERRORS, as_embeddings, included, open_collection
from ingestion.keyword_index import build_keyword_index, current_is_older, current_versions
from ingestion.limits import time_limit
from ingestion.manifest import FileManifest, FileRecord
from ingestion.partition import SUPPORTED_SUFFIXES, PartitionError, partition_file
from ingestion.settings import IngestionSettings
from ingestion.sync import DELETE, MOVE, REGROUP, SKIP, Operation, SyncPlan, plan_sync
from ingestion.version_sources import declared_metadata

log = logging.getLogger(__name__)
T = TypeVar("T")


def discover_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given paths, sorted, hidden files and unsupported types skipped; symlink loops are not
    followed."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                        yield Path(root) / name
        else:
            yield path


def _isolated(uri: str, step: Callable[[], T]) -> T | FileResult:
    """Run one file's step; its failure becomes that file's result. Transient index errors propagate (to be retried)."""
    try:
        return step()
    except PartitionError as exc:
        return FileResult(uri, FileStatus.FAILED, reason=str(exc))
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        log.exception("ingesting %s failed", uri)
        return FileResult(uri, FileStatus.FAILED, reason=f"{type(exc).__name__}: {exc}")


@dataclass
class _Pending:
    """A document read and chunked, waiting for the vectors of its new chunks."""

    doc: Document
    groups: list[str]
    record: FileRecord | None
    chunks: list[Chunk]
    new: list[Chunk]


# A group of pending files (with their places in the batch) and the vectors of their new chunks, being computed.
_Flight = tuple[list[tuple[int, _Pending]], Future[list[list[float]]]]


class _InPlace:
    """The executor's face for encoding in this thread, at `submit`: a failure is kept in the future, as a thread's
    would be, so the group's files still fail alone."""

    def __enter__(self) -> _InPlace:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future, as a thread does
            future.set_exception(exc)
        return future


class Indexer:
    """Writes one collection: chunks (with their embeddings) and the file manifest that makes them answerable."""

    def __init__(self, client: chromadb.ClientAPI, collection_name: str, embedder: Embedder, *, data_dir: Path,
                 settings: IngestionSettings, source_name: str = "", embed_group: int = 64,
                 overlap: bool | None = None):
        self.client = client
        self.data_dir = data_dir
        self.collection = open_collection(client, collection_name, embedder.model_id, embedder.dimension)
        self.manifest = FileManifest(client, collection_name)
        self.embedder = embedder
        # sized in the embedding model's own tokens, so a Chinese chunk fills the model's window as an English one
        self.splitter = make_splitter(settings.chunk_tokens, settings.chunk_overlap_tokens, embedder.count_tokens)
        self.max_bytes = settings.max_bytes
        self.source_name = source_name
        self.file_time_limit_s = settings.file_time_limit_s
        self.read_options = settings.read_options()
        self.embed_group = embed_group  # new chunks embedded together (while the next files are read, with overlap)
        # Reading the next files beside the model pays only with a core to spare: where the model already keeps every
        # core busy the two took turns on the cores and ran slower than one after the other (2 cores, 1,313 SciFact
        # chunks: 43.2 s side by side, 40.9 s in turn). A GPU model leaves every core spare.
        self.overlap = embedder.busy_cores() < usable_cores() if overlap is None else overlap
        self.embed_headings = settings.embed_headings

    def embedding_text(self, chunk: Chunk) -> str:
        """What is embedded for a chunk: its document's title (a mail attachment's own) and text, with its heading
        path in between when configured."""
        path = str(chunk.metadata.get("heading_path") or "") if self.embed_headings else ""
        return embedding_text(str(chunk.metadata.get("title") or ""), chunk.text, path)

    def apply(self, op: Operation) -> FileResult:
        """Carry out one operation. Idempotent: applying it again (a redelivered task) changes nothing more."""
        return self.apply_many([op])[0]

    def apply_many(self, ops: list[Operation], on_result: Callable[[FileResult], None] | None = None
                   ) -> list[FileResult]:
        """Carry out several operations, embedding their new chunks in groups of about `embed_group` chunks (small
        files embedded one by one would run the model at half speed). With `overlap` the model encodes one group
        in a thread while this thread reads the next files (reading stays here because the per-file time limit
        needs the main thread's signals); without, one after the other. Each file still fails alone; `on_result`
        hears of each file."""
        results: dict[int, FileResult] = {}
        group: list[tuple[int, _Pending]] = []
        in_flight: _Flight | None = None

        def done(n: int, result: FileResult) -> None:
            results[n] = result
            if on_result:
                on_result(result)

        def finish(flight: _Flight) -> None:
            members, future = flight
            vectors = _isolated("batch", future.result)
            if isinstance(vectors, FileResult):  # the model failed on the group: each of its files fails with it
                for n, p in members:
                    done(n, FileResult(p.doc.source, FileStatus.FAILED, reason=f"embedding failed: {vectors.reason}"))
                return
            for (n, _), result in zip(members, self._commit([p for _, p in members], vectors), strict=True):
                done(n, result)

        def launch(members: list[tuple[int, _Pending]], flight: _Flight | None) -> _Flight:
            texts = [self.embedding_text(c) for _, p in members for c in p.new]
            if flight and not self.overlap:
                finish(flight)  # its vectors are ready: stored (and reported) before the next encode
                flight = None
            future = encoder.submit(self.embedder.embed_documents, texts)  # queued behind the group in flight
            if flight:
                finish(flight)  # the previous group is stored while the model works on this one
            return members, future

        records = self.manifest.get([doc_id(op.uri) for op in ops])
        with ThreadPoolExecutor(1, thread_name_prefix="embed") if self.overlap else _InPlace() as encoder:
            for position, op in enumerate(ops):
                outcome = _isolated(op.uri, partial(self._start, op, records.get(doc_id(op.uri))))
                if isinstance(outcome, FileResult):
                    done(position, outcome)
                    continue
                group.append((position, outcome))
                if sum(len(p.new) for _, p in group) >= self.embed_group:
                    in_flight, group = launch(group, in_flight), []
            if group:
                in_flight = launch(group, in_flight)
            if in_flight:
                finish(in_flight)
        return [results[n] for n in range(len(ops))]

    def _start(self, op: Operation, record: FileRecord | None) -> FileResult | _Pending:
        if op.kind == DELETE:
            return self._delete(op.uri)
        if op.kind == SKIP and record:
            return FileResult(op.uri, FileStatus.UNCHANGED, chunks_unchanged=len(record.chunk_ids))
        if op.kind == REGROUP and record:
            return self._regroup(record, list(op.groups))
        if op.kind == MOVE and record is None and op.moved_from:
            moved = self._move(op, op.moved_from)
            if moved:
                return moved
        if op.path is None:  # only a DELETE comes without a local file
            raise PartitionError(f"no local file to read for {op.uri}")
        with time_limit(self.file_time_limit_s):
            doc = partition_file(Path(op.path), max_bytes=self.max_bytes, source=op.uri, options=self.read_options)
            return self._prepare(doc, list(op.groups), record, op.location)

    def index_document(self, doc: Document, groups: list[str], record: FileRecord | None = None) -> FileResult:
        """Chunk, embed and store an already-read document (its `source` is its uri); the benchmark enters here."""
        prepared = self._prepare(doc, groups, record)
        if isinstance(prepared, FileResult):
            return prepared
        vectors = self.embedder.embed_documents([self.embedding_text(c) for c in prepared.new])
        return self._commit([prepared], vectors)[0]

    def _prepare(self, doc: Document, groups: list[str], record: FileRecord | None,
                 location: str | None = None) -> FileResult | _Pending:
        if record and record.file_sha256 == doc.sha256 and sorted(record.groups) == sorted(groups):
            return FileResult(doc.source, FileStatus.UNCHANGED, chunks_unchanged=len(record.chunk_ids))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        base = {"groups": groups, "ingested_at": now, "source_name": self.source_name,
                **({"location": location} if location else {})}
        chunks = chunk_file(doc, self.splitter, base, lambda d: declared_metadata(d.declared))
        old_ids = set(record.chunk_ids) if record else set()
        return _Pending(doc, groups, record, chunks, [c for c in chunks if c.id not in old_ids])

    def _commit(self, pending: list[_Pending], vectors: list[list[float]]) -> list[FileResult]:
        """Write a batch with a handful of calls: all new chunks, then all manifest records, then the old chunks
        retired and the kept ones re-labelled. Searches switch to the new versions when the snapshot is published."""
        new = [c for p in pending for c in p.new]
        if new:
            self.collection.upsert(ids=[c.id for c in new], embeddings=as_embeddings(vectors),
                                   documents=[c.text for c in new],
                                   metadatas=[c.metadata for c in new])
        self.manifest.put_many([FileRecord(p.doc.source, p.doc.sha256, p.groups, self.source_name,
                                           [c.id for c in p.chunks]) for p in pending])
        results, stale, kept = [], [], []
        for p in pending:
            old_ids = set(p.record.chunk_ids) if p.record else set()
            file_stale = sorted(old_ids - {c.id for c in p.chunks})
            file_kept = [c for c in p.chunks if c.id in old_ids]
            stale += file_stale
            kept += file_kept
            status = FileStatus.UPDATED if p.record else FileStatus.ADDED
            results.append(FileResult(p.doc.source, status, chunks_added=len(p.new),
                                      chunks_removed=len(file_stale), chunks_unchanged=len(file_kept),
                                      notes=list(p.doc.notes), ocr_pages=p.doc.ocr_pages))
        self._retire(stale)
        if kept:
            self.collection.update(ids=[c.id for c in kept], metadatas=[c.metadata for c in kept])
        return results

    def _regroup(self, record: FileRecord, groups: list[str]) -> FileResult:
        # Manifest first: a narrowed rule holds at once; the chunks' own groups (the index pre-filter) follow.
        self.manifest.put(FileRecord(record.source, record.file_sha256, groups, self.source_name, record.chunk_ids))
        if record.chunk_ids:
            metas = self.collection.get(ids=record.chunk_ids, include=["metadatas"])
            self.collection.update(ids=metas["ids"],
                                   metadatas=[{**m, "groups": list(groups)} for m in included(metas["metadatas"])])
        return FileResult(record.source, FileStatus.UPDATED, chunks_updated=len(record.chunk_ids))

    def _move(self, op: Operation, moved_from: str) -> FileResult | None:
        """Same content at a new place: re-use the stored chunks and vectors under the new uri, no re-embedding."""
        old = self.manifest.by_source(moved_from)
        if old is None or old.file_sha256 != op.sha256 or not old.chunk_ids:
            return None
        got = self.collection.get(ids=old.chunk_ids, include=["embeddings", "documents", "metadatas"])
        stored_texts, stored_vectors, stored_metas = got["documents"], got["embeddings"], got["metadatas"]
        if stored_texts is None or stored_vectors is None or stored_metas is None:  # never: each was asked for
            return None
        if len(got["ids"]) != len(old.chunk_ids):
            return None
        order = {cid: n for n, cid in enumerate(got["ids"])}
        ids: list[str] = []
        vectors: list[list[float]] = []
        texts: list[str] = []
        metas: list[Metadata] = []
        for position, old_id in enumerate(old.chunk_ids):
            n = order[old_id]
            text, meta = stored_texts[n], stored_metas[n]
            # A mail's attachment moves with its mail: the mail's part of its source is replaced, its own kept.
            parent = str(meta.get("parent_source") or "")
            source = op.uri + str(meta.get("source") or "")[len(parent):] if parent else op.uri
            stored_position = meta.get("position")
            own = stored_position if parent and isinstance(stored_position, int) else position
            ids.append(chunk_id(source, own, text))
            vectors.append(list(stored_vectors[n]))
            texts.append(text)
            metas.append({**meta, "source": source, "groups": list(op.groups),
                          "source_name": self.source_name, "doc_id": doc_id(source),
                          **({"parent_source": op.uri, "parent_doc_id": doc_id(op.uri)} if parent else {}),
                          **({"location": op.location} if op.location else {})})
        self.collection.upsert(ids=ids, embeddings=as_embeddings(vectors), documents=texts, metadatas=metas)
        self.manifest.put(FileRecord(op.uri, old.file_sha256, list(op.groups), self.source_name, ids))
        self.manifest.remove(old.source)
        self._retire(old.chunk_ids)
        return FileResult(op.uri, FileStatus.MOVED, chunks_updated=len(ids), reason=f"moved from {old.source}")

    def _delete(self, uri: str) -> FileResult:
        record = self.manifest.by_source(uri)
        self.manifest.remove(uri)
        ids = set(record.chunk_ids) if record else set()
        ids |= set(self.collection.get(where={"source": uri}, include=[])["ids"])
        ids |= set(self.collection.get(where={"parent_source": uri}, include=[])["ids"])  # a mail's attachments
        self._retire(sorted(ids))
        return FileResult(uri, FileStatus.DELETED, chunks_removed=len(ids))

    def _retire(self, ids: list[str]) -> None:
        """Old chunks stay readable until the next search snapshot is published without them (then purged), so a
        search sees either the old version of a file or the new one, never both and never neither."""
        if ids:
            self.collection.update(ids=list(ids), metadatas=[{"retired": True}] * len(ids))

    def publish(self) -> int:
        """Publish the search snapshot (BM25 + vectors) of the live chunks, then purge the retired ones."""
        count = build_keyword_index(self.collection, self.data_dir)
        self.collection.delete(where={"retired": True})
        self.manifest.record_versions(current_versions(self.data_dir, self.collection.name))
        return count


def run_plan(indexer: Indexer, plan: SyncPlan, progress: Callable[[str, FileResult], None] | None = None,
             batch_files: int = 16, publish: bool = True) -> IngestReport:
    """Apply a whole plan in this process (the CLI; the worker spreads the same batches over tasks). `publish=False`:
    leave publishing to the caller (a candidate re-index, ingestion/candidate.py)."""
    start = time.perf_counter()
    report = IngestReport(collection=indexer.collection.name)

    def record(result: FileResult) -> None:
        report.files.append(result)
        if progress:
            progress(result.source, result)

    for uri, reason in plan.errors.items():
        record(FileResult(uri, FileStatus.FAILED, reason=reason))
    for batch in batches(plan.operations, batch_files):
        indexer.apply_many(batch, on_result=record)
    changed = any(f.status not in (FileStatus.UNCHANGED, FileStatus.FAILED) for f in report.files)
    if publish and (changed or current_is_older(indexer.data_dir, indexer.collection.name)):
        indexer.publish()
    report.seconds = time.perf_counter() - start
    return report


def batches(operations: list[Operation], size: int) -> list[list[Operation]]:
    """Cheap operations (skip, delete, regroup) travel in any batch; each batch holds at most `size` operations."""
    return [operations[i : i + size] for i in range(0, len(operations), max(1, size))]


def plan_paths(indexer: Indexer, paths: Iterable[Path], groups: list[str], *,
               keep_known_groups: bool = False) -> SyncPlan:
    """Plan for explicitly named files/folders: add or replace, never delete what was not named. With
    `keep_known_groups` (no groups were named), files already indexed keep their groups and only new files get
    `groups`: re-ingesting an edited HR file must not make it readable by everyone."""
    files = list(discover_files(paths))
    known = indexer.manifest.get([doc_id(source_uri(p)) for p in files])
    indexed = {r.source: r for r in known.values()}
    items = [SourceItem(uri=source_uri(p), path=p, groups=tuple(
        indexed[source_uri(p)].groups if keep_known_groups and source_uri(p) in indexed else groups)) for p in files]
    plan = plan_sync(items, indexed)
    for item in items:  # a named file that is missing gets a clear reason, not silence
        if item.uri in plan.errors and not item.path.exists():
            plan.errors[item.uri] = "file not found"
    return plan


def republish_versions(client: chromadb.ClientAPI, collection_name: str, data_dir: Path) -> int:
    """Publish the search snapshot again, unchanged chunks and all, so that families are re-decided with the
    operator's overrides as they now stand (no embedding model needed); and record them in the manifest."""
    collection = client.get_collection(collection_name)
    count = build_keyword_index(collection, data_dir)
    FileManifest(client, collection_name).record_versions(current_versions(data_dir, collection_name))
    return count
