"""Operations over the real index: Prometheus metrics that move, request ids in JSON logs, the audit log of who asked
what (cited documents, never document or analysis text), per-user rate limits in a real Redis (and failing open
without one), and the request body cap.

The model is the real harmony backend reading a gpt-oss-shaped completion (analysis channel with a canary, then the
final JSON answer) from an in-process /v1/completions endpoint. Callers sign in the way a reverse proxy does it
(X-Forwarded-User / X-Forwarded-Groups from a trusted peer, services/auth)."""
from __future__ import annotations

import io
import json
import logging
import os
import stat
import time
import uuid

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from services.answering import AskPipeline, Sources
from services.api.app import create_app
from services.components import build_retriever
from services.identity import User
from services.llm.harmony_completion import HarmonyCompletionModel
from services.observability.logging import configure_logging
from tests.conftest import free_port
from tests.prompts.test_harmony import FakeCompletions, completion_text

pytestmark = pytest.mark.integration

QUESTION = "How do I report a phishing email?"
ANALYSIS_CANARY = "CANARY-ANALYSIS-5d1e9"
ANALYSIS = f"{ANALYSIS_CANARY}: the user wants the phishing procedure; source [1] covers it, maybe [4] too."
FINAL = {"restatement": "How to report a phishing email",
         "points": [{"text": "Use the Report Phish button in the mail client.", "citations": [1]}],
         "conclusion": "Report it with the button.", "suggestions": []}
ALICE = {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "hr,all"}


def harmony_model() -> HarmonyCompletionModel:
    text = completion_text(("analysis", ANALYSIS), ("final", json.dumps(FINAL)))
    transport = httpx.MockTransport(FakeCompletions(text))
    return HarmonyCompletionModel("http://gpt-oss.internal:8000/v1", transport=transport)


@pytest.fixture(scope="module")
def retriever(sample_index, embedder):
    return build_retriever(sample_index[0], embedder)


@pytest.fixture
def make_client(sample_index, retriever, tmp_path):
    def make(model=None, **overrides) -> TestClient:
        values = {"audit_file": tmp_path / "audit.jsonl", "feedback_file": tmp_path / "feedback.jsonl",
                  "rate_limit_per_minute": 0, "llm_retries": 0,
                  "auth_trusted_proxies": ["127.0.0.1/32", "testclient"],
                  "metrics_allow_from": ["testclient"]}  # the test client scrapes /metrics as Prometheus would
        values.update(overrides)
        settings = sample_index[0].with_values(**values)
        app = create_app(settings, AskPipeline(settings, retriever, model))
        return TestClient(app, headers=ALICE)  # signed in as alice unless a request names someone else

    return make


@pytest.fixture
def json_logs():
    """The app's JSON logging into a buffer, at DEBUG; the logging set-up is put back afterwards."""
    root, uvicorn, access = logging.getLogger(), logging.getLogger("uvicorn"), logging.getLogger("uvicorn.access")
    saved = (list(root.handlers), root.level, list(uvicorn.handlers), uvicorn.propagate, access.disabled)
    buffer = io.StringIO()
    configure_logging("json", "DEBUG", stream=buffer)
    yield buffer
    root.handlers[:], root.level = saved[0], saved[1]
    uvicorn.handlers[:], uvicorn.propagate, access.disabled = saved[2], saved[3], saved[4]


def metric(text: str, name: str, **labels) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def audit_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_metrics_histograms_and_counters_move_after_requests(make_client, redis_url):
    from ingestion.documents import FileResult

    client = make_client(harmony_model(), redis_url=redis_url)
    store = client.app.state.container.job_store  # the one /metrics reads
    job = store.create("handbook", "default")
    store.record(job, FileResult(source="file:///docs/broken.pdf", status="failed", reason="not a PDF"))
    store.record(job, FileResult(source="file:///docs/ok.md", status="added", chunks_added=3))
    degraded_client = make_client(None, redis_url=redis_url)

    before = client.get("/metrics").text
    assert client.post("/v1/ask", json={"question": QUESTION}).json()["degraded"] is False
    with client.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as streamed:
        assert "event: answer" in streamed.read().decode()
    assert degraded_client.post("/v1/ask", json={"question": QUESTION}).json()["degraded"] is True
    assert client.get("/v1/documents/nosuchdoc").status_code == 404
    response = client.get("/metrics")
    after = response.text

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    moved = lambda name, **labels: metric(after, name, **labels) - metric(before, name, **labels)  # noqa: E731
    http = "perimeter_http_request_duration_seconds_count"
    assert moved(http, method="POST", route="/v1/ask", status="200") == 2
    assert moved(http, method="POST", route="/v1/ask/stream", status="200") == 1
    # The route template, never the raw path.
    assert moved(http, method="GET", route="/v1/documents/{doc_id}", status="404") == 1
    assert "nosuchdoc" not in after
    assert moved("perimeter_retrieval_seconds_count") == 3
    assert moved("perimeter_retrieval_seconds_sum") > 0
    assert moved("perimeter_model_generation_seconds_count") == 2
    assert moved("perimeter_model_first_token_seconds_count") == 1  # only a stream knows its first token
    assert moved("perimeter_model_tokens_out_total") >= 2 * len(FINAL["points"][0]["text"]) // 4
    assert moved("perimeter_answers_total", outcome="answered") == 2
    assert moved("perimeter_answers_total", outcome="degraded") == 1
    assert moved("perimeter_degraded_answers_total", reason="ModelError") == 1
    # Re-index jobs come from the job store in Redis, whichever worker ran them.
    assert metric(after, "perimeter_jobs_store_up") == 1
    assert metric(after, "perimeter_jobs", state="queued") >= 1
    assert metric(after, "perimeter_job_files", result="failed") >= 1
    assert metric(after, "perimeter_job_files", result="done") >= 2


def test_metrics_survive_an_unreachable_job_store(make_client):
    text = make_client(None, redis_url=f"redis://127.0.0.1:{free_port()}/0").get("/metrics").text
    assert metric(text, "perimeter_jobs_store_up") == 0
    assert "perimeter_http_request_duration_seconds" in text


def test_request_id_round_trips_and_is_on_every_json_log_line(make_client, json_logs):
    client = make_client(None)  # no model: the pipeline logs a warning from its worker thread
    response = client.post("/v1/ask", json={"question": QUESTION}, headers={"X-Request-ID": "req-42.a:b"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "req-42.a:b"
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    mine = [line for line in lines if line.get("request_id") == "req-42.a:b"]
    assert any(line["logger"] == "services.answering.decide" and "degraded answer" in line["message"] for line in mine)
    access = [line for line in mine if line["logger"] == "perimeter.access"]
    assert len(access) == 1 and access[0]["route"] == "/v1/ask" and access[0]["status"] == 200
    assert access[0]["user"] == "alice"
    assert access[0]["duration_ms"] > 0 and {"time", "level", "message"} <= set(access[0])
    # Every line written during the request carries its id (lines before/after it carry none or another).
    assert all(line.get("request_id") in (None, "req-42.a:b") for line in lines)

    # An unusable incoming id is replaced, and each request gets its own.
    ids = {client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
           for bad in ("has space", "x" * 200, "")}
    assert len(ids) == 3 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_audit_line_per_answer_with_cited_documents_and_no_text(make_client, tmp_path, json_logs):
    client = make_client(harmony_model())
    answered = client.post("/v1/ask", json={"question": QUESTION}).json()
    with client.stream("POST", "/v1/ask/stream", json={"question": QUESTION},
                       headers={"Sec-Fetch-Site": "same-origin"}) as streamed:  # as the web page sends it
        streamed.read()
    chat = client.post("/v1/chat/completions", json={"model": "perimeter",
                                                     "messages": [{"role": "user", "content": QUESTION}]})
    assert chat.status_code == 200 and ANALYSIS_CANARY not in chat.text
    searched = client.post("/v1/search", json={"question": "VPN setup"}).json()
    # Slack questions are answered by the worker calling the same pipeline, outside any HTTP request.
    pipeline = client.app.state.container.pipeline
    slack = pipeline.answer(QUESTION, User(name="slack:U123", groups=["all"]), conversation_id="slack:C1:1.0")
    # A stream whose reader goes away after the sources is recorded too, with the sources it was shown.
    events = pipeline.answer_stream(QUESTION, User(name="bob", groups=["all"], via="proxy"))
    assert isinstance(next(events), Sources)
    events.close()

    path = tmp_path / "audit.jsonl"
    records = audit_lines(path)
    assert [(r["door"], r["outcome"]) for r in records] == [
        ("api", "answered"), ("web", "answered"), ("openai", "answered"), ("api", "search"),
        ("slack", "answered"), ("cli", "cancelled")]
    assert records[4]["user"] == "slack:U123" and records[4]["cited"] == [1] and slack.sources
    assert records[5]["user"] == "bob" and records[5]["sources"] and records[5]["cited"] == []
    shown = {s["id"]: s for s in answered["sources"]}
    for record in records[:3]:
        assert record["user"] == "alice" and record["groups"] == ["hr", "all"] and record["auth"] == "proxy"
        assert record["question"] == QUESTION
        assert record["cited"] == [1] and record["model"] in ("gpt-oss-20b", "local")  # streamed: the configured name
        assert record["sources"][0] == {"n": 1, "doc_id": shown[1]["doc_id"], "uri": shown[1]["uri"]}
        assert len(record["request_id"]) == 32 and record["time"].endswith("+00:00")
        # What analytics count (services/quality): the collection, the times, the grounding.
        assert record["collection"] == "default" and record["answer_ms"] > 0 and "first_token_ms" in record
        assert 0 <= record["grounding_rate"] <= 1
    assert [s["doc_id"] for s in records[3]["sources"]] == [s["doc_id"] for s in searched["sources"]]

    text = path.read_text(encoding="utf-8")
    logs = json_logs.getvalue()
    snippets = [s["snippet"] for s in answered["sources"] + searched["sources"]]
    for written in (text, logs):
        assert ANALYSIS_CANARY not in written and "maybe [4]" not in written
        assert FINAL["points"][0]["text"] not in written and FINAL["conclusion"] not in written
        assert not any(snippet[:60] in written for snippet in snippets)
    assert "snippet" not in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_question_length_is_enforced_on_the_openai_door_too(make_client):
    client = make_client(harmony_model())
    long = "x" * 5000
    for messages in ([{"role": "user", "content": long}],
                     [{"role": "user", "content": long}, {"role": "assistant", "content": "an answer"},
                      {"role": "user", "content": QUESTION}]):
        response = client.post("/v1/chat/completions", json={"messages": messages})
        assert response.status_code == 422 and "longer than" in response.text


def _wait_for_a_fresh_window(seconds_needed: float = 5.0) -> None:
    """Fixed one-minute windows: do not start a burst just before one ends."""
    left = 60 - time.time() % 60
    if left < seconds_needed:
        time.sleep(left + 0.1)


def test_rate_limit_returns_429_after_n_requests_in_real_redis(make_client, redis_url):
    client = make_client(None, redis_url=redis_url, rate_limit_per_minute=3)
    user = f"user-{uuid.uuid4().hex[:8]}"
    _wait_for_a_fresh_window()
    codes = [client.post("/v1/search", json={"question": "VPN"}, headers={"X-Forwarded-User": user}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 200]
    for path, body in (("/v1/search", {"question": "VPN"}), ("/v1/ask", {"question": QUESTION}),
                       ("/v1/chat/completions", {"messages": [{"role": "user", "content": "VPN"}]})):
        refused = client.post(path, json=body, headers={"X-Forwarded-User": user})
        assert refused.status_code == 429, path
        assert 1 <= int(refused.headers["Retry-After"]) <= 60 and refused.headers["X-Request-ID"]
    # Per user: someone else still gets answers; routes that answer no questions are not limited.
    other = client.post("/v1/search", json={"question": "VPN"}, headers={"X-Forwarded-User": user + "-b"})
    assert other.status_code == 200
    assert client.get("/healthz", headers={"X-Forwarded-User": user}).status_code == 200
    assert client.get("/v1/models", headers={"X-Forwarded-User": user}).status_code == 200  # polled by chat clients
    keys = redis.Redis.from_url(redis_url).keys(f"perimeter:ratelimit:proxy:{user}:*")  # User.key: method + name
    assert len(keys) == 1 and 0 < redis.Redis.from_url(redis_url).ttl(keys[0]) <= 65


def test_rate_limit_fails_open_when_redis_is_unreachable(make_client, caplog):
    client = make_client(None, rate_limit_per_minute=1, rate_limit_redis_url=f"redis://127.0.0.1:{free_port()}/0")
    before = metric(client.get("/metrics").text, "perimeter_rate_limit_store_errors_total")
    with caplog.at_level(logging.WARNING, logger="services.rate_limit"):
        codes = [client.post("/v1/search", json={"question": "VPN"}).status_code for _ in range(4)]
    assert codes == [200] * 4
    assert any("fail open" in r.getMessage() for r in caplog.records if r.name == "services.rate_limit")
    assert metric(client.get("/metrics").text, "perimeter_rate_limit_store_errors_total") > before


def test_body_too_large_gets_413(make_client):
    client = make_client(None, max_body_bytes=2048)
    big = {"question": "phishing " * 400}
    response = client.post("/v1/ask", json=big)
    assert response.status_code == 413 and "larger than 2048" in response.json()["detail"]
    assert response.headers["X-Request-ID"]
    # Without Content-Length (chunked upload) the body is counted as it arrives.
    chunks = (json.dumps(big)[i:i + 500].encode() for i in range(0, len(json.dumps(big)), 500))
    chunked = client.post("/v1/feedback", content=chunks, headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413
    # A body under the cap, chunked too, is handed to the app whole.
    small = iter([b'{"question": ', b'"VPN setup"}'])
    assert client.post("/v1/search", content=small, headers={"Content-Type": "application/json"}).status_code == 200
