"""POST /v1/ask and POST /v1/search."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, field_validator

from services.api.deps import get_pipeline, get_user
from services.ask import AskPipeline, QuestionError
from services.identity import User
from services.llm.base import ModelError, ModelTimeout
from services.schemas import AskResponse, SearchResponse

router = APIRouter(prefix="/v1", tags=["ask"])


class Question(BaseModel):
    question: str = Field(min_length=1, examples=["How many days of annual leave do I get?"])

    @field_validator("question")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value.strip()


@router.post("/ask", response_model=AskResponse)
async def ask(body: Question, pipeline: Annotated[AskPipeline, Depends(get_pipeline)],
              user: Annotated[User, Depends(get_user)]) -> AskResponse:
    try:
        return await run_in_threadpool(pipeline.ask, body.question, user)
    except QuestionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    except ModelTimeout as exc:
        raise HTTPException(status_code=504, detail=f"The model did not answer in time: {exc}") from exc
    except ModelError as exc:
        raise HTTPException(status_code=502, detail=f"The model could not answer: {exc}") from exc


@router.post("/search", response_model=SearchResponse)
async def search(body: Question, pipeline: Annotated[AskPipeline, Depends(get_pipeline)],
                 user: Annotated[User, Depends(get_user)]) -> SearchResponse:
    try:
        return await run_in_threadpool(pipeline.search, body.question, user)
    except QuestionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
