"""POST /v1/ask/stream: Server-Sent Events. `sources` first, then `token` events as the model writes, then `answer`
(the same JSON as POST /v1/ask, grounding included). A client that disconnects cancels generation."""
from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Generator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse

from services.api.deps import get_pipeline, get_user
from services.api.routes.ask import AskBody
from services.api.unicode import valid_unicode_body
from services.ask import AskPipeline, Prepared, QuestionError
from services.identity import User

router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[Depends(valid_unicode_body)])
Events = Generator[tuple[str, object], None, None]  # AskPipeline.ask_stream's
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse(data: object, event: str | None = None) -> str:
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"


async def _watch_disconnect(request: Request, cancel: threading.Event) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            cancel.set()
            return


async def drive(request: Request, events: Events, cancel: threading.Event) -> AsyncIterator:
    """Runs the pipeline's blocking event iterator in a worker thread, one step at a time; on disconnect (seen by a
    watcher, or as cancellation of this generator) it sets `cancel` and closes the iterator, which closes the
    model's HTTP stream so the model server stops generating."""
    watcher = asyncio.create_task(_watch_disconnect(request, cancel))
    done = object()
    try:
        while not cancel.is_set():
            item = await anyio.to_thread.run_sync(next, events, done)
            if item is done or cancel.is_set():
                return
            yield item
    finally:
        cancel.set()
        watcher.cancel()
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(events.close)


async def first_event(events: Events) -> tuple[str, object]:
    """The first event (retrieval, prompt) runs before the response starts, so a bad question is still a 422."""
    try:
        return await anyio.to_thread.run_sync(next, events)
    except QuestionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


@router.post("/ask/stream")
async def ask_stream(body: AskBody, request: Request, pipeline: Annotated[AskPipeline, Depends(get_pipeline)],
                     user: Annotated[User, Depends(get_user)]) -> StreamingResponse:
    cancel = threading.Event()
    events = pipeline.ask_stream(body.question, user, body.conversation_id, cancel=cancel)
    _, prep = await first_event(events)
    if not isinstance(prep, Prepared):  # ask_stream always starts with ("sources", Prepared)
        raise TypeError(f"the answer stream began with {type(prep).__name__}, not the prepared question")

    async def body_events():
        yield sse({"question": prep.question, "language": prep.language, "conversation_id": prep.conversation_id,
                   "sources": [s.model_dump() for s in prep.sources]}, "sources")
        async for name, data in drive(request, events, cancel):
            if name == "token":
                yield sse({"text": data}, "token")
            elif name == "answer":
                yield sse(data.model_dump(mode="json"), "answer")

    return StreamingResponse(body_events(), media_type="text/event-stream", headers=SSE_HEADERS)
