"""What an answer stream yields, in order: one `Sources`, `Token`s as the model writes (none for an answer that
needs no model), then one `Final` with the checked answer. A plain answer is the `Final` of the same stream."""
from __future__ import annotations

from dataclasses import dataclass

from services.schemas import AskResponse, Source


@dataclass(frozen=True)
class Sources:
    """Before the model is asked: the question as checked, its language, conversation and the sources it may cite."""
    question: str
    language: str
    conversation_id: str
    sources: list[Source]


@dataclass(frozen=True)
class Token:
    """A piece of the model's reply, as it wrote it (the answer JSON, unchecked)."""
    text: str


@dataclass(frozen=True)
class Final:
    """The answer as every door shows it: cited, grounded, recorded."""
    response: AskResponse


Event = Sources | Token | Final
