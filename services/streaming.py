"""The model's reply as a stream of answer tokens, for the streaming front doors (SSE, OpenAI-compatible)."""
from __future__ import annotations

import threading
import time
from collections.abc import Generator
from typing import TYPE_CHECKING

from services.llm.base import ChatModel, ModelError, ModelUnavailable

if TYPE_CHECKING:
    from services.ask import AskPipeline, Prepared


def _pieces(pipeline: AskPipeline, model: ChatModel, prep: Prepared):
    settings = pipeline.settings
    stream = getattr(model, "stream", None)
    if stream is None:  # a backend without streaming answers in one piece
        reply = pipeline._chat(prep, settings.llm.temperature)
        return iter([reply.text]), reply.model
    return stream(prep.messages, max_tokens=settings.llm.max_tokens, temperature=settings.llm.temperature,
                  json_schema=prep.schema), model.name


def stream_reply(pipeline: AskPipeline, prep: Prepared,
                 cancel: threading.Event | None) -> Generator[tuple[str, str], None, tuple[str, str, dict]]:
    """Yields ("token", piece); returns (whole text, model name, timings of the first piece: `first_token_ms` from
    the request, `model_first_token_ms` from sending the prompt). A transient failure before the first piece is
    retried with backoff; after it, the failure stands."""
    settings = pipeline.settings
    parts: list[str] = []
    first: dict = {}
    for attempt in range(settings.llm.retries + 1):
        model = pipeline.model
        if model is None:
            raise ModelError("no model is configured")
        sent = time.perf_counter()
        pieces, model_name = _pieces(pipeline, model, prep)
        try:
            for piece in pieces:
                if cancel is not None and cancel.is_set():
                    break
                if not first:
                    now = time.perf_counter()
                    first = {"first_token_ms": round((now - prep.started) * 1000, 1),
                             "model_first_token_ms": round((now - sent) * 1000, 1)}
                parts.append(piece)
                yield "token", piece
            first["model_ms"] = round((time.perf_counter() - sent) * 1000, 1)  # the model's part, checks excluded
            return "".join(parts), model_name, first
        except ModelUnavailable as exc:
            if parts or not exc.transient or attempt == settings.llm.retries:
                raise
            time.sleep(settings.llm.retry_backoff_s * 2**attempt)
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()  # stops the server generating when the client went away
    raise AssertionError("unreachable")
