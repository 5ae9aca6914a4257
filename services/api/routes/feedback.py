"""POST /v1/feedback: 👍/👎 and an optional comment on an answer the server gave this caller, appended to a JSON-lines
file under the data dir. GET /v1/admin/feedback exports it (admins only; the question and comment texts, which are
personal data, only to an admin who is also an analyst, the askers' names only where analytics may show them:
services/quality/access.py).

The client names only the answer (its `answer_id`); the question, conversation, model and sources stored with the
rating are the ones kept when that answer was given (services/issued_answers.py). Fields a client adds beside them
(an old page's `question`, `sources`...) are ignored. An id that was not issued to this caller, or is older than the
feedback window, is a 404, and the refusal is audited (services/api/refusals.py)."""
from __future__ import annotations

import json
import logging
import time
from typing import Literal

import redis
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from services.api.deps import AdminDep, FeedbackLogDep, IssuedAnswersDep, SettingsDep, UserDep
from services.api.errors import ErrorBody
from services.api.refusals import note_target
from services.api.schemas import FeedbackStored
from services.api.unicode import valid_unicode_body
from services.quality.access import is_analyst, shows_users

log = logging.getLogger(__name__)
router = APIRouter(tags=["feedback"], dependencies=[Depends(valid_unicode_body)])  # services/api/unicode.py
NOT_GIVEN_TO_YOU = "no answer with this id was given to you (or it is older than the feedback window)"


class FeedbackBody(BaseModel):
    answer_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="the `answer_id` of an answer you were given")
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=2000)


@router.post("/v1/feedback", status_code=201, response_model=FeedbackStored,
             responses={404: {"model": ErrorBody, "description": NOT_GIVEN_TO_YOU},
                        503: {"model": ErrorBody, "description": "issued answers cannot be read right now"}})
async def give_feedback(body: FeedbackBody, request: Request, issued: IssuedAnswersDep,
                        feedback: FeedbackLogDep, user: UserDep) -> FeedbackStored:
    try:
        answer = await run_in_threadpool(issued.recall, user.key, body.answer_id)
    except redis.RedisError as exc:
        log.warning("issued answers unreachable, feedback not stored: %s", exc)
        raise HTTPException(503, "feedback cannot be stored right now; try again later") from exc
    if answer is None:
        note_target(request, answer_id=body.answer_id)
        raise HTTPException(404, NOT_GIVEN_TO_YOU)
    door = answer.pop("door", None)
    record = {"at": round(time.time(), 3), "user": user.name, "via": door, "rating": body.rating,
              "comment": body.comment, "answer_id": body.answer_id, **answer}
    await run_in_threadpool(feedback.append, record)
    return FeedbackStored()


@router.get("/v1/admin/feedback", response_class=PlainTextResponse,
            responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                             "description": "one JSON object a line: the stored ratings"}})
def export_feedback(admin: AdminDep, feedback: FeedbackLogDep, settings: SettingsDep) -> PlainTextResponse:
    """All feedback as JSON lines (application/x-ndjson), oldest first; texts and names as the caller may see them."""
    texts, names = is_analyst(admin, settings.quality), shows_users(admin, settings.quality)
    lines = []
    for line in feedback.export().splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if not texts:
            record.update({key: None for key in PERSONAL_TEXTS if key in record})
        if not names and "user" in record:
            record["user"] = None
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return PlainTextResponse("".join(lines), media_type="application/x-ndjson; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="feedback.jsonl"'})


# What a rating holds that its asker wrote: analysts' only (services/quality/access.py).
PERSONAL_TEXTS = ("question", "comment")
