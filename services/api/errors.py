"""One handler per error type, registered on the app: routes raise the error and every door answers it alike (the
same status, the same `{"detail": ...}` body FastAPI gives an HTTPException)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from services.answering import QuestionError
from services.assistants import AssistantForbidden, UnknownAssistant
from services.conversation_history import ConversationNotFound
from services.versions import UnknownDocument
from services.worker.jobs import JobNotFound
from services.worker.submit import NoSuchSource


class ErrorBody(BaseModel):
    detail: str


class Unprocessable(BaseModel):
    detail: str | list[dict[str, Any]] = Field(description="why the question cannot be answered (empty, too long); a "
                                                           "list of field errors for a malformed body")


# The question doors' declared 422 (it replaces FastAPI's own, which describes the list form only).
QUESTION_ERROR: dict[int | str, dict[str, Any]] = {
    422: {"model": Unprocessable, "description": "an unusable question, or a malformed body"}}


# An assistant named at a question door that does not exist, or that the caller's groups may not use.
ASSISTANT_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "the caller's groups may not use this assistant"},
    404: {"model": ErrorBody, "description": "no assistant of that name"}}


# error type → status: QuestionError from every question door (/v1/ask, /v1/search, /v1/ask/stream,
# /v1/chat/completions), an assistant they cannot use, the admin API's unknown jobs and sources.
STATUS: dict[type[Exception], int] = {
    QuestionError: 422,
    AssistantForbidden: 403,
    UnknownAssistant: 404,
    JobNotFound: 404,
    NoSuchSource: 404,
    UnknownDocument: 404,
    ConversationNotFound: 404,
}


def _handler(status: int) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(_: Request, exc: Exception) -> Response:
        return JSONResponse(ErrorBody(detail=str(exc)).model_dump(), status_code=status)

    return handle


def add_error_handlers(app: FastAPI) -> None:
    for error, status in STATUS.items():
        app.add_exception_handler(error, _handler(status))
