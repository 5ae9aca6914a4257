"""The file manifest: one record per indexed file, in a small companion collection beside the chunks.

It is the switch that makes a re-index atomic for readers. A file's chunks are only answerable while the manifest names
their file version (`file_sha256`) and carries the groups that may see them. Writing new chunks, flipping the one
manifest record, then deleting the old chunks leaves no moment where both versions, or neither, can be answered.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import chromadb
from chromadb.api.types import Where

from ingestion.chunk import doc_id
from ingestion.index import as_embeddings, get_all, included
from ingestion.versions import VersionInfo

_DUMMY_VECTOR = [0.0]  # Chroma stores a vector with every record; the manifest is looked up by id only


@dataclass
class FileRecord:
    source: str  # the file's URI/path, as stored in its chunks' `source`
    file_sha256: str
    groups: list[str]
    source_name: str = ""
    chunk_ids: list[str] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return doc_id(self.source)

    def to_metadata(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file_sha256": self.file_sha256,
            "groups": self.groups,
            "source_name": self.source_name,
            "chunks": len(self.chunk_ids),
        }


def manifest_name(collection: str) -> str:
    return f"{collection}-files"


class FileManifest:
    def __init__(self, client: chromadb.ClientAPI, collection: str):
        self._collection = client.get_or_create_collection(
            manifest_name(collection), metadata={"perimeter": "file manifest"}, embedding_function=None
        )

    def put(self, record: FileRecord) -> None:
        self.put_many([record])

    def put_many(self, records: list[FileRecord]) -> None:
        if records:
            self._collection.upsert(
                ids=[r.doc_id for r in records],
                embeddings=as_embeddings([_DUMMY_VECTOR] * len(records)),
                metadatas=[r.to_metadata() for r in records],
                documents=["\n".join(r.chunk_ids) for r in records],
            )

    def remove(self, source: str) -> None:
        self._collection.delete(ids=[doc_id(source)])

    def get(self, doc_ids: list[str]) -> dict[str, FileRecord]:
        """Records by doc id (missing ids are simply absent)."""
        if not doc_ids:
            return {}
        found = self._collection.get(ids=sorted(set(doc_ids)), include=["metadatas", "documents"])
        metadatas, documents = included(found["metadatas"]), included(found["documents"])
        return {i: _record(m, d) for i, m, d in zip(found["ids"], metadatas, documents, strict=True)}

    def by_source(self, source: str) -> FileRecord | None:
        return self.get([doc_id(source)]).get(doc_id(source))

    def record_versions(self, versions: Mapping[str, VersionInfo]) -> None:
        """Each file's family and status as the last publish decided them, beside its record (Chroma's update merges
        these keys into the record's metadata; a record rewritten by a sync gets them back at the next publish)."""
        known = set(self._collection.get(ids=sorted(versions), include=[])["ids"]) if versions else set()
        ids = sorted(i for i in versions if i in known)
        if ids:
            self._collection.update(ids=ids, metadatas=[_version_metadata(versions[i]) for i in ids])

    def all(self, source_name: str | None = None) -> dict[str, FileRecord]:
        """Every record (of one configured source, if named), keyed by the file's source path."""
        where: Where | None = {"source_name": source_name} if source_name is not None else None
        found = get_all(self._collection, include=["metadatas", "documents"], where=where)
        return {m["source"]: _record(m, d) for m, d in zip(found["metadatas"], found["documents"], strict=True)}


def _version_metadata(info: VersionInfo) -> dict[str, Any]:
    values = {"family": info.family, "version_status": info.status, "version_label": info.label,
              "effective": info.effective, "end": info.end, "superseded_by": info.superseded_by}
    return {k: "" if v is None else v for k, v in values.items()}  # "": cleared (a current one supersedes nothing)


def _record(meta: Mapping[str, Any], chunk_ids: str | None) -> FileRecord:
    return FileRecord(
        source=meta["source"],
        file_sha256=meta["file_sha256"],
        groups=list(meta.get("groups") or []),
        source_name=meta.get("source_name", ""),
        chunk_ids=[c for c in (chunk_ids or "").split("\n") if c],
    )
