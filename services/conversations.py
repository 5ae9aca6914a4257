"""Conversation memory for follow-ups: the last few turns of each conversation, final answers only (never the model's
reasoning, never the sources), kept in this process for a while. Keyed by user too, so an id cannot be borrowed."""
from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass


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
