"""Conversations, keyed by user too so that an id cannot be borrowed:

- memory for follow-ups: the last few turns of each conversation, final answers only (never the model's reasoning,
  never the sources), kept for PERIMETER_CONVERSATION_TTL_S;
- the history the web page lists, opens, renames, deletes and searches (GET/PATCH/DELETE /v1/conversations): each
  conversation's title and every answer as it was shown, kept for PERIMETER_HISTORY_RETENTION_DAYS after its last
  turn (services/conversation_history.py holds that part).

In this process for the demo (PERIMETER_CONVERSATION_STORE=memory), in Redis for a deployment."""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import redis

from services.conversation_history import MemoryHistory, RedisHistory, user_digest
from services.redis_clients import standalone_client


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str  # the final answer as the model should see it again (the answer JSON)


class ConversationStore(MemoryHistory):
    def __init__(self, max_turns: int = 3, ttl_s: float = 3600.0, max_conversations: int = 1000,
                 retention_s: float = 30 * 86400.0, max_kept: int = 200, max_shown_turns: int = 50):
        super().__init__(retention_s, max_kept, max_shown_turns)
        self.max_turns = max_turns
        self.ttl_s = ttl_s
        self.max_conversations = max_conversations
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str], tuple[float, list[Turn]]] = OrderedDict()

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def history(self, user: str, conversation_id: str | None) -> list[Turn]:
        if not conversation_id or self.max_turns == 0:
            return []
        with self._lock:
            item = self._items.get((user, conversation_id))
            if item is None or time.monotonic() - item[0] > self.ttl_s:
                return []
            return list(item[1])

    def _forget_turns(self, user: str, conversation_id: str) -> None:
        with self._lock:
            self._items.pop((user, conversation_id), None)

    def add(self, user: str, conversation_id: str, turn: Turn) -> None:
        if self.max_turns == 0:
            return
        key = (user, conversation_id)
        with self._lock:
            _, turns = self._items.pop(key, (0.0, []))
            self._items[key] = (time.monotonic(), (turns + [turn])[-self.max_turns:])
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)


class RedisConversationStore(RedisHistory, ConversationStore):
    """The same memory in Redis, shared by every API and worker process (a Slack thread's follow-up may be answered
    by another worker than its first question) and kept across restarts until the TTL."""

    def __init__(self, client: redis.Redis, max_turns: int = 3, ttl_s: float = 3600.0,
                 retention_s: float = 30 * 86400.0, max_kept: int = 200, max_shown_turns: int = 50):
        ConversationStore.__init__(self, max_turns, ttl_s, retention_s=retention_s, max_kept=max_kept,
                                   max_shown_turns=max_shown_turns)
        self._redis = client

    @staticmethod
    def _key(user: str, conversation_id: str) -> str:
        # The user as a fixed-length digest: joined raw, user "slack" + id "U1:slack:C1:ts" would be the same key as
        # Slack user "slack:U1" + id "slack:C1:ts" (a borrowed conversation; tests/leaks/test_leaks.py tries it).
        return f"perimeter:conversation:{user_digest(user)}:{conversation_id}"

    def history(self, user: str, conversation_id: str | None) -> list[Turn]:
        if not conversation_id or self.max_turns == 0:
            return []
        raw = self._redis.lrange(self._key(user, conversation_id), -self.max_turns, -1)
        return [Turn(**json.loads(item)) for item in raw]

    def add(self, user: str, conversation_id: str, turn: Turn) -> None:
        if self.max_turns == 0:
            return
        key = self._key(user, conversation_id)
        pipe = self._redis.pipeline()
        pipe.rpush(key, json.dumps({"question": turn.question, "answer": turn.answer}, ensure_ascii=False))
        pipe.ltrim(key, -self.max_turns, -1)
        pipe.expire(key, max(1, int(self.ttl_s)))
        pipe.execute()


def conversation_store(settings, connect: Callable[[], redis.Redis] | None = None) -> ConversationStore:
    """The store the settings ask for: this process's memory, or Redis (shared by all processes) through `connect`
    (the container's `redis`; a client of its own when built outside a container)."""
    answers, history = settings.answers, settings.history
    kept = dict(retention_s=history.retention_days * 86400, max_kept=history.max_conversations,
                max_shown_turns=history.max_turns)
    if answers.conversation_store == "redis":
        client = connect() if connect is not None else standalone_client(settings.redis.url)
        return RedisConversationStore(client, answers.conversation_turns, answers.conversation_ttl_s, **kept)
    return ConversationStore(answers.conversation_turns, answers.conversation_ttl_s, **kept)
