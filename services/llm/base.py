"""The interface every model backend implements, and the errors it may raise."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ModelError(RuntimeError):
    """The model could not produce an answer."""


class ModelUnavailable(ModelError):
    """The model server is down, unreachable or answered with an error."""


class ModelTimeout(ModelError):
    """The model server did not answer within the configured timeout."""


@dataclass
class ChatReply:
    text: str
    model: str


class ChatModel(Protocol):
    name: str

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float,
             json_schema: dict | None = None) -> ChatReply: ...

    def ready(self) -> bool: ...
