"""The HTTP API's own request and response bodies (the answer shapes every front door shares are in
services/schemas.py, the re-index jobs' in services/worker/schemas.py)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator


class Question(BaseModel):
    question: str = Field(min_length=1, examples=["How many days of annual leave do I get?"])

    @field_validator("question")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value.strip()


class AskBody(Question):
    conversation_id: str | None = Field(None, max_length=64, description="from an earlier answer: ask a follow-up")
    assistant: str | None = Field(None, max_length=64, description="which assistant answers (GET /v1/assistants); "
                                  "unset: the caller's default, the first they may use")


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    model: str | None = Field(None, description="the embedded model server's state (starting, answering, crashed); "
                                                "absent for a model server elsewhere")


class Readiness(BaseModel):
    ready: bool
    degraded: bool = Field(description="the index answers but the model does not: sources with a notice")
    checks: dict[str, dict[str, object]] | None = Field(
        None, description="index and model details; only for the metrics token, a listed scraper or an admin")


class FeedbackStored(BaseModel):
    stored: bool = True


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ChatCompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatCompletionChoice(BaseModel):
    index: int = 0
    message: ChatCompletionMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    """OpenAI's chat.completion (with `stream`: chat.completion.chunk events instead, as Server-Sent Events)."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatCompletionChoice]
    usage: Usage = Field(default_factory=Usage)


class SlackAck(BaseModel):
    """What the Events API and interactions are answered (Slack only needs the 200)."""

    ok: bool = True
    duplicate: bool | None = Field(None, description="a retry of an event already answered")
    rate_limited: bool | None = Field(None, description="over the per-user limit: the asker is told, nothing queued")


class SlackChallenge(BaseModel):
    """The Events API's url_verification handshake."""

    challenge: str


class SlackReply(BaseModel):
    """The slash command's immediate reply, shown to the asker alone."""

    response_type: Literal["ephemeral"] = "ephemeral"
    text: str
