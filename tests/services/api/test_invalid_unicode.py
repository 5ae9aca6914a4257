"""A lone UTF-16 surrogate in a question (issue 17: `{"question": "annual leave \\ud800"}` was a 500 from deep in the
pipeline, and the request went unaudited): every door that takes text refuses it at once with a 422 that says what
and where, while a valid surrogate pair (an emoji, escaped) is still answered. Real index and embedder; the model is
down (a closed port), so answers come from degraded mode. The Slack doors:
tests/services/slack/test_slack_payloads.py."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_model, build_retriever, run_ingest
from tests.conftest import free_port, make_settings

pytestmark = pytest.mark.integration

LONE = "annual leave \\ud800"  # as JSON carries it: the escape, which json.loads turns into a lone surrogate
PAIR = "annual leave \\ud83c\\udf34"  # 🌴, escaped as a UTF-16 pair: valid


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder):
    tmp = tmp_path_factory.mktemp("unicode")
    (tmp / "docs").mkdir()
    (tmp / "docs" / "leave.md").write_text("# Annual leave\n\nEmployees get 25 days of annual leave a year.\n")
    settings = make_settings(tmp / "data", llm_url=f"http://127.0.0.1:{free_port()}/v1", llm_retries=0,
                             llm_timeout_s=2.0, demo_mode=True)
    run_ingest(settings, [tmp / "docs"], embedder=embedder)
    pipeline = AskPipeline(settings, build_retriever(settings, embedder), build_model(settings))
    return TestClient(create_app(settings, pipeline))


def chat(*turns: tuple[str, str]) -> str:
    messages = ", ".join(f'{{"role": "{role}", "content": {content}}}' for role, content in turns)
    return f'{{"model": "perimeter", "messages": [{messages}]}}'


def text(value: str) -> str:
    return f'"{value}"'


DOORS = {
    "/v1/search": ("/v1/search", '{"question": "%s"}', "body.question"),
    "/v1/ask": ("/v1/ask", '{"question": "%s"}', "body.question"),
    "/v1/ask/stream": ("/v1/ask/stream", '{"question": "%s"}', "body.question"),
    "/v1/ask conversation_id": ("/v1/ask", '{"question": "annual leave?", "conversation_id": "c-%s"}',
                                "body.conversation_id"),
    "chat question": ("/v1/chat/completions", chat(("user", text("%s"))), "body.messages[0].content"),
    "chat question in parts": ("/v1/chat/completions",
                               chat(("user", '[{"type": "text", "text": "%s"}]')), "body.messages[0].content[0].text"),
    "chat history, user": ("/v1/chat/completions",
                           chat(("user", text("%s")), ("assistant", text("25 days.")), ("user", text("And in Lyon?"))),
                           "body.messages[0].content"),
    "chat history, assistant": ("/v1/chat/completions",
                                chat(("user", text("leave?")), ("assistant", text("%s")), ("user", text("And?"))),
                                "body.messages[1].content"),
}


@pytest.mark.parametrize("path,template,where", DOORS.values(), ids=DOORS.keys())
def test_a_lone_surrogate_is_refused_with_422_saying_where(client, path, template, where):
    body = (template % LONE).encode("ascii")
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "lone UTF-16 surrogate" in detail and where in detail and "U+D800" in detail, detail


@pytest.mark.parametrize("path,template,where", DOORS.values(), ids=DOORS.keys())
def test_a_valid_surrogate_pair_is_answered(client, path, template, where):
    body = (template % PAIR).encode("ascii")
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    if path in ("/v1/search", "/v1/ask"):
        assert json.loads(response.text)["sources"]
