"""POST /v1/ask and POST /v1/search. A model that is down or slow degrades the answer (200, sources + notice,
`degraded: true`) instead of failing the request."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, field_validator

from services.api.deps import get_pipeline, get_user
from services.api.unicode import valid_unicode_body
from services.ask import AskPipeline, QuestionError
from services.identity import User
from services.schemas import AskResponse, SearchResponse

router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[Depends(valid_unicode_body)])


class Question(BaseModel):
    question: str = Field(min_length=1, examples=["How many days of annual leave do I get?"])

    @field_validator("question")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value.strip()


class AskBody(Question):
    conversation_id: str | None = Field(None, max_length=64, description="from an earlier answer: ask a follow-up")


@router.post("/ask", response_model=AskResponse)
async def ask(body: AskBody, pipeline: Annotated[AskPipeline, Depends(get_pipeline)],
              user: Annotated[User, Depends(get_user)]) -> AskResponse:
    try:
        return await run_in_threadpool(pipeline.ask, body.question, user, body.conversation_id)
    except QuestionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


@router.post("/search", response_model=SearchResponse)
async def search(body: Question, pipeline: Annotated[AskPipeline, Depends(get_pipeline)],
                 user: Annotated[User, Depends(get_user)]) -> SearchResponse:
    try:
        return await run_in_threadpool(pipeline.search, body.question, user)
    except QuestionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
