"""Conversation memory for follow-ups: the last few turns of each conversation, final answers only (never the model's
reasoning, never the sources), kept in this process for a while. Keyed by user too, so an id cannot be borrowed."""
from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import redis

from services.redis_clients import standalone_client


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str  # the final answer as the model should see it again (the answer JSON)


class ConversationStore:
    def __init__(self, max_turns: int = 3, ttl_s: float = 3600.0, max_conversations: int = 1000):
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

    def add(self, user: str, conversation_id: str, turn: Turn) -> None:
        if self.max_turns == 0:
            return
        key = (user, conversation_id)
        with self._lock:
            _, turns = self._items.pop(key, (0.0, []))
            self._items[key] = (time.monotonic(), (turns + [turn])[-self.max_turns:])
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)


class RedisConversationStore(ConversationStore):
    """The same memory in Redis, shared by every API and worker process (a Slack thread's follow-up may be answered
    by another worker than its first question) and kept across restarts until the TTL."""

    def __init__(self, client: redis.Redis, max_turns: int = 3, ttl_s: float = 3600.0):
        super().__init__(max_turns, ttl_s)
        self._redis = client

    @staticmethod
    def _key(user: str, conversation_id: str) -> str:
        # The user as a fixed-length digest: joined raw, user "slack" + id "U1:slack:C1:ts" would be the same key as
        # Slack user "slack:U1" + id "slack:C1:ts" (a borrowed conversation; tests/leaks/test_leaks.py tries it).
        return f"perimeter:conversation:{hashlib.sha256(user.encode('utf-8')).hexdigest()[:32]}:{conversation_id}"

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
    answers = settings.answers
    if answers.conversation_store == "redis":
        client = connect() if connect is not None else standalone_client(settings.redis.url)
        return RedisConversationStore(client, answers.conversation_turns, answers.conversation_ttl_s)
    return ConversationStore(answers.conversation_turns, answers.conversation_ttl_s)
