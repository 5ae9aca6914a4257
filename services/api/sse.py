"""Server-Sent Events for the streaming doors (/v1/ask/stream, /v1/chat/completions with `stream`): the event format,
and the pipeline's blocking event iterator driven from the event loop, stopped when the client disconnects."""
from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Generator
from typing import Any

import anyio
from fastapi import Request

from services.answering import Event

Events = Generator[Event, None, None]  # AskPipeline.answer_stream's
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


async def first_event(events: Events) -> Event:
    """The first event (retrieval, prompt) runs before the response starts, so a bad question is still a 422 (its
    QuestionError reaches the app's handler, services/api/errors.py)."""
    return await anyio.to_thread.run_sync(next, events)


# For a route's `responses`: its 200 may be an event stream (OpenAPI shows the content type; the events are text).
SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
          "description": "Server-Sent Events, when streamed"}}
