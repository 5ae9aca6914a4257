"""Feedback rates an answer the server gave the caller (issue 17, item 6): the client names the answer's id; the
question, conversation, model and sources stored are the server's record of that answer, whatever the client adds;
an id given to someone else (or never given) is a 404. Also for Slack's 👍/👎 buttons: a click counts only from where
the answer was posted. Real app, real index, real Redis."""
from __future__ import annotations

import json
import secrets
import time
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.slack.answers import remember_answer
from tests.auth_support import (
    PROXY,
    client_for,
    corpus_fixture,  # noqa: F401  (registers the `corpus` fixture here)
)
from tests.services.slack.test_slack import signed

pytestmark = pytest.mark.integration  # the real embedding model and Chroma

ALICE = {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "all"}
MALLORY = {"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "all"}
QUESTION = "When is soup served in the canteen?"


def stored(client: TestClient) -> list[dict]:
    assert isinstance(client.app, FastAPI)
    path = client.app.state.container.settings.answers.feedback_file
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_feedback_stores_the_servers_record_of_an_answer_given_to_the_caller(corpus):
    _, _, hr_doc, public_doc = corpus
    client = client_for(corpus, **PROXY)
    answer = client.post("/v1/ask", json={"question": QUESTION}, headers=ALICE).json()
    assert answer["answer_id"] and [s["doc_id"] for s in answer["sources"]] == [public_doc]
    marker = secrets.token_hex(8)
    forged = {"answer_id": answer["answer_id"], "rating": "down", "comment": marker,
              "question": "What are the salary bands?", "sources": [hr_doc], "conversation_id": "someone-elses",
              "model": "gpt-forged"}
    assert client.post("/v1/feedback", json=forged, headers=ALICE).status_code == 201
    (record,) = [r for r in stored(client) if r["comment"] == marker]
    assert record["user"] == "alice" and record["rating"] == "down" and record["answer_id"] == answer["answer_id"]
    assert record["question"] == QUESTION and record["sources"] == [public_doc]  # the server's, not the client's
    assert record["conversation_id"] == answer["conversation_id"] and record["model"] is None  # degraded: no model
    assert record["via"] == "api"


def test_the_web_pages_stream_carries_the_answer_id_its_feedback_names(corpus):
    """What services/web/static/chat.js does: read the stream's `answer` event, then post exactly its body."""
    client = client_for(corpus, **PROXY)
    with client.stream("POST", "/v1/ask/stream", json={"question": QUESTION},
                       headers={**ALICE, "Sec-Fetch-Site": "same-origin"}) as streamed:
        events = streamed.read().decode("utf-8").split("\n\n")
    (answer,) = [json.loads(e.split("data: ", 1)[1]) for e in events if e.startswith("event: answer")]
    body = {"answer_id": answer["answer_id"], "rating": "up", "comment": "clear"}
    assert client.post("/v1/feedback", json=body, headers=ALICE).status_code == 201
    (record,) = [r for r in stored(client) if r["answer_id"] == answer["answer_id"]]
    assert (record["via"], record["question"], record["user"]) == ("web", QUESTION, "alice")


def test_feedback_on_an_answer_the_caller_was_not_given_is_refused(corpus):
    client = client_for(corpus, **PROXY)
    alices = client.post("/v1/ask", json={"question": QUESTION}, headers=ALICE).json()["answer_id"]
    before = len(stored(client))
    for headers, answer_id in ((MALLORY, alices), (ALICE, secrets.token_hex(16))):
        refused = client.post("/v1/feedback", json={"answer_id": answer_id, "rating": "down"}, headers=headers)
        assert refused.status_code == 404, refused.text
    # An id from another process's memory is unknown here too (a restart, or the demo's in-process store).
    other = client_for(corpus, **PROXY)
    assert other.post("/v1/feedback", json={"answer_id": alices, "rating": "up"}, headers=ALICE).status_code == 404
    assert client.post("/v1/feedback", json={"rating": "up", "question": QUESTION}, headers=ALICE).status_code == 422
    assert len(stored(client)) == before


def test_answer_ids_in_redis_serve_every_api_process_for_their_user_only(corpus, redis_url):
    settings = corpus[0].with_values(**{"conversation_store": "redis", "redis_url": redis_url, **PROXY})
    first, second = (TestClient(create_app(settings, AskPipeline(settings, corpus[1], None))) for _ in range(2))
    answer_id = first.post("/v1/ask", json={"question": QUESTION}, headers=ALICE).json()["answer_id"]
    assert second.post("/v1/feedback", json={"answer_id": answer_id, "rating": "up"}, headers=ALICE).status_code == 201
    assert second.post("/v1/feedback", json={"answer_id": answer_id, "rating": "up"},
                       headers=MALLORY).status_code == 404


def test_a_slack_click_counts_only_where_the_answer_was_posted(corpus, redis_url):
    secret = secrets.token_hex(16)
    settings = corpus[0].with_values(**{"slack_signing_secret": secret, "redis_url": redis_url, **PROXY})
    client = TestClient(create_app(settings, AskPipeline(settings, corpus[1], None)))
    answer_id = secrets.token_hex(16)
    remember_answer(client.app.state.container.redis(), answer_id, {
        "question": "When is pay day?", "conversation_id": "slack:D0HANA:1.0", "model": "local", "sources": ["d1"],
        "slack_user": "U0HANA", "channel": "D0HANA"})

    def click(user: str, channel: str) -> None:
        payload = {"type": "block_actions", "user": {"id": user}, "channel": {"id": channel},
                   "actions": [{"action_id": "feedback_down", "block_id": f"feedback:{answer_id}", "value": answer_id}]}
        form = urlencode({"payload": json.dumps(payload)})
        response = client.post("/slack/interactions", content=form.encode(),
                               headers={**signed(form, secret), "Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 200, response.text

    click("U0MALLORY", "C0GENERAL")  # the id, were it ever seen, clicked from a channel the answer was not posted in
    click("U0HANA", "D0HANA")  # the asker, in the direct message the answer was posted to
    time.sleep(0.1)
    mine = [r for r in stored(client) if r.get("answer_id") == answer_id]
    assert [(r["user"], r["question"]) for r in mine] == [("slack:U0HANA", "When is pay day?")]
