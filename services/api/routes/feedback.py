"""POST /v1/feedback: 👍/👎 and an optional comment per answer, appended to a JSON-lines file under the data dir.
GET /v1/admin/feedback exports it (admins only)."""
from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from services.api.deps import get_settings, get_user
from services.api.unicode import valid_unicode_body
from services.api.routes.admin import Admin
from services.feedback_log import append_feedback, feedback_path
from services.identity import User
from services.settings import Settings

router = APIRouter(tags=["feedback"], dependencies=[Depends(valid_unicode_body)])  # services/api/unicode.py


class FeedbackBody(BaseModel):
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=2000)
    question: str = Field("", max_length=2000)
    conversation_id: str | None = Field(None, max_length=64)
    model: str | None = Field(None, max_length=200)
    sources: list[str] = Field(default_factory=list, max_length=50, description="doc_ids of the answer's sources")


@router.post("/v1/feedback", status_code=201)
async def give_feedback(body: FeedbackBody, settings: Annotated[Settings, Depends(get_settings)],
                        user: Annotated[User, Depends(get_user)]) -> dict:
    record = {"at": round(time.time(), 3), "user": user.name, **body.model_dump()}
    await run_in_threadpool(append_feedback, settings, record)
    return {"stored": True}


@router.get("/v1/admin/feedback", response_class=PlainTextResponse)
def export_feedback(_: Admin, settings: Annotated[Settings, Depends(get_settings)]) -> PlainTextResponse:
    """All feedback as JSON lines (application/x-ndjson), oldest first."""
    path = feedback_path(settings)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return PlainTextResponse(text, media_type="application/x-ndjson; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="feedback.jsonl"'})
