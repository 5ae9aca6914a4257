"""The signed-in user's conversations (the web page's history): list and search titles, open, rename, delete. Only
ever the caller's own: the store looks every conversation up by (user, id), so someone else's id is a 404 exactly
like an unknown one (services/conversation_history.py). Continuing a conversation is asking with its
`conversation_id` (/v1/ask, /v1/ask/stream), whose follow-up memory is keyed by user the same way."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from services.api.deps import ConversationsDep, UserDep
from services.api.errors import ErrorBody
from services.api.unicode import valid_unicode_body
from services.conversation_history import ConversationSummary, ConversationView

router = APIRouter(prefix="/v1/conversations", tags=["conversations"], dependencies=[Depends(valid_unicode_body)])
NOT_YOURS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody,
                                                     "description": "no conversation with this id of yours"}}
ConversationId = Annotated[str, Path(pattern=r"^[A-Za-z0-9:._-]{1,64}$")]


class Rename(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class Deleted(BaseModel):
    id: str
    deleted: bool = True


@router.get("", response_model=list[ConversationSummary])
async def list_conversations(user: UserDep, store: ConversationsDep,
                             q: Annotated[str | None, Query(max_length=200, description="only titles holding this "
                                                                                        "(any case)")] = None,
                             limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ConversationSummary]:
    return await run_in_threadpool(store.summaries, user.key, q, limit)


@router.get("/{conversation_id}", response_model=ConversationView, responses=NOT_YOURS)
async def open_conversation(conversation_id: ConversationId, user: UserDep,
                            store: ConversationsDep) -> ConversationView:
    return await run_in_threadpool(store.conversation, user.key, conversation_id)


@router.patch("/{conversation_id}", response_model=ConversationSummary, responses=NOT_YOURS)
async def rename_conversation(conversation_id: ConversationId, body: Rename, user: UserDep,
                              store: ConversationsDep) -> ConversationSummary:
    return await run_in_threadpool(store.rename, user.key, conversation_id, body.title)


@router.delete("/{conversation_id}", response_model=Deleted, responses=NOT_YOURS)
async def delete_conversation(conversation_id: ConversationId, user: UserDep, store: ConversationsDep) -> Deleted:
    await run_in_threadpool(store.delete, user.key, conversation_id)
    return Deleted(id=conversation_id)
