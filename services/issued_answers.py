"""The answers the server gave, by the id it issued with each (`answer_id` in every AskResponse), kept per user for
the feedback window. Feedback names only an answer id: the question, conversation, model and sources it rates are the
ones recorded here when the answer was given, never what the client says, and an id issued to someone else is
unknown to this user (POST /v1/feedback: 404).

Kept where conversations are (PERIMETER_CONVERSATION_STORE): this process's memory for the demo, Redis when several
API processes share the work (the feedback may reach another process than the answer came from)."""
from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable

import redis

from services.redis_clients import standalone_client


def new_answer_id() -> str:
    return uuid.uuid4().hex


class IssuedAnswers:
    """In this process: at most `max_answers` (the oldest go first), each for `ttl_s`."""

    def __init__(self, ttl_s: float, max_answers: int = 10_000):
        self.ttl_s, self.max_answers = ttl_s, max_answers
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str], tuple[float, dict]] = OrderedDict()

    def issue(self, user_key: str, record: dict) -> str:
        """A fresh answer id for `record` (what the answer was: question, conversation_id, model, sources, door),
        known from now on to this user only."""
        answer_id = new_answer_id()
        with self._lock:
            self._items[(user_key, answer_id)] = (time.monotonic(), dict(record))
            while len(self._items) > self.max_answers:
                self._items.popitem(last=False)
        return answer_id

    def recall(self, user_key: str, answer_id: str) -> dict | None:
        """What `answer_id` answered, when it was issued to this user and is still kept; None otherwise."""
        with self._lock:
            item = self._items.get((user_key, answer_id))
        if item is None or time.monotonic() - item[0] > self.ttl_s:
            return None
        return dict(item[1])


class RedisIssuedAnswers(IssuedAnswers):
    """The same in Redis, shared by every API and worker process, each id expiring after `ttl_s`."""

    def __init__(self, client: redis.Redis, ttl_s: float):
        super().__init__(ttl_s)
        self._redis = client

    @staticmethod
    def _key(user_key: str, answer_id: str) -> str:
        # The user as a fixed-length digest (as services/conversations.py does): user names may hold ":".
        return f"perimeter:answer:{hashlib.sha256(user_key.encode('utf-8')).hexdigest()[:32]}:{answer_id}"

    def issue(self, user_key: str, record: dict) -> str:
        answer_id = new_answer_id()
        self._redis.set(self._key(user_key, answer_id), json.dumps(record, ensure_ascii=False),
                        ex=max(1, int(self.ttl_s)))
        return answer_id

    def recall(self, user_key: str, answer_id: str) -> dict | None:
        raw = self._redis.get(self._key(user_key, answer_id))
        return json.loads(raw) if raw else None


def issued_answers(settings, connect: Callable[[], redis.Redis] | None = None) -> IssuedAnswers:
    """The store the settings ask for, beside the conversations: memory (this process) or Redis (all processes)
    through `connect` (the container's `redis`; a client of its own when built outside a container)."""
    if settings.answers.conversation_store == "redis":
        client = connect() if connect is not None else standalone_client(settings.redis.url)
        return RedisIssuedAnswers(client, settings.answers.feedback_window_s)
    return IssuedAnswers(settings.answers.feedback_window_s)
