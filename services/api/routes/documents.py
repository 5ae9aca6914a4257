"""GET /v1/documents/{doc_id}: the original file behind a citation, only for a caller who may see that document; for a
document a connector brought in (a file share, a mailbox, an intranet site: no file of ours on disk) the text that was
indexed, with where the original lives. GET /v1/documents/{doc_id}/preview: what the web page's preview shows of it (the
extracted text of the cited page or section, and whether the browser can draw the file itself: PDFs). A caller who may
not see the document gets the same 404 as for a document that does not exist, at both."""
from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from services.answering import AskPipeline
from services.api.deps import PipelineDep, UserDep
from services.api.errors import ErrorBody

router = APIRouter(prefix="/v1", tags=["documents"])
NOT_FOUND = "no such document"


def find_document(pipeline: AskPipeline, doc_id: str, groups: list[str]) -> Path | None:
    """The local file of `doc_id` when one of its chunks is visible to `groups`; None otherwise. A mail's
    attachment has no file of its own: its mail's file is the original."""
    for meta, _ in _visible_rows(pipeline, doc_id, groups, with_text=False):
        source = str(meta.get("parent_source") or meta.get("source", ""))
        path = Path(source.removeprefix("file://"))
        if path.is_absolute() and path.is_file():
            return path
    return None


@router.get("/documents/{doc_id}", response_class=FileResponse, responses={
    200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
          "description": "the original file (text shown as text/plain, never rendered); for a connector's document "
                         "(share, mailbox, site) the indexed text as text/plain, headed by where the original is"},
    404: {"model": ErrorBody, "description": "no such document, or not one this caller may see"}})
async def document(doc_id: str, pipeline: PipelineDep,
                   user: UserDep) -> Response:
    path = await run_in_threadpool(find_document, pipeline, doc_id, user.groups)
    if path is None:
        indexed = await run_in_threadpool(indexed_text, pipeline, doc_id, user.groups)
        if indexed is None:
            raise HTTPException(404, NOT_FOUND)
        name, text = indexed
        return Response(text, media_type="text/plain; charset=utf-8", headers={
            "Content-Disposition": f"inline; filename*=utf-8''{quote(name)}", **SAFE_HEADERS})
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media.startswith("text/") or path.suffix.lower() in {".md", ".markdown"}:
        media = "text/plain; charset=utf-8"  # shown, never rendered as HTML in our origin
    return FileResponse(path, media_type=media, filename=path.name, content_disposition_type="inline",
                        headers=SAFE_HEADERS)


SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
REMOTE_URI = re.compile(r"^(?!file://)[a-z][a-z0-9+.-]*://", re.IGNORECASE)  # smb://, imap://, https://: a connector's


def _visible_rows(pipeline: AskPipeline, doc_id: str, groups: list[str], with_text: bool = True
                  ) -> list[tuple[Mapping[str, Any], str]]:
    """The chunks of `doc_id` that `groups` may see, with their text (unless not `with_text`), in document order;
    none for a malformed id."""
    if not doc_id.isalnum() or len(doc_id) > 64:
        return []
    return pipeline.retriever.document_chunks(doc_id, groups, with_text=with_text)


def text_name(title: str, doc_id: str) -> str:
    """The download's file name: the title in plain characters, as .txt (it is the indexed text, not the original)."""
    stem = re.sub(r"[^\w .,()-]+", "_", title).strip(" ._")[:100]
    return f"{stem or doc_id}.txt"


def indexed_text(pipeline: AskPipeline, doc_id: str, groups: list[str]) -> tuple[str, str] | None:
    """(file name, text) for a connector's document `groups` may see: its indexed text, headed by its title and where
    the original is (share path, mail subject and date, page URL). None for anything else, a local file that is gone
    included (its original would be the file itself, not a copy of our text)."""
    rows = _visible_rows(pipeline, doc_id, groups)
    if not rows or not REMOTE_URI.match(str(rows[0][0].get("source", ""))):
        return None
    first = rows[0][0]
    title = str(first.get("title") or doc_id)
    where = str(first.get("location") or first.get("source"))
    return text_name(title, doc_id), f"{title}\n{where}\n\n{_join([t for _, t in rows])}\n"


class DocumentPreview(BaseModel):
    doc_id: str
    title: str
    kind: Literal["pdf", "text"] = Field(description="pdf: the page draws the file (pdf.js) at `page`; text: it shows "
                                                     "`text`")
    file_url: str = Field(description="the original file (GET /v1/documents/{doc_id}), to download")
    file_name: str | None = Field(description="the download's name; for a connector's document (share, mailbox, "
                                              "site) its indexed text as .txt; null when the file is no longer on "
                                              "disk")
    indexed_text_only: bool = Field(False, description="the download is the text Perimeter indexed, not the original "
                                                       "(a share's file, a mail, a page: the original is at its "
                                                       "location)")
    page: int | None
    heading: str | None
    text: str = Field(description="the extracted text of the cited page (or section under `heading`; the whole "
                                  "document when neither is given), as indexed, in document order")


PREVIEW_CHUNKS = 40  # a section longer than this is cut (the download has the rest)


def _join(pieces: list[str]) -> str:
    """Consecutive chunks without the overlap the splitter gave them."""
    text = ""
    for piece in pieces:
        overlap = next((n for n in range(min(len(text), len(piece), 400), 20, -1) if text.endswith(piece[:n])), 0)
        text = f"{text}{piece[overlap:]}" if overlap else f"{text}\n\n{piece}" if text else piece
    return text


def preview_of(pipeline: AskPipeline, doc_id: str, groups: list[str], page: int | None,
               heading: str | None) -> DocumentPreview | None:
    """The preview of `doc_id` made only of chunks `groups` may see; None when they may see none of it."""
    rows = _visible_rows(pipeline, doc_id, groups)
    if not rows:
        return None
    chosen = [r for r in rows if (page is None or r[0].get("page") == page)
              and (heading is None or page is not None or r[0].get("heading") == heading)] or rows
    path = find_document(pipeline, doc_id, groups)
    first = chosen[0][0]
    title = str(first.get("title") or doc_id)
    remote = path is None and REMOTE_URI.match(str(rows[0][0].get("source", ""))) is not None
    return DocumentPreview(doc_id=doc_id, title=title,
                           kind="pdf" if path is not None and path.suffix.lower() == ".pdf" else "text",
                           file_url=f"/v1/documents/{doc_id}",
                           file_name=path.name if path else text_name(title, doc_id) if remote else None,
                           indexed_text_only=remote,
                           page=page, heading=heading, text=_join([t for _, t in chosen[:PREVIEW_CHUNKS]]))


@router.get("/documents/{doc_id}/preview", response_model=DocumentPreview, responses={
    404: {"model": ErrorBody, "description": "no such document, or not one this caller may see"}})
async def document_preview(doc_id: str, pipeline: PipelineDep, user: UserDep,
                           page: int | None = Query(None, ge=1, description="the cited page"),
                           heading: str | None = Query(None, max_length=500, description="the cited section")
                           ) -> DocumentPreview:
    preview = await run_in_threadpool(preview_of, pipeline, doc_id, user.groups, page, heading)
    if preview is None:
        raise HTTPException(404, NOT_FOUND)
    return preview
