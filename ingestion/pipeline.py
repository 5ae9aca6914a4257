"""One ingest run: files → partition → chunk → embed → Chroma, then the keyword index. Each file fails alone."""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from ingestion.chunk import chunk_document, make_splitter
from ingestion.documents import FileResult, IngestReport
from ingestion.embedder import Embedder
from ingestion.index import open_client, open_collection
from ingestion.keyword_index import build_keyword_index
from ingestion.partition import SUPPORTED_SUFFIXES, PartitionError, partition_file

log = logging.getLogger(__name__)


def discover_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given paths, sorted, hidden files and unsupported types skipped; symlink loops are not followed."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                        yield Path(root) / name
        else:
            yield path


def ingest_file(path: Path, collection, embedder: Embedder, splitter, groups: list[str], max_bytes: int) -> FileResult:
    source = str(path.resolve())
    existing = collection.get(where={"source": source}, include=["metadatas"])
    existing_ids = set(existing["ids"])
    doc = partition_file(path, max_bytes=max_bytes)
    old_meta = existing["metadatas"] or []
    if existing_ids and all(m.get("file_sha256") == doc.sha256 for m in old_meta):
        if all(sorted(m.get("groups") or []) == sorted(groups) for m in old_meta):
            return FileResult(source, "unchanged", chunks_unchanged=len(existing_ids))
        # Same content, new access rules: update the metadata in place, no re-embedding.
        collection.update(ids=existing["ids"], metadatas=[{**m, "groups": groups} for m in old_meta])
        return FileResult(source, "updated", chunks_unchanged=len(existing_ids))

    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    chunks = chunk_document(doc, splitter, {"groups": groups, "ingested_at": now})
    new = [c for c in chunks if c.id not in existing_ids]
    stale = existing_ids - {c.id for c in chunks}
    if new:
        # Embed the title with the text: a chunk deep in a document still says what document it is from.
        vectors = embedder.embed_documents([f"{doc.title}\n{c.text}" for c in new])
        collection.upsert(
            ids=[c.id for c in new],
            embeddings=vectors,
            documents=[c.text for c in new],
            metadatas=[c.metadata for c in new],
        )
    if stale:
        collection.delete(ids=sorted(stale))
    unchanged = len(chunks) - len(new)
    if unchanged and new:
        # Kept chunks must carry this version's file hash and groups, or the file would look changed forever.
        kept = [c for c in chunks if c.id in existing_ids]
        collection.update(ids=[c.id for c in kept], metadatas=[c.metadata for c in kept])
    status = "added" if not existing_ids else "updated"
    return FileResult(source, status, chunks_added=len(new), chunks_removed=len(stale), chunks_unchanged=unchanged)


def ingest_paths(
    paths: Iterable[Path],
    *,
    chroma_dir: Path,
    data_dir: Path,
    collection_name: str,
    embedder: Embedder,
    groups: list[str],
    chunk_tokens: int,
    overlap_tokens: int,
    max_bytes: int,
    progress: Callable[[Path, FileResult], None] | None = None,
) -> IngestReport:
    start = time.perf_counter()
    collection = open_collection(open_client(chroma_dir), collection_name, embedder.model_id, embedder.dimension)
    splitter = make_splitter(chunk_tokens, overlap_tokens)
    report = IngestReport(collection=collection_name)
    for path in discover_files(paths):
        try:
            result = ingest_file(path, collection, embedder, splitter, groups, max_bytes)
        except PartitionError as exc:
            result = FileResult(str(path), "failed", reason=str(exc))
        except Exception as exc:  # one bad file must never stop the run
            log.exception("ingesting %s failed", path)
            result = FileResult(str(path), "failed", reason=f"{type(exc).__name__}: {exc}")
        report.files.append(result)
        if progress:
            progress(path, result)
    if any(f.chunks_added or f.chunks_removed or f.status == "updated" for f in report.files) or not (
        (data_dir / "keyword" / collection_name / "current").exists()
    ):
        build_keyword_index(collection, data_dir)
    report.seconds = time.perf_counter() - start
    return report
