"""The Slack bot against the running app and a real worker; Slack's Web API is a local server that records calls."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import pytest
import redis
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.components import run_ingest
from tests.conftest import MODELS_DIR, make_settings
from tests.processes import Worker, wait_for

pytestmark = pytest.mark.integration
SECRET = "slack-signing-secret-for-tests"
CANARY = "ZX-7781"


class SlackRecorder(ThreadingHTTPServer):
    """Stands in for https://slack.com/api/: records every Web API call and answers ok."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[tuple[str, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/api/"

    def posts(self) -> list[dict]:
        return [body for path, body in self.calls if path.endswith("chat.postMessage")]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
        if "json" in (self.headers.get("Content-Type") or ""):
            body = json.loads(raw)
        else:
            body = {k: v[0] for k, v in parse_qs(raw).items()}
            if "blocks" in body:
                body["blocks"] = json.loads(body["blocks"])
        self.server.calls.append((self.path, body))
        reply = json.dumps({"ok": True, "ts": f"{time.time():.6f}", "channel": body.get("channel")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def signed(body: str, secret: str = SECRET, age_s: float = 0) -> dict[str, str]:
    ts = str(int(time.time() - age_s))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def mention(event_id: str, user: str, text: str, ts: str) -> str:
    return json.dumps({"type": "event_callback", "event_id": event_id, "team_id": "T1", "event": {
        "type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "channel": "C1", "ts": ts}})


def direct_message(event_id: str, user: str, text: str, ts: str, channel: str = "D1") -> str:
    return json.dumps({"type": "event_callback", "event_id": event_id, "team_id": "T1", "event": {
        "type": "message", "channel_type": "im", "user": user, "text": text, "channel": channel, "ts": ts}})


@pytest.fixture(scope="module")
def slack(tmp_path_factory, embedder, llm_server, redis_url):
    tmp = tmp_path_factory.mktemp("slack")
    docs = tmp / "hr"
    docs.mkdir()
    (docs / "salaries.md").write_text(f"# Salary bands\n\nThe canteen manager salary band is {CANARY}.\n")
    users = tmp / "slack-users.yaml"
    users.write_text("users:\n  U_HR: [hr]\n")
    recorder = SlackRecorder()
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    settings = make_settings(tmp / "data", redis_url=redis_url, slack_signing_secret=SECRET,
                             slack_bot_token="xoxb-test", slack_api_url=recorder.url, slack_users_file=users,
                             llm_url=llm_server.url, llm_temperature=0.0, llm_max_tokens=300, llm_timeout_s=400)
    run_ingest(settings, [docs], groups=["hr"], embedder=embedder)
    redis.Redis.from_url(redis_url).flushdb()
    env = {"PERIMETER_DATA_DIR": str(settings.storage.data_dir), "PERIMETER_MODELS_DIR": str(MODELS_DIR),
           "PERIMETER_REDIS_URL": redis_url, "PERIMETER_SLACK_SIGNING_SECRET": SECRET,
           "PERIMETER_SLACK_BOT_TOKEN": "xoxb-test", "PERIMETER_SLACK_API_URL": recorder.url,
           "PERIMETER_SLACK_USERS_FILE": str(users), "PERIMETER_LLM_URL": llm_server.url,
           "PERIMETER_LLM_TEMPERATURE": "0", "PERIMETER_LLM_MAX_TOKENS": "300",
           # A busy 2-core CI box can take minutes per answer; a timeout here would test degraded mode instead.
           "PERIMETER_LLM_TIMEOUT_S": "400"}
    client = TestClient(create_app(settings))
    worker = Worker(env, tmp / "worker.log", "slack")
    try:
        worker.start()
        yield client, recorder
    finally:
        worker.stop()
        recorder.shutdown()


def _post(client, path: str, body: str, headers: dict, content_type="application/json"):
    start = time.monotonic()
    response = client.post(path, content=body, headers={**headers, "Content-Type": content_type})
    assert time.monotonic() - start < 3, "Slack needs an answer within 3 seconds"
    return response


def test_url_verification_and_signatures(slack):
    client, _ = slack
    body = json.dumps({"type": "url_verification", "challenge": "abc123"})
    assert _post(client, "/slack/events", body, signed(body)).json() == {"challenge": "abc123"}
    assert _post(client, "/slack/events", body, signed(body, secret="wrong")).status_code == 401
    assert _post(client, "/slack/events", body, signed(body, age_s=6 * 60)).status_code == 401
    assert _post(client, "/slack/events", body, {}).status_code == 401


def test_user_outside_the_group_gets_no_trace_of_the_document(slack):
    client, recorder = slack
    body = mention("Ev-outsider", "U_OTHER", "What is the canteen manager salary band?", "1700000000.000100")
    assert _post(client, "/slack/events", body, signed(body)).status_code == 200
    wait_for(lambda: any(p.get("thread_ts") == "1700000000.000100" for p in recorder.posts()), 120, "a reply")
    (post,) = [p for p in recorder.posts() if p.get("thread_ts") == "1700000000.000100"]
    dumped = json.dumps(post)
    assert CANARY not in dumped and "Salary bands" not in dumped and "salaries" not in dumped
    assert "could not find" in dumped
    assert "direct message" not in dumped  # the channel may read all this user may: nothing is kept for a DM


def test_insider_asking_in_a_channel_gets_only_what_the_channel_may_read(slack):
    """Everyone in the channel reads the answer: U_HR's HR documents stay out of it (PERIMETER_SLACK_CHANNEL_GROUPS
    is "all"), by mention and by slash command, even in a channel that is named "directmessage"; a hint says where
    to ask instead."""
    client, recorder = slack
    ts = "1700000000.000150"
    body = mention("Ev-hr-in-channel", "U_HR", "What is the canteen manager salary band?", ts)
    assert _post(client, "/slack/events", body, signed(body)).status_code == 200
    form = urlencode({"command": "/ask", "text": "What is the canteen manager salary band?", "user_id": "U_HR",
                      "channel_id": "C3", "channel_name": "directmessage", "trigger_id": "trig-hr-in-channel"})
    assert _post(client, "/slack/commands", form, signed(form), "application/x-www-form-urlencoded").status_code == 200
    # A task queued by an API from before `direct` was passed (four arguments): judged by the channel id.
    from services.worker.celery_app import app
    from services.worker.slack_tasks import slack_answer

    with app.connection_for_write(client.app.state.container.settings.redis.url) as connection:
        slack_answer.apply_async(("C4", "1700000000.000160", "U_HR", "What is the canteen manager salary band?"),
                                 connection=connection)
    wait_for(lambda: {(ts, "C1"), (None, "C3"), ("1700000000.000160", "C4")} <= {
        (p.get("thread_ts"), p.get("channel")) for p in recorder.posts()}, 120, "three replies")
    (in_thread,) = [p for p in recorder.posts() if p.get("thread_ts") == ts]
    (in_c3,) = [p for p in recorder.posts() if p.get("channel") == "C3"]
    (in_c4,) = [p for p in recorder.posts() if p.get("channel") == "C4"]
    assert in_thread["channel"] == "C1"
    for post in (in_thread, in_c3, in_c4):
        dumped = json.dumps(post)
        assert CANARY not in dumped and "Salary bands" not in dumped and "salaries" not in dumped
        assert "could not find" in dumped
        contexts = [e["text"] for b in post["blocks"] if b["type"] == "context" for e in b["elements"]]
        assert any("only answered in a direct message with me" in c for c in contexts), contexts


def test_answer_in_thread_with_citations_and_retries_never_answer_twice(slack):
    """In a direct message the asker's own groups hold: U_HR gets the HR document, cited."""
    client, recorder = slack
    ts = "1700000000.000200"
    body = direct_message("Ev-hr", "U_HR", "What is the canteen manager salary band?", ts)
    assert _post(client, "/slack/events", body, signed(body)).status_code == 200
    for attempt in (1, 2):  # Slack's retries: same event_id
        retry = _post(client, "/slack/events", body, {**signed(body), "X-Slack-Retry-Num": str(attempt),
                                                        "X-Slack-Retry-Reason": "http_timeout"})
        assert retry.status_code == 200
    wait_for(lambda: any(p.get("thread_ts") == ts for p in recorder.posts()), 450, "the answer")
    time.sleep(3)
    posts = [p for p in recorder.posts() if p.get("thread_ts") == ts]
    assert len(posts) == 1
    blocks = posts[0]["blocks"]
    assert posts[0]["channel"] == "D1"
    kinds = [b["type"] for b in blocks]
    assert "section" in kinds and kinds[-1] == "actions"
    contexts = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert any(c.startswith("[1]") and "Salary bands" in c for c in contexts), contexts
    points = " ".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "[1]" in points, points
    assert "direct message" not in json.dumps(posts[0])


def test_slash_command_acknowledges_at_once_and_posts(slack):
    client, recorder = slack
    before = len(recorder.posts())
    form = urlencode({"command": "/ask", "text": "What is the canteen manager salary band?", "user_id": "U_OTHER",
                      "channel_id": "C2", "trigger_id": "trig-1"})
    response = _post(client, "/slack/commands", form, signed(form), "application/x-www-form-urlencoded")
    assert response.json()["response_type"] == "ephemeral"
    wait_for(lambda: len(recorder.posts()) > before, 120, "the answer")
    assert recorder.posts()[-1]["channel"] == "C2" and CANARY not in json.dumps(recorder.posts()[-1])


def _answer_id(recorder, ts: str) -> str:
    (post,) = [p for p in recorder.posts() if p.get("thread_ts") == ts]
    (actions,) = [b for b in post["blocks"] if b["type"] == "actions"]
    return actions["elements"][0]["value"]


def test_feedback_buttons_are_stored_once_with_the_question_and_thanked(slack, redis_url):
    client, recorder = slack
    ts = "1700000000.000200"  # the answer of the direct message above
    wait_for(lambda: any(p.get("thread_ts") == ts for p in recorder.posts()), 450, "the answer")
    answer_id = _answer_id(recorder, ts)
    payload = {"type": "block_actions", "user": {"id": "U_HR"}, "channel": {"id": "D1"},
               "container": {"type": "message", "message_ts": ts, "channel_id": "D1"},
               "actions": [{"action_id": "feedback_down", "block_id": f"feedback:{answer_id}", "value": answer_id}]}
    form = urlencode({"payload": json.dumps(payload)})
    for _ in range(2):  # Slack may deliver the same click twice
        response = _post(client, "/slack/interactions", form, signed(form), "application/x-www-form-urlencoded")
        assert response.json()["ok"]
    assert _post(client, "/slack/interactions", form, signed(form, secret="wrong"),
                 "application/x-www-form-urlencoded").status_code == 401
    data_dir = client.app.state.container.settings.storage.data_dir
    records = [json.loads(line) for line in (data_dir / "feedback.jsonl").read_text().splitlines()]
    mine = [r for r in records if r.get("answer_id") == answer_id]
    assert len(mine) == 1
    assert mine[0]["rating"] == "down" and mine[0]["user"] == "slack:U_HR" and mine[0]["via"] == "slack"
    assert mine[0]["question"] == "What is the canteen manager salary band?" and mine[0]["sources"]
    wait_for(lambda: any(p.endswith("chat.postEphemeral") and b.get("user") == "U_HR" for p, b in recorder.calls),
             60, "the ephemeral thanks")
    # The thread is a conversation kept in Redis, so a follow-up answered by any worker process sees this turn.
    keys = redis.Redis.from_url(redis_url).keys(f"perimeter:conversation:*:slack:D1:{ts}")
    assert len(keys) == 1 and redis.Redis.from_url(redis_url).llen(keys[0]) == 1


def test_a_user_over_the_rate_limit_is_told_when_to_retry_and_nothing_is_queued(slack):
    client, recorder = slack
    limited = TestClient(create_app(client.app.state.container.settings.with_values(**{"rate_limit_per_minute": 1})))
    user = f"U_BUSY{time.time_ns()}"  # a fresh one-minute window in the shared test Redis

    def command(text: str, trigger: str) -> dict:
        form = urlencode({"command": "/ask", "text": text, "user_id": user, "channel_id": "C_BUSY",
                          "trigger_id": trigger})
        return _post(limited, "/slack/commands", form, signed(form), "application/x-www-form-urlencoded").json()

    # Off-topic, so the one accepted question is answered "not found" without the model.
    assert command("How do I bake sourdough bread?", f"busy-1-{user}")["text"].startswith("Looking that up")
    refused = command("烤面包需要多少度？", f"busy-2-{user}")["text"]
    assert refused.startswith("提问太频繁：每分钟最多 1 个问题") and "秒后再试" in refused
    body = mention(f"Ev-busy-{user}", user, "And how long does the dough rest?", "1700000000.000900")
    assert _post(limited, "/slack/events", body, signed(body)).json() == {"ok": True, "rate_limited": True}
    wait_for(lambda: any(p.endswith("chat.postEphemeral") and b.get("user") == user for p, b in recorder.calls),
             120, "the ephemeral notice")
    (notice,) = [b for p, b in recorder.calls if p.endswith("chat.postEphemeral") and b.get("user") == user]
    assert notice["text"].startswith("Too many questions: at most 1 a minute. Try again in ")
    # One worker takes tasks in order: the accepted answer, (a refused command's, had it been queued), the notice.
    assert len([p for p in recorder.posts() if p.get("channel") == "C_BUSY"]) == 1
