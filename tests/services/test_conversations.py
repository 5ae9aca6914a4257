"""Conversation memory: in this process for the demo, in Redis when several processes answer one conversation."""
from __future__ import annotations

import pytest

from services.conversations import ConversationStore, RedisConversationStore, Turn, conversation_store
from services.redis_clients import standalone_client
from tests.conftest import make_settings


def _turns(n: int) -> list[Turn]:
    return [Turn(question=f"q{i}", answer=f'{{"conclusion": "a{i}"}}') for i in range(n)]


def test_memory_store_keeps_the_last_turns_per_user():
    store = ConversationStore(max_turns=2)
    for turn in _turns(3):
        store.add("alice", "c1", turn)
    assert [t.question for t in store.history("alice", "c1")] == ["q1", "q2"]
    assert store.history("mallory", "c1") == []  # another user cannot borrow the conversation id


@pytest.mark.integration
def test_redis_store_is_shared_between_processes_trimmed_and_expiring(redis_url, tmp_path):
    first = RedisConversationStore(standalone_client(redis_url), max_turns=2, ttl_s=60)  # as another process
    for turn in _turns(3):
        first.add("alice", "c-redis", turn)
    second = conversation_store(make_settings(tmp_path, redis_url=redis_url, conversation_store="redis",
                                              conversation_turns=2))
    assert isinstance(second, RedisConversationStore)
    assert [t.question for t in second.history("alice", "c-redis")] == ["q1", "q2"]
    assert second.history("bob", "c-redis") == [] and second.history("alice", None) == []
    ttl = first._redis.ttl(first._key("alice", "c-redis"))
    assert 0 < ttl <= 60
