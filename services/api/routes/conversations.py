"""The signed-in user's conversations (the web page's history): list and search titles, open, rename, delete. Only
ever the caller's own: the store looks every conversation up by (user, id), so someone else's id is a 404 exactly
like an unknown one (services/conversation_history.py). Continuing a conversation is asking with its
`conversation_id` (/v1/ask, /v1/ask/stream), whose follow-up memory is keyed by user the same way."""
from __future__ import annotations

from typing import Annotated, Any

import redis
from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from services.api.deps import ConversationsDep, UserDep
from services.api.errors import ErrorBody
from services.api.unicode import valid_unicode_body
from services.conversation_history import ConversationSummary, ConversationView

router = APIRouter(prefix="/v1/conversations", tags=["conversations"], dependencies=[Depends(valid_unicode_body)])
NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no conversation with this id of yours"},
    503: {"model": ErrorBody, "description": "the conversation store (Redis) cannot be reached"}}
ConversationId = Annotated[str, Path(pattern=r"^[A-Za-z0-9:._-]{1,64}$")]


async def _kept(call, *args):
    """The store's answer; 503 when Redis cannot be reached (nothing is lost: the conversations stay where they are)."""
    try:
        return await run_in_threadpool(call, *args)
    except redis.RedisError as exc:
        raise HTTPException(503, f"conversations cannot be read right now: {type(exc).__name__}") from exc


class Rename(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class Deleted(BaseModel):
    id: str
    deleted: bool = True


@router.get("", response_model=list[ConversationSummary], responses={503: NOT_YOURS[503]})
async def list_conversations(user: UserDep, store: ConversationsDep,
                             q: Annotated[str | None, Query(max_length=200, description="only titles holding this "
                                                                                        "(any case)")] = None,
                             limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ConversationSummary]:
    return await _kept(store.summaries, user.key, q, limit)


@router.get("/{conversation_id}", response_model=ConversationView, responses=NOT_YOURS)
async def open_conversation(conversation_id: ConversationId, user: UserDep,
                            store: ConversationsDep) -> ConversationView:
    return await _kept(store.conversation, user.key, conversation_id)


@router.patch("/{conversation_id}", response_model=ConversationSummary, responses=NOT_YOURS)
async def rename_conversation(conversation_id: ConversationId, body: Rename, user: UserDep,
                              store: ConversationsDep) -> ConversationSummary:
    return await _kept(store.rename, user.key, conversation_id, body.title)


@router.delete("/{conversation_id}", response_model=Deleted, responses=NOT_YOURS)
async def delete_conversation(conversation_id: ConversationId, user: UserDep, store: ConversationsDep) -> Deleted:
    await _kept(store.delete, user.key, conversation_id)
    return Deleted(id=conversation_id)
