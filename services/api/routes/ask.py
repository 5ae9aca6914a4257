"""POST /v1/ask and POST /v1/search. A model that is down or slow degrades the answer (200, sources + notice,
`degraded: true`) instead of failing the request."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from services.api.deps import get_pipeline, get_user
from services.api.errors import QUESTION_ERROR
from services.api.schemas import AskBody, Question
from services.api.unicode import valid_unicode_body
from services.ask import AskPipeline
from services.identity import User
from services.schemas import AskResponse, SearchResponse

router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[Depends(valid_unicode_body)])


# A QuestionError (empty, too long) is a 422 from the app's handler (services/api/errors.py), as at every door.
@router.post("/ask", response_model=AskResponse, responses=QUESTION_ERROR)
async def ask(body: AskBody, pipeline: Annotated[AskPipeline, Depends(get_pipeline)],
              user: Annotated[User, Depends(get_user)]) -> AskResponse:
    return await run_in_threadpool(pipeline.ask, body.question, user, body.conversation_id)


@router.post("/search", response_model=SearchResponse, responses=QUESTION_ERROR)
async def search(body: Question, pipeline: Annotated[AskPipeline, Depends(get_pipeline)],
                 user: Annotated[User, Depends(get_user)]) -> SearchResponse:
    return await run_in_threadpool(pipeline.search, body.question, user)
