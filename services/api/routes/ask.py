"""POST /v1/ask and POST /v1/search. A model that is down or slow degrades the answer (200, sources + notice,
`degraded: true`) instead of failing the request."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from services.api.deps import AssistantsDep, PipelineDep, UserDep
from services.api.errors import ASSISTANT_ERRORS, QUESTION_ERROR
from services.api.schemas import AskBody, Question
from services.api.unicode import valid_unicode_body
from services.schemas import AskResponse, SearchResponse

router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[Depends(valid_unicode_body)])


# A QuestionError (empty, too long) is a 422 from the app's handler (services/api/errors.py), as at every door; an
# assistant the caller may not use a 403, one that does not exist a 404.
@router.post("/ask", response_model=AskResponse, responses={**QUESTION_ERROR, **ASSISTANT_ERRORS})
async def ask(body: AskBody, pipeline: PipelineDep, assistants: AssistantsDep,
              user: UserDep) -> AskResponse:
    assistant = assistants.choose(body.assistant, user)
    return await run_in_threadpool(pipeline.answer, body.question, user, body.conversation_id, None, assistant)


@router.post("/search", response_model=SearchResponse, responses=QUESTION_ERROR)
async def search(body: Question, pipeline: PipelineDep,
                 user: UserDep) -> SearchResponse:
    return await run_in_threadpool(pipeline.search, body.question, user)
