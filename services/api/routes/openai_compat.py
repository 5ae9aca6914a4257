"""The OpenAI-compatible front door: POST /v1/chat/completions (streaming too) and GET /v1/models, so Open WebUI,
LibreChat, IDE plugins or the `openai` package can ask Perimeter. The reply is the cited answer as Markdown (with the
assistant's disclaimer); earlier user/assistant messages are the conversation's history.

The models are the assistants the caller may use (services/assistants.py), so a client picks one by model name;
`perimeter` (the only model without assistants) is always accepted and means the caller's default."""
from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from services.answering import Final, QuestionError, Token
from services.api.deps import AssistantsDep, PipelineDep, UserDep
from services.api.errors import ASSISTANT_ERRORS, QUESTION_ERROR
from services.api.schemas import ChatCompletion, ChatCompletionChoice, ChatCompletionMessage, ModelCard, ModelList
from services.api.sse import SSE_HEADERS, SSE_RESPONSE, drive, first_event, sse
from services.api.unicode import valid_unicode_body
from services.conversations import Turn
from services.render import render_markdown

router = APIRouter(prefix="/v1", tags=["openai-compatible"], dependencies=[Depends(valid_unicode_body)])
MODEL_ID = "perimeter"


class ChatMessage(BaseModel):
    role: str
    content: str | list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):  # [{"type": "text", "text": ...}, ...]
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    # Accepted and ignored: Perimeter's own settings decide generation.
    temperature: float | None = None
    max_tokens: int | None = None


def _question_and_history(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    if messages[-1].role != "user" or not messages[-1].text.strip():
        raise QuestionError("the last message must be the user's question")
    history, pending = [], None
    for m in messages[:-1]:
        if m.role == "user":
            pending = m.text
        elif m.role == "assistant" and pending is not None:
            history.append(Turn(pending, m.text))
            pending = None
    return messages[-1].text, history


def _envelope(kind: str, completion_id: str, created: int, model: str, choice: dict) -> dict:
    return {"id": completion_id, "object": kind, "created": created, "model": model, "choices": [choice]}


@router.get("/models", response_model=ModelList)
def models(user: UserDep, assistants: AssistantsDep) -> ModelList:
    usable = assistants.usable_by(user)
    if not usable:
        return ModelList(data=[ModelCard(id=MODEL_ID, owned_by="perimeter")])
    return ModelList(data=[ModelCard(id=a.name, owned_by="perimeter") for a in usable])


# An unusable question (here, in an earlier message, or the pipeline's QuestionError) is the app's 422
# (services/api/errors.py), before any streaming starts.
@router.post("/chat/completions", response_model=ChatCompletion,
             responses={**QUESTION_ERROR, **SSE_RESPONSE, **ASSISTANT_ERRORS})
async def chat_completions(body: ChatRequest, request: Request,
                           pipeline: PipelineDep, assistants: AssistantsDep,
                           user: UserDep) -> ChatCompletion | StreamingResponse:
    # The model names the assistant (403: not the caller's; 404: none of that name); `perimeter`: the default.
    assistant = assistants.choose(None if body.model == MODEL_ID else body.model, user)
    model = assistant.name if assistant is not None else MODEL_ID
    question, history = _question_and_history(body.messages)
    turns = pipeline.settings.answers.conversation_turns
    history = history[-turns:] if turns else []
    limit = pipeline.settings.limits.max_question_chars
    if any(len(t.question.strip()) > limit for t in history):  # the last one is searched with the new question
        raise QuestionError(f"an earlier question is longer than {limit} characters")
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if not body.stream:
        response = await run_in_threadpool(pipeline.answer, question, user, None, history, assistant)
        message = ChatCompletionMessage(content=render_markdown(response))
        return ChatCompletion(id=completion_id, created=created, model=model,
                              choices=[ChatCompletionChoice(message=message)])

    cancel = threading.Event()
    events = pipeline.answer_stream(question, user, None, history, cancel, assistant)
    await first_event(events)

    def chunk(delta: dict, finish: Literal["stop"] | None = None) -> str:
        return sse(_envelope("chat.completion.chunk", completion_id, created, model,
                             {"index": 0, "delta": delta, "finish_reason": finish}))

    async def body_chunks():
        yield chunk({"role": "assistant", "content": ""})
        last_beat = time.monotonic()
        async for event in drive(request, events, cancel):
            if isinstance(event, Token) and time.monotonic() - last_beat > 1.0:
                # An SSE comment while the model writes: keeps proxies and client read timeouts from giving up.
                last_beat = time.monotonic()
                yield ": generating\n\n"
            elif isinstance(event, Final):
                # The model writes JSON; clients want the rendered answer, so it is sent once it is checked.
                markdown = render_markdown(event.response)
                for at in range(0, len(markdown), 200):
                    yield chunk({"content": markdown[at:at + 200]})
        yield chunk({}, "stop")
        yield sse("[DONE]")

    return StreamingResponse(body_chunks(), media_type="text/event-stream", headers=SSE_HEADERS)
