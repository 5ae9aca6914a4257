"""POST /v1/ask/stream (Server-Sent Events): sources, tokens, the final answer; degraded and cancelled streams."""
import json
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever
from tests.fakes import ScriptedModel, StreamingScriptedModel, reply, served

pytestmark = pytest.mark.integration


def app_for(settings, model):
    pipeline = AskPipeline(settings, build_retriever(settings), model)
    return create_app(settings.with_values(**{"demo_mode": True}), pipeline)  # anonymous = demo user


def events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_stream_sends_sources_then_tokens_then_the_grounded_answer(sample_index):
    settings, _ = sample_index
    text = reply(1, 2, 99)
    response = TestClient(app_for(settings, StreamingScriptedModel(text))).post(
        "/v1/ask/stream", json={"question": "How do I report a phishing email?"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    got = events(response.text)
    names = [n for n, _ in got]
    assert names[0] == "sources" and names[-1] == "answer" and set(names[1:-1]) == {"token"}
    assert got[0][1]["sources"] and got[0][1]["conversation_id"]
    assert "".join(d["text"] for n, d in got if n == "token") == text
    answer = got[-1][1]
    assert answer["answer"]["points"][0]["citations"] == [1, 2] and answer["grounding"]["supported"] == 1
    assert answer["sources"] == got[0][1]["sources"]
    timings = answer["timings"]
    assert 0 < timings["model_first_token_ms"] < timings["first_token_ms"]


def test_stream_with_a_model_without_streaming_and_a_chinese_question(sample_index):
    settings, _ = sample_index
    # Citing no source given, with a point no source holds: the caution notice, in Chinese.
    invented = reply(9, text="Phishing reports earn a bonus of gold bars.")
    response = TestClient(app_for(settings, ScriptedModel(invented))).post(
        "/v1/ask/stream", json={"question": "如何报告钓鱼邮件？"})
    got = events(response.text)
    assert got[-1][1]["language"] == "zh" and "来源" in got[-1][1]["notice"]


def test_stream_degrades_when_the_model_is_down(sample_index):
    settings, _ = sample_index
    settings = settings.with_values(**{"llm_retries": 0})
    response = TestClient(app_for(settings, StreamingScriptedModel())).post(
        "/v1/ask/stream", json={"question": "How do I report a phishing email?"})
    got = events(response.text)
    assert [n for n, _ in got] == ["sources", "answer"]
    assert got[1][1]["degraded"] is True and got[1][1]["sources"]


def test_bad_question_is_a_422_before_the_stream_starts(sample_index):
    settings, _ = sample_index
    response = TestClient(app_for(settings, ScriptedModel())).post("/v1/ask/stream", json={"question": "x" * 5000})
    assert response.status_code == 422


def test_client_disconnect_cancels_generation(sample_index):
    settings, _ = sample_index
    model = StreamingScriptedModel(reply(1) * 20, delay=0.05, piece=2)  # ~4000 pieces: minutes if not cancelled
    with served(app_for(settings, model)) as url:
        with httpx.stream("POST", url + "/v1/ask/stream", json={"question": "How do I report phishing?"},
                          timeout=30) as response:
            for line in response.iter_lines():
                if line.startswith("event: token"):
                    break
        assert model.closed_early.wait(timeout=10), "generation went on after the client left"
        sent = model.sent
        time.sleep(0.5)
        assert model.sent == sent < 100
