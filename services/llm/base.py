"""The interface every model backend implements, the errors it may raise, and retries for the transient ones."""
from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# HTTP statuses worth a second try: the server is restarting, overloaded or behind a proxy that lost it.
TRANSIENT_STATUSES = frozenset({408, 429, 502, 503, 504})


class ModelError(RuntimeError):
    """The model could not produce an answer."""


class ModelUnavailable(ModelError):
    """The model server is down, unreachable or answered with an error."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class UnreadableReply(ModelError):
    """The server answered, but not in the expected shape (e.g. a harmony completion with no final channel)."""


class ModelTimeout(ModelError):
    """The model server did not answer within the configured timeout."""


@dataclass
class ChatReply:
    text: str
    model: str


class ChatModel(Protocol):
    """A backend that can stream also has `stream(messages, *, max_tokens, temperature, json_schema=None)`: an
    iterator of the answer's text in pieces as the model writes it (never reasoning); closing it cancels generation.
    Without one, streamed answers come in one piece (services/answering/generate.py). A backend with
    `continues_reply = True` also takes messages whose last one is the assistant's: the start of its reply, which it
    continues (services/llm/begun_reply.py)."""
    name: str

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float,
             json_schema: dict | None = None) -> ChatReply: ...

    def ready(self) -> bool: ...


def with_model(model: ChatModel, name: str | None) -> ChatModel:
    """The same backend (its client and connections shared) asking the server for the model `name`: with vLLM that is
    how a LoRA adapter served as `--lora-modules NAME=PATH` answers. No name: `model` itself."""
    if not name or name == model.name:
        return model
    named = copy.copy(model)
    named.name = name  # every backend sends its `name` as the request's model
    return named


def with_retries(call: Callable[[], T], retries: int, backoff_s: float) -> T:
    """Run `call`, retrying transient unavailability (not timeouts: the caller already waited) with doubling waits."""
    for attempt in range(retries + 1):
        try:
            return call()
        except ModelUnavailable as exc:
            if not exc.transient or attempt == retries:
                raise
            wait = backoff_s * 2**attempt
            log.warning("model server unavailable (%s); retry %d of %d in %.1f s", exc, attempt + 1, retries, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")
