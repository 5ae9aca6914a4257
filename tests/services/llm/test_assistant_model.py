"""An assistant's model name is what reaches the model server (with vLLM, the LoRA adapter it serves under that
name), and its instructions reach the model after the fixed rules: in the system message of a chat request, in the
developer message of a harmony prompt. Against a real local HTTP server that records every request."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from prompts.build import EXTRA_HEADING
from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_model, build_retriever
from tests.prompts.test_harmony import completion_text
from tests.recording_model_server import RecordingModelServer

pytestmark = pytest.mark.integration
ANSWER = json.dumps({"restatement": "Annual leave for UK employees.", "points": [
    {"text": "UK employees get 25 days of annual leave.", "citations": [1]}], "conclusion": "25 days.",
    "suggestions": []})
LEAVE = "How many days of annual leave do UK employees get?"
ASSISTANTS = """\
assistants:
  - name: hr-adapter
    documents: ["leave-policy*"]
    model: acme-hr-lora
    instructions: Answer in the voice of Acme's HR desk.
    disclaimer: Check with HR for your own case.
  - name: plain
    documents: ["leave-policy*"]
"""


def client_for(settings, tmp_path, server: RecordingModelServer, backend: str) -> TestClient:
    path = tmp_path / "assistants.yaml"
    path.write_text(ASSISTANTS, encoding="utf-8")
    settings = settings.with_values(demo_mode=True, assistants_file=path, llm_url=server.url,
                                    llm_model="qwen2.5-7b-instruct", llm_backend=backend, llm_retries=0)
    return TestClient(create_app(settings, AskPipeline(settings, build_retriever(settings), build_model(settings))))


def test_the_assistant_s_model_name_and_instructions_reach_the_chat_server(sample_index, tmp_path):
    settings, _ = sample_index
    with RecordingModelServer(ANSWER) as server:
        client = client_for(settings, tmp_path, server, "chat")
        plain = client.post("/v1/ask", json={"question": LEAVE, "assistant": "hr-adapter"}).json()
        streamed = client.post("/v1/ask/stream", json={"question": LEAVE, "assistant": "hr-adapter"})
        base = client.post("/v1/ask", json={"question": LEAVE, "assistant": "plain"}).json()
    asked = server.bodies("/v1/chat/completions")
    assert [b["model"] for b in asked] == ["acme-hr-lora", "acme-hr-lora", "qwen2.5-7b-instruct"]
    assert [bool(b.get("stream")) for b in asked] == [False, True, False]
    assert plain["model"] == "acme-hr-lora" and base["model"] == "qwen2.5-7b-instruct"
    final = json.loads(streamed.text.split("event: answer\ndata: ", 1)[1].split("\n\n", 1)[0])
    assert plain["disclaimer"] == final["disclaimer"] == "Check with HR for your own case."
    system = asked[0]["messages"][0]["content"]
    assert system.rstrip().endswith(f"{EXTRA_HEADING['en']}\nAnswer in the voice of Acme's HR desk.")
    assert "Acme's HR desk" not in asked[2]["messages"][0]["content"]  # another assistant, its own instructions


def test_the_harmony_path_carries_the_instructions_in_the_developer_message(sample_index, tmp_path):
    settings, _ = sample_index
    with RecordingModelServer("", completion_text(("analysis", "Leave is in source 1."), ("final", ANSWER))) as server:
        client = client_for(settings, tmp_path, server, "harmony")
        answered = client.post("/v1/ask", json={"question": LEAVE, "assistant": "hr-adapter"}).json()
        client.post("/v1/ask", json={"question": LEAVE, "assistant": "plain"})
    (adapter, base) = server.bodies("/v1/completions")
    assert (adapter["model"], base["model"]) == ("acme-hr-lora", "qwen2.5-7b-instruct")
    assert answered["answer"]["conclusion"] == "25 days." and answered["disclaimer"]
    developer = adapter["prompt"].split("<|start|>developer<|message|>", 1)[1].split("<|end|>", 1)[0]
    # After the fixed rules, before the answer's schema; never in the user's message with the sources.
    rules_end = developer.index(EXTRA_HEADING["en"])
    assert developer.index("Answer in the voice of Acme's HR desk.") > rules_end
    assert developer.index("# Response Formats") > developer.index("Acme's HR desk")
    user = adapter["prompt"].split("<|start|>user<|message|>", 1)[1]
    assert "Acme's HR desk" not in user and "<source number=\"1\"" in user
    assert "Acme's HR desk" not in base["prompt"]
