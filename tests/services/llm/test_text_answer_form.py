"""PERIMETER_LLM_ANSWER_FORM=text: the model is asked for labelled plain text with no response_format (no grammar),
and what it writes becomes the same answer as JSON would, at the plain and the streaming door. Against a real local
HTTP server that records every request."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_model, build_retriever
from tests.recording_model_server import RecordingModelServer

pytestmark = pytest.mark.integration
LEAVE = "How many days of annual leave do UK employees get?"
TEXT = ("Question: How many days of annual leave do UK employees get?\n"
        "1. UK employees get 25 days of annual leave a year [1].\n"
        "Conclusion: 25 days a year.\n"
        "Suggestions:\n- Ask HR about carrying days over.")


def tokens(stream: str) -> str:
    return "".join(json.loads(event.split("\ndata: ", 1)[1])["text"]
                   for event in stream.split("\n\n") if event.startswith("event: token"))


@pytest.mark.parametrize("form", ["text", "json"])
def test_the_text_form_asks_without_a_grammar_and_reads_the_same_answer(sample_index, form):
    settings = sample_index[0].with_values(demo_mode=True, llm_retries=0, llm_answer_form=form)
    reply = TEXT if form == "text" else json.dumps({
        "restatement": "How many days of annual leave do UK employees get?",
        "points": [{"text": "UK employees get 25 days of annual leave a year.", "citations": [1]}],
        "conclusion": "25 days a year.", "suggestions": ["Ask HR about carrying days over."]})
    with RecordingModelServer(reply) as server:
        settings = settings.with_values(llm_url=server.url)
        client = TestClient(create_app(settings, AskPipeline(settings, build_retriever(settings),
                                                             build_model(settings))))
        plain = client.post("/v1/ask", json={"question": LEAVE}).json()
        streamed = client.post("/v1/ask/stream", json={"question": LEAVE}).text
    asked = server.bodies("/v1/chat/completions")
    assert len(asked) == 2
    system = asked[0]["messages"][0]["content"]
    if form == "text":
        assert all("response_format" not in body for body in asked)
        assert "Conclusion:" in system and "JSON" not in system
        assert tokens(streamed) == TEXT  # the page shows what the model writes as it writes it
    else:  # the control: the JSON form sends its schema as a grammar
        assert all(body["response_format"]["type"] == "json_object" for body in asked)
        assert "JSON" in system
    final = json.loads(streamed.split("event: answer\ndata: ", 1)[1].split("\n\n", 1)[0])
    for answer in (plain["answer"], final["answer"]):
        assert answer["restatement"] == "How many days of annual leave do UK employees get?"
        assert [(p["text"], p["citations"]) for p in answer["points"]] == [
            ("UK employees get 25 days of annual leave a year.", [1])]
        assert answer["conclusion"] == "25 days a year."
        assert answer["suggestions"] == ["Ask HR about carrying days over."]
