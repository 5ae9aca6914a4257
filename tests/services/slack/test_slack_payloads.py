"""Correctly signed Slack requests that are not payloads Slack sends (issue 17): each is a 400 that names what is
wrong, never a 500, and nothing is remembered of it, so Slack's retry of the delivery is still answered. The Slack
webhooks as the app mounts them, over a real Redis; no index, model or worker is needed to refuse a payload."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import urlencode

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.api.routes import slack
from services.container import Container
from tests.conftest import make_settings
from tests.services.slack.test_slack import SECRET

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def webhooks(tmp_path, redis_url) -> TestClient:
    app = FastAPI()
    app.state.container = Container(make_settings(tmp_path / "data", redis_url=redis_url, slack_signing_secret=SECRET))
    app.include_router(slack.router)
    return TestClient(app)


def post(client: TestClient, path: str, body: bytes, content_type: str = "application/json"):
    """Signed with the app's secret over the exact bytes (which need not be UTF-8), as Slack signs what it sends."""
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}", "Content-Type": content_type}
    return client.post(path, content=body, headers=headers)


def mention(event_id: str, without: tuple[str, ...] = (), **event) -> bytes:
    """An app_mention delivery; `without`: fields left out of the event."""
    inner = {"type": "app_mention", "user": "U1", "text": "<@UBOT> annual leave?", "channel": "C1",
             "ts": "1700000000.000100", **event}
    inner = {k: v for k, v in inner.items() if k not in without}
    return json.dumps({"type": "event_callback", "event_id": event_id, "event": inner}).encode()


MALFORMED_EVENTS = {
    "not JSON": b"type=event_callback",
    "a JSON array": b'[{"type": "event_callback"}]',
    "a JSON string": b'"event_callback"',
    "not UTF-8": b'{"type": "event_callback", "event": {"type": "app_mention", "text": "\xff"}}',
    "type not a string": b'{"type": ["event_callback"]}',
    "url_verification without a challenge": b'{"type": "url_verification"}',
    "event_callback without an event": b'{"type": "event_callback", "event_id": "Ev0"}',
    "the event a list": b'{"type": "event_callback", "event_id": "Ev0", "event": [1]}',
    "app_mention without channel": mention("Ev1", without=("channel",)),
    "app_mention with a numeric channel": mention("Ev2", channel=42),
    "app_mention without user": mention("Ev3", without=("user",)),
    "direct message without ts": json.dumps({"type": "event_callback", "event_id": "Ev4", "event": {
        "type": "message", "channel_type": "im", "user": "U1", "text": "hi", "channel": "D1"}}).encode(),
    "a lone surrogate in the question": mention("Ev5", text="annual leave \ud800"),
}


@pytest.mark.parametrize("body", MALFORMED_EVENTS.values(), ids=MALFORMED_EVENTS.keys())
def test_malformed_event_requests_are_400(webhooks, body):
    response = post(webhooks, "/slack/events", body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("malformed Slack payload: ")


MALFORMED_COMMANDS = {
    "not UTF-8": b"command=%2Fask&text=annual+leave+\xe9&user_id=U1&channel_id=C1",
    "a percent-escape that is not UTF-8": b"command=%2Fask&text=annual+leave+%ED%A0%80&user_id=U1&channel_id=C1",
    "without channel_id": urlencode({"command": "/ask", "text": "annual leave?", "user_id": "U1"}).encode(),
}


@pytest.mark.parametrize("body", MALFORMED_COMMANDS.values(), ids=MALFORMED_COMMANDS.keys())
def test_malformed_slash_commands_are_400(webhooks, body):
    response = post(webhooks, "/slack/commands", body, FORM)
    assert response.status_code == 400, response.text


MALFORMED_CLICKS = {
    "no payload": b"token=x",
    "payload not JSON": urlencode({"payload": "{not json"}).encode(),
    "payload a list": urlencode({"payload": "[]"}).encode(),
    "user a string": urlencode({"payload": json.dumps({"type": "block_actions", "user": "U1"})}).encode(),
    "actions not a list": urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "U1"},
                                                            "actions": {"value": "x"}})}).encode(),
}


@pytest.mark.parametrize("body", MALFORMED_CLICKS.values(), ids=MALFORMED_CLICKS.keys())
def test_malformed_interactions_are_400(webhooks, body):
    response = post(webhooks, "/slack/interactions", body, FORM)
    assert response.status_code == 400, response.text


def test_a_refused_delivery_leaves_its_event_id_for_slacks_retry(webhooks, redis_url):
    """The probe's case: an app_mention without `channel` was marked seen before it failed, so the retry was taken
    for a duplicate and never answered. Refused now before the id is kept; the complete retry is queued once."""
    store = redis.Redis.from_url(redis_url)
    event_id, question = f"Ev{uuid.uuid4().hex}", f"How many days of annual leave? {uuid.uuid4().hex}"
    broken = mention(event_id, without=("channel",), text=f"<@UBOT> {question}")
    assert post(webhooks, "/slack/events", broken).status_code == 400
    assert not store.exists(f"perimeter:slack:event:{event_id}")

    retry = mention(event_id, text=f"<@UBOT> {question}")
    assert post(webhooks, "/slack/events", retry).json() == {"ok": True}
    assert post(webhooks, "/slack/events", retry).json() == {"ok": True, "duplicate": True}
    # The question went to the worker's queue (no worker runs here): found by its arguments, then taken back out.
    queued = [m for m in store.lrange("celery", 0, -1)
              if question in json.loads(m)["headers"].get("argsrepr", "")]
    assert len(queued) == 1
    store.lrem("celery", 1, queued[0])


def test_well_formed_requests_still_pass(webhooks):
    challenge = json.dumps({"type": "url_verification", "challenge": "abc123"}).encode()
    assert post(webhooks, "/slack/events", challenge).json() == {"challenge": "abc123"}
    other = json.dumps({"type": "event_callback", "event_id": "Ev-join", "event": {
        "type": "member_joined_channel", "user": "U1", "channel": "C1"}}).encode()
    assert post(webhooks, "/slack/events", other).json() == {"ok": True}  # not a question: nothing to check
    bot_post = mention(f"Ev{uuid.uuid4().hex}", without=("channel",), bot_id="B1")  # a bot's post is no question
    assert post(webhooks, "/slack/events", bot_post).json() == {"ok": True}
    empty = urlencode({"command": "/ask", "text": "", "user_id": "U1", "channel_id": "C1"}).encode()
    assert post(webhooks, "/slack/commands", empty, FORM).json()["text"].startswith("Usage")
    other_kind = urlencode({"payload": json.dumps({"type": "view_closed", "user": {"id": "U1"}})}).encode()
    assert post(webhooks, "/slack/interactions", other_kind, FORM).json() == {"ok": True}


def test_an_unsigned_body_is_401_before_its_form_is_looked_at(webhooks):
    body = b"command=%2Fask&text=\xe9&user_id=U1&channel_id=C1"
    response = webhooks.post("/slack/commands", content=body, headers={
        "Content-Type": FORM, "X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=00"})
    assert response.status_code == 401
