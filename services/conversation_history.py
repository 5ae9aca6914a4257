"""The conversation history part of the conversation store (services/conversations.py, whose classes inherit these):
per user, each conversation's title and every answer as it was shown, which the web page lists, opens, renames,
deletes and searches (services/api/routes/conversations.py). Nothing of it is kept in the browser, which holds only
the current conversation's id.

Every lookup is by (user, id): a conversation id of someone else's is unknown (ConversationNotFound, a 404 alike for
"not yours" and "no such"). A conversation not continued for the retention period goes, and a user's oldest beyond
the maximum go first."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field

import redis
from pydantic import BaseModel, Field

from services.schemas import AskResponse

TITLE_CHARS = 80


class ConversationNotFound(LookupError):
    """No conversation with this id for this user (never says whether someone else has one)."""

    def __init__(self, conversation_id: str):
        super().__init__(f"no conversation {conversation_id} of yours (it may have expired)")


class ConversationSummary(BaseModel):
    id: str
    title: str
    created_at: float
    updated_at: float
    turns: int


class ShownTurn(BaseModel):
    question: str
    response: AskResponse = Field(description="the answer as it was shown, with its sources")
    at: float


class ConversationView(ConversationSummary):
    shown: list[ShownTurn] = Field(description="the turns, oldest first")


def user_digest(user: str) -> str:
    """The user as a fixed-length digest in keys: user names may hold ":" (see RedisConversationStore._key)."""
    return hashlib.sha256(user.encode("utf-8")).hexdigest()[:32]


def title_of(question: str) -> str:
    line = " ".join(question.split())
    return line if len(line) <= TITLE_CHARS else line[:TITLE_CHARS - 1] + "…"


def _matches(title: str, query: str | None) -> bool:
    return not query or query.casefold() in title.casefold()


@dataclass
class _Kept:
    title: str
    created_at: float
    updated_at: float
    shown: list[dict] = field(default_factory=list)

    def summary(self, conversation_id: str) -> ConversationSummary:
        return ConversationSummary(id=conversation_id, title=self.title, created_at=self.created_at,
                                   updated_at=self.updated_at, turns=len(self.shown))


class MemoryHistory:
    """In this process (the demo)."""

    def __init__(self, retention_s: float, max_kept: int, max_shown_turns: int):
        self.retention_s, self.max_kept, self.max_shown_turns = retention_s, max_kept, max_shown_turns
        self._history_lock = threading.Lock()
        self._kept: dict[str, dict[str, _Kept]] = {}

    def _live(self, user: str) -> dict[str, _Kept]:
        kept = self._kept.setdefault(user, {})
        cutoff = time.time() - self.retention_s
        for conversation_id in [c for c, k in kept.items() if k.updated_at < cutoff]:
            del kept[conversation_id]
        return kept

    def record(self, user: str, conversation_id: str, question: str, response: AskResponse) -> None:
        now = time.time()
        with self._history_lock:
            kept = self._live(user)
            item = kept.get(conversation_id) or _Kept(title_of(question), now, now)
            item.shown = (item.shown + [{"question": question, "response": response.model_dump(mode="json"),
                                         "at": now}])[-self.max_shown_turns:]
            item.updated_at = now
            kept[conversation_id] = item
            for old in sorted(kept, key=lambda c: kept[c].updated_at)[:max(0, len(kept) - self.max_kept)]:
                del kept[old]

    def summaries(self, user: str, query: str | None = None, limit: int = 100) -> list[ConversationSummary]:
        """The user's conversations, most recent first; `query`: only those whose title holds it (any case)."""
        with self._history_lock:
            kept = self._live(user)
            found = [k.summary(c) for c, k in kept.items() if _matches(k.title, query)]
        return sorted(found, key=lambda s: s.updated_at, reverse=True)[:limit]

    def conversation(self, user: str, conversation_id: str) -> ConversationView:
        with self._history_lock:
            item = self._live(user).get(conversation_id)
            if item is None:
                raise ConversationNotFound(conversation_id)
            return ConversationView(**item.summary(conversation_id).model_dump(),
                                    shown=[ShownTurn.model_validate(t) for t in item.shown])

    def rename(self, user: str, conversation_id: str, title: str) -> ConversationSummary:
        with self._history_lock:
            item = self._live(user).get(conversation_id)
            if item is None:
                raise ConversationNotFound(conversation_id)
            item.title = title_of(title)
            return item.summary(conversation_id)

    def delete(self, user: str, conversation_id: str) -> None:
        """The conversation and its follow-up memory: it cannot be continued either."""
        with self._history_lock:
            if self._live(user).pop(conversation_id, None) is None:
                raise ConversationNotFound(conversation_id)
        self._forget_turns(user, conversation_id)

    def _forget_turns(self, user: str, conversation_id: str) -> None:
        """The follow-up memory's part of delete (services/conversations.py)."""


class RedisHistory:
    """In Redis: per user, a sorted set of conversation ids by last turn, and per conversation a hash (title, times)
    and a list of the turns as shown; every key expires after the retention period since its last turn."""

    _redis: redis.Redis  # the client, set by RedisConversationStore
    retention_s: float
    max_kept: int
    max_shown_turns: int

    @staticmethod
    def _index(user: str) -> str:
        return f"perimeter:conversations:{user_digest(user)}"

    @staticmethod
    def _meta(user: str, conversation_id: str) -> str:
        return f"perimeter:conversation:{user_digest(user)}:{conversation_id}:meta"

    @staticmethod
    def _shown(user: str, conversation_id: str) -> str:
        return f"perimeter:conversation:{user_digest(user)}:{conversation_id}:shown"

    def _key(self, user: str, conversation_id: str) -> str:  # the follow-up memory's (RedisConversationStore)
        raise NotImplementedError

    def record(self, user: str, conversation_id: str, question: str, response: AskResponse) -> None:
        now, client, ttl = time.time(), self._redis, max(1, int(self.retention_s))
        meta, shown, index = self._meta(user, conversation_id), self._shown(user, conversation_id), self._index(user)
        pipe = client.pipeline()
        pipe.hsetnx(meta, "title", title_of(question))
        pipe.hsetnx(meta, "created_at", now)
        pipe.hset(meta, "updated_at", now)
        pipe.rpush(shown, json.dumps({"question": question, "response": response.model_dump(mode="json"),
                                      "at": now}, ensure_ascii=False))
        pipe.ltrim(shown, -self.max_shown_turns, -1)
        for key in (meta, shown, index):
            pipe.expire(key, ttl)
        pipe.zadd(index, {conversation_id: now})
        pipe.zremrangebyscore(index, "-inf", now - self.retention_s)
        pipe.zrange(index, 0, -self.max_kept - 1)  # the oldest beyond the maximum
        over = pipe.execute()[-1]
        for old in over:
            self._drop(user, old)

    def _drop(self, user: str, conversation_id: str) -> int:
        client = self._redis
        pipe = client.pipeline()
        pipe.zrem(self._index(user), conversation_id)
        pipe.delete(self._meta(user, conversation_id), self._shown(user, conversation_id),
                    self._key(user, conversation_id))
        return int(pipe.execute()[0])

    def _summary(self, user: str, conversation_id: str) -> ConversationSummary | None:
        client = self._redis
        meta = client.hgetall(self._meta(user, conversation_id))
        if not meta:
            return None
        turns = client.llen(self._shown(user, conversation_id))
        return ConversationSummary(id=conversation_id, title=meta.get("title", ""),
                                   created_at=float(meta.get("created_at", 0)),
                                   updated_at=float(meta.get("updated_at", 0)), turns=int(turns))

    def summaries(self, user: str, query: str | None = None, limit: int = 100) -> list[ConversationSummary]:
        client = self._redis
        cutoff = time.time() - self.retention_s
        ids = client.zrevrangebyscore(self._index(user), "+inf", cutoff)
        found = []
        for conversation_id in ids:
            summary = self._summary(user, str(conversation_id))
            if summary is not None and _matches(summary.title, query):
                found.append(summary)
                if len(found) >= limit:
                    break
        return found

    def conversation(self, user: str, conversation_id: str) -> ConversationView:
        summary = self._summary(user, conversation_id)
        if summary is None:
            raise ConversationNotFound(conversation_id)
        raw = self._redis.lrange(self._shown(user, conversation_id), 0, -1)
        return ConversationView(**summary.model_dump(), shown=[ShownTurn.model_validate_json(t) for t in raw])

    def rename(self, user: str, conversation_id: str, title: str) -> ConversationSummary:
        meta = self._meta(user, conversation_id)
        if not self._redis.exists(meta):
            raise ConversationNotFound(conversation_id)
        self._redis.hset(meta, "title", title_of(title))
        summary = self._summary(user, conversation_id)
        if summary is None:  # expired between the two calls
            raise ConversationNotFound(conversation_id)
        return summary

    def delete(self, user: str, conversation_id: str) -> None:
        if not self._redis.exists(self._meta(user, conversation_id)):
            raise ConversationNotFound(conversation_id)
        self._drop(user, conversation_id)
