"""POST /v1/ask/stream: Server-Sent Events. `sources` first, then `token` events as the model writes, then `answer`
(the same JSON as POST /v1/ask, grounding included). A client that disconnects cancels generation."""
from __future__ import annotations

import threading

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from services.answering import Final, Sources, Token
from services.api.deps import AssistantsDep, PipelineDep, UserDep
from services.api.errors import ASSISTANT_ERRORS, QUESTION_ERROR
from services.api.schemas import AskBody
from services.api.sse import SSE_HEADERS, SSE_RESPONSE, drive, first_event, sse
from services.api.unicode import valid_unicode_body

router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[Depends(valid_unicode_body)])


# An unusable question is the app's 422 (services/api/errors.py): the first event is read before the stream starts.
@router.post("/ask/stream", response_class=StreamingResponse,
             responses={**SSE_RESPONSE, **QUESTION_ERROR, **ASSISTANT_ERRORS})
async def ask_stream(body: AskBody, request: Request, pipeline: PipelineDep, assistants: AssistantsDep,
                     user: UserDep) -> StreamingResponse:
    assistant = assistants.choose(body.assistant, user)  # refused (403/404) before anything streams
    cancel = threading.Event()
    events = pipeline.answer_stream(body.question, user, body.conversation_id, cancel=cancel, assistant=assistant)
    first = await first_event(events)
    if not isinstance(first, Sources):  # answer_stream always starts with its sources
        raise TypeError(f"the answer stream began with {type(first).__name__}, not its sources")

    async def body_events():
        yield sse({"question": first.question, "language": first.language, "conversation_id": first.conversation_id,
                   "sources": [s.model_dump() for s in first.sources]}, "sources")
        async for event in drive(request, events, cancel):
            if isinstance(event, Token):
                yield sse({"text": event.text}, "token")
            elif isinstance(event, Final):
                yield sse(event.response.model_dump(mode="json"), "answer")

    return StreamingResponse(body_events(), media_type="text/event-stream", headers=SSE_HEADERS)
