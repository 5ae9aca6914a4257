"""The HTTP API over the real index, with a scripted model standing in for the LLM (the real one is in test_answers)."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever
from services.llm.openai_chat import OpenAIChatModel
from tests.fakes import ScriptedModel, reply

pytestmark = pytest.mark.integration


def client_for(settings, model) -> TestClient:
    pipeline = AskPipeline(settings, build_retriever(settings), model)
    return TestClient(create_app(settings.with_values(**{"demo_mode": True}), pipeline))  # anonymous = demo user


def test_ask_returns_the_documented_shape_and_drops_invalid_citations(sample_index):
    settings, _ = sample_index
    model = ScriptedModel(reply(1, 2, 99))
    body = client_for(settings, model).post("/v1/ask", json={"question": "How do I report a phishing email?"}).json()
    assert set(body) >= {"question", "language", "answer", "sources", "model", "timings"}
    assert body["language"] == "en"
    # evidence: the extractive fallback's sentences; model_conclusion: the model's text where a figure was corrected
    assert set(body["answer"]) == {"restatement", "points", "conclusion", "suggestions", "evidence", "model_conclusion"}
    assert "quotes" in body["answer"]["points"][0]
    assert body["answer"]["points"][0]["citations"] == [1, 2]
    ids = [s["id"] for s in body["sources"]]
    assert ids == list(range(1, len(ids) + 1))
    assert set(body["sources"][0]) >= {"id", "doc_id", "title", "uri", "page", "snippet", "score"}
    assert any("phishing-reporting" in s["uri"] for s in body["sources"])
    assert body["grounded"] is True and body["notice"] is None
    assert body["timings"]["retrieval_ms"] > 0
    # The model saw exactly the sources the user sees, numbered the same way.
    prompt = model.calls[0][1]["content"]
    assert all(f'<source number="{s["id"]}"' in prompt for s in body["sources"])


def test_answer_without_valid_citations_says_so(sample_index):
    settings, _ = sample_index
    unfixed = settings.with_values(**{"grounding_fix_citations": False})
    body = client_for(unfixed, ScriptedModel(reply(42))).post("/v1/ask", json={"question": "phishing?"}).json()
    assert body["grounded"] is False
    assert body["answer"]["points"][0]["citations"] == []
    assert "source" in body["notice"].lower()
    # By default a point left without a valid citation is tied to the source that holds its text, when one does.
    body = client_for(settings, ScriptedModel(reply(42))).post("/v1/ask", json={"question": "phishing?"}).json()
    (point,) = body["answer"]["points"]
    assert point["model_citations"] == [] and len(point["citations"]) == 1 and point["supported"]
    assert body["grounded"] is True and body["notice"] is None
    invented = reply(42, text="Phishing reports earn a bonus of gold bars on Fridays.")
    body = client_for(settings, ScriptedModel(invented)).post("/v1/ask", json={"question": "phishing?"}).json()
    assert body["grounded"] is False and body["answer"]["points"][0]["citations"] == []
    assert "source" in body["notice"].lower()


def test_unreadable_reply_is_retried_once_then_a_degraded_answer(sample_index):
    settings, _ = sample_index
    ok = client_for(settings, ScriptedModel("{not json", reply(1))).post("/v1/ask", json={"question": "phishing?"})
    assert ok.status_code == 200 and not ok.json()["degraded"]
    # Changed by issue 5: twice unreadable is no longer a 502 but the sources with a notice.
    bad = client_for(settings, ScriptedModel("{", "{")).post("/v1/ask", json={"question": "phishing?"})
    assert bad.status_code == 200
    body = bad.json()
    assert body["degraded"] is True and body["sources"] and "unavailable" in body["notice"]


def test_chinese_question_gets_chinese_labels_in_notice(sample_index):
    settings, _ = sample_index
    invented = reply(7, text="Phishing reports earn a bonus of gold bars.")  # no source holds it: the caution
    body = client_for(settings, ScriptedModel(invented)).post("/v1/ask", json={"question": "年假有多少天？"}).json()
    assert body["language"] == "zh"
    assert "来源" in body["notice"]


@pytest.mark.parametrize("question", ["", "   ", "x" * 5000])
def test_bad_questions_get_422(sample_index, question):
    settings, _ = sample_index
    client = client_for(settings, ScriptedModel())
    for path in ("/v1/ask", "/v1/search"):
        response = client.post(path, json={"question": question})
        assert response.status_code == 422, response.text
        assert "question" in response.text.lower()


def test_search_needs_no_model(sample_index):
    settings, _ = sample_index
    body = client_for(settings, ScriptedModel()).post("/v1/search", json={"question": "VPN 怎么连接？"}).json()
    assert body["sources"] and all(s["snippet"] for s in body["sources"])


def test_nothing_visible_means_no_model_call(tmp_path, embedder):
    from services.components import run_ingest
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data")
    (tmp_path / "hr").mkdir()
    (tmp_path / "hr" / "pay.md").write_text("# Pay\n\nPay day is the 25th.\n")
    run_ingest(settings, [tmp_path / "hr"], groups=["hr"], embedder=embedder)
    model = ScriptedModel()
    body = client_for(settings, model).post("/v1/ask", json={"question": "When is pay day?"}).json()
    assert body["sources"] == [] and model.calls == []
    assert "could not find" in body["answer"]["conclusion"]


class _SlowHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def do_POST(self):
        time.sleep(5)
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_slow_model_degrades_to_sources_after_the_timeout(sample_index):
    settings, _ = sample_index
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        model = OpenAIChatModel(f"http://127.0.0.1:{server.server_port}", timeout_s=1.0)
        start = time.monotonic()
        response = client_for(settings, model).post("/v1/ask", json={"question": "How do I report phishing?"})
        # Changed by issue 5: a timeout is no longer a 504 but a degraded answer (timeouts are not retried).
        assert response.status_code == 200
        body = response.json()
        assert body["degraded"] is True and body["model"] is None and body["answer"]["points"] == []
        assert any("phishing" in s["uri"] for s in body["sources"]) and all(s["snippet"] for s in body["sources"])
        assert time.monotonic() - start < 4.5
    finally:
        server.shutdown()


def test_health_and_readiness(sample_index):
    settings, _ = sample_index
    down = OpenAIChatModel("http://127.0.0.1:9", timeout_s=1.0)
    client = client_for(settings, down)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["index"]["ok"] and not ready.json()["checks"]["model"]["ok"]
    assert client_for(settings, ScriptedModel()).get("/readyz").status_code == 200
    assert ready.json()["degraded"] is True
    # Changed by issue 5: a model that is down gives the sources and a notice, not a 502.
    down_answer = client.post("/v1/ask", json={"question": "How do I report phishing?"})
    assert down_answer.status_code == 200 and down_answer.json()["degraded"] is True
