"""GET /v1/documents/{doc_id}: the original file behind a citation, only for a caller who may see that document.
A caller who may not see it gets the same 404 as for a document that does not exist."""
from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from retrieval.access import may_see
from services.answering import AskPipeline
from services.api.deps import PipelineDep, UserDep
from services.api.errors import ErrorBody

router = APIRouter(prefix="/v1", tags=["documents"])
NOT_FOUND = "no such document"


def find_document(pipeline: AskPipeline, doc_id: str, groups: list[str]) -> Path | None:
    """The local file of `doc_id` when one of its chunks is visible to `groups`; None otherwise."""
    if not doc_id.isalnum() or len(doc_id) > 64:
        return None
    records = pipeline.retriever.collection.get(where={"doc_id": doc_id}, include=["metadatas"])
    metadatas: list[Mapping[str, Any]] = records["metadatas"] or []  # read by our own schema
    for meta in metadatas:
        if meta and may_see(meta.get("groups") or [], groups):
            source = str(meta.get("source", ""))
            path = Path(source.removeprefix("file://"))
            if path.is_absolute() and path.is_file():
                return path
    return None


@router.get("/documents/{doc_id}", response_class=FileResponse, responses={
    200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
          "description": "the original file (text shown as text/plain, never rendered)"},
    404: {"model": ErrorBody, "description": "no such document, or not one this caller may see"}})
async def document(doc_id: str, pipeline: PipelineDep,
                   user: UserDep) -> FileResponse:
    path = await run_in_threadpool(find_document, pipeline, doc_id, user.groups)
    if path is None:
        raise HTTPException(404, NOT_FOUND)
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media.startswith("text/") or path.suffix.lower() in {".md", ".markdown"}:
        media = "text/plain; charset=utf-8"  # shown, never rendered as HTML in our origin
    return FileResponse(path, media_type=media, filename=path.name, content_disposition_type="inline",
                        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})
