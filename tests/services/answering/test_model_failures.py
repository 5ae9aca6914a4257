"""Degraded mode with real processes: a llama.cpp server that is killed mid-session (the GPU box restarting)."""
import os
import signal

import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever
from services.llm.base import ModelError, ModelUnavailable
from services.llm.embedded import EmbeddedLlamaServer
from services.llm.gguf import prepare_model
from services.llm.harmony_completion import HarmonyCompletionModel
from services.llm.openai_chat import OpenAIChatModel
from tests.conftest import MODELS_DIR, TEST_MODEL, free_port

pytestmark = pytest.mark.integration


def test_killed_model_server_gives_sources_with_a_notice_and_readyz_503(sample_index, tmp_path):
    settings, _ = sample_index
    settings = settings.with_values(**{"llm_retries": 1, "llm_retry_backoff_s": 0.1})
    server = EmbeddedLlamaServer(prepare_model(TEST_MODEL, MODELS_DIR), port=free_port(), n_ctx=1024, n_threads=1,
                                 log_path=tmp_path / "llama.log")
    with server:
        model = OpenAIChatModel(server.url, timeout_s=30)
        client = TestClient(create_app(settings.with_values(**{"demo_mode": True}),
                                       AskPipeline(settings, build_retriever(settings), model)))
        assert client.get("/readyz").json()["ready"] is True
        # The harmony backend's request is accepted by a real /v1/completions (llama.cpp); Qwen does not speak
        # harmony, so its reply has no final channel: an unreadable answer, not an unavailable server.
        harmony = HarmonyCompletionModel(server.url, timeout_s=120)
        with pytest.raises(ModelError) as caught:
            harmony.chat([{"role": "user", "content": "Say hi."}], max_tokens=3, temperature=0)
        assert not isinstance(caught.value, ModelUnavailable)
        assert "harmony" in str(caught.value) or "final-channel" in str(caught.value)
        os.killpg(server._proc.pid, signal.SIGKILL)  # no goodbye: as when the model's machine goes away
        server._proc.wait(timeout=10)

        for question, notice in [("How do I report a phishing email?", "The model is unavailable"),
                                 ("丢了门禁卡怎么办？", "模型暂时不可用")]:
            response = client.post("/v1/ask", json={"question": question})
            assert response.status_code == 200
            body = response.json()
            assert body["degraded"] is True and body["model"] is None and notice in body["notice"]
            assert body["sources"] and all(s["snippet"] and s["uri"] for s in body["sources"])
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["degraded"] is True
        assert ready.json()["checks"]["model"]["ok"] is False and ready.json()["checks"]["index"]["ok"] is True
