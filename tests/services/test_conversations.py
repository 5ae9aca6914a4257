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


def _shown(question: str, conversation_id: str):
    from services.schemas import AskResponse

    return AskResponse.model_validate({
        "question": question, "language": "en", "sources": [], "model": "scripted", "grounded": False,
        "timings": {"retrieval_ms": 1.0}, "conversation_id": conversation_id,
        "answer": {"restatement": question, "points": [], "conclusion": f"answer to {question}", "suggestions": []}})


def _history_of_one_user(store) -> None:
    """What the page does with one user's conversations, and that another user reaches none of it."""
    from services.conversation_history import ConversationNotFound

    store.record("alice", "c1", "How many days of annual leave?", _shown("How many days of annual leave?", "c1"))
    store.record("alice", "c1", "And for part-time staff?", _shown("And for part-time staff?", "c1"))
    store.record("alice", "c2", "Where is the VPN guide?", _shown("Where is the VPN guide?", "c2"))
    assert [c.id for c in store.summaries("alice")] == ["c2", "c1"]  # the most recent first
    assert [c.title for c in store.summaries("alice", "annual")] == ["How many days of annual leave?"]
    opened = store.conversation("alice", "c1")
    assert [t.question for t in opened.shown] == ["How many days of annual leave?", "And for part-time staff?"]
    assert opened.shown[1].response.answer.conclusion == "answer to And for part-time staff?"
    assert store.rename("alice", "c1", "  Leave   rules ").title == "Leave rules"
    assert store.summaries("alice", "LEAVE")[0].id == "c1"
    for attempt in (lambda: store.conversation("mallory", "c1"), lambda: store.rename("mallory", "c1", "x"),
                    lambda: store.delete("mallory", "c1")):
        with pytest.raises(ConversationNotFound):
            attempt()
    assert store.summaries("mallory") == [] and store.summaries("alice", "leave")[0].title == "Leave rules"
    store.add("alice", "c1", Turn("q", "{}"))
    store.delete("alice", "c1")
    assert [c.id for c in store.summaries("alice")] == ["c2"] and store.history("alice", "c1") == []
    with pytest.raises(ConversationNotFound):
        store.conversation("alice", "c1")


def test_memory_store_keeps_each_users_history():
    _history_of_one_user(ConversationStore())


def test_memory_history_keeps_the_newest_conversations_and_turns():
    store = ConversationStore(max_kept=2, max_shown_turns=2)
    for n in range(3):
        store.record("alice", f"c{n}", f"q{n}", _shown(f"q{n}", f"c{n}"))
        store.record("alice", "c2", f"again {n}", _shown(f"again {n}", "c2"))
    assert {c.id for c in store.summaries("alice")} == {"c2", "c1"}
    assert [t.question for t in store.conversation("alice", "c2").shown] == ["q2", "again 2"]


@pytest.mark.integration
def test_redis_store_keeps_each_users_history_with_retention(redis_url):
    client = standalone_client(redis_url)
    client.flushdb()  # the session's Redis: conversations other tests kept (Slack's, 30 days) are not this store's
    store = RedisConversationStore(client, retention_s=120, max_kept=2)
    _history_of_one_user(store)
    for key in client.keys("perimeter:conversation*"):
        assert 0 < client.ttl(key) <= 3600, key  # everything expires: the memory's TTL or the retention
    for n in range(3):
        store.record("bob", f"b{n}", f"q{n}", _shown(f"q{n}", f"b{n}"))
    assert [c.id for c in store.summaries("bob")] == ["b2", "b1"]  # the oldest beyond the maximum went
    assert not client.exists(store._shown("bob", "b0"))


def test_the_conversation_routes_answer_503_when_redis_is_down(tmp_path):
    """Redis unreachable: a 503 that says what cannot be read, never a 500 (nothing stored is lost)."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from services.api.errors import add_error_handlers
    from services.api.routes import conversations
    from services.container import Container
    from tests.conftest import free_port

    settings = make_settings(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0", conversation_store="redis",
                             auth_trusted_proxies=["testclient"])
    app = FastAPI()
    app.state.container = Container(settings, model=None)
    add_error_handlers(app)
    app.include_router(conversations.router)
    client = TestClient(app, headers={"X-Forwarded-User": "alice", "X-Forwarded-Groups": "all"})
    for method, path in (("GET", "/v1/conversations"), ("GET", "/v1/conversations/c1"),
                         ("DELETE", "/v1/conversations/c1")):
        reply = client.request(method, path)
        assert reply.status_code == 503 and "conversations cannot be read" in reply.json()["detail"], reply.text
    assert client.request("PATCH", "/v1/conversations/c1", json={"title": ""}).status_code == 422  # bad input first
