"""Grounding marks, "not found", follow-ups and the harmony backend, through the API over the real sample index
(scripted or harmony-speaking fake models: no real model here)."""
import json

import httpx
import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever
from services.llm.harmony_completion import HarmonyCompletionModel
from services.render import render_markdown
from services.schemas import AskResponse
from tests.fakes import ScriptedModel, reply
from tests.prompts.test_harmony import ANALYSIS, LEAKS, FakeCompletions, completion_text

pytestmark = pytest.mark.integration


def client_for(settings, model) -> tuple[TestClient, AskPipeline]:
    pipeline = AskPipeline(settings, build_retriever(settings), model)
    # Anonymous callers are the demo user: these tests are about answers, not sign-in
    # (tests/services/auth/test_auth.py).
    return TestClient(create_app(settings.with_values(**{"demo_mode": True}), pipeline)), pipeline


def test_each_point_is_marked_supported_or_not(sample_index):
    settings, _ = sample_index
    invented = ("Phishing reports earn a bonus of 500 euros paid in gold bars.", [1])
    client, _ = client_for(settings, ScriptedModel(reply(1, 2, 99, more=[invented])))
    body = client.post("/v1/ask", json={"question": "How do I report a phishing email?"}).json()
    points = body["answer"]["points"]
    assert [p["supported"] for p in points] == [True, False]
    assert body["grounding"] == {"supported": 1, "total": 2, "rate": 0.5, "dropped_citations": 1,
                                 "dropped_points": 0, "recited_points": 0, "quotes": 0, "quotes_found": 0,
                                 "quotes_moved": 0, "quotes_matched": 1, "figures_unstated": 1, "fact_checked": 0,
                                 "fact_mismatches": 0, "facts_corrected": 0}
    assert body["grounded"] is True
    markdown = render_markdown(AskResponse.model_validate(body))
    assert "gold bars. [1] _(states a figure none of the sources gives)_" in markdown  # 500 euros: in no source
    assert "Report Phish button. [1][2]\n" in markdown


def test_a_point_citing_a_source_that_does_not_hold_it_is_recited_to_the_one_that_does(sample_index):
    # A budget for several sources: the test needs one that does not hold the answer beside one that does.
    settings = sample_index[0].with_values(embedded_context_tokens=2000)
    client, _ = client_for(settings, ScriptedModel(reply(1)))
    question = {"question": "How do I report a phishing email?"}
    sources = client.post("/v1/ask", json=question).json()["sources"]
    assert len(sources) >= 2 and "phish" in sources[0]["title"].lower()
    wrong = next(s["id"] for s in sources if "phish" not in (s["title"] + s["snippet"]).lower())
    client, _ = client_for(settings, ScriptedModel(reply(wrong)))
    body = client.post("/v1/ask", json=question).json()
    (point,) = body["answer"]["points"]
    assert (point["citations"], point["model_citations"], point["supported"]) == ([1], [wrong], True)
    assert body["grounding"]["recited_points"] == 1 and body["notice"] is None
    off = settings.with_values(**{"grounding_fix_citations": False})
    client, _ = client_for(off, ScriptedModel(reply(wrong)))
    (point,) = client.post("/v1/ask", json=question).json()["answer"]["points"]
    assert (point["citations"], point["model_citations"], point["supported"]) == ([wrong], None, False)


def test_answer_with_no_supported_point_carries_the_caution_notice(sample_index):
    settings, _ = sample_index
    client, _ = client_for(settings, ScriptedModel(reply(1, text="Phishing reports earn a bonus of gold bars.")))
    body = client.post("/v1/ask", json={"question": "How do I report a phishing email?"}).json()
    assert body["grounded"] is True  # it cites a source that was given...
    assert body["grounding"]["supported"] == 0 and body["notice"]  # ...which does not back it: the user is told


def test_unsupported_points_dropped_by_setting(sample_index):
    settings, _ = sample_index
    settings = settings.with_values(**{"grounding_drop_unsupported": True})
    invented = ("Phishing reports earn a bonus of 500 euros paid in gold bars.", [1])
    client, _ = client_for(settings, ScriptedModel(reply(1, more=[invented])))
    body = client.post("/v1/ask", json={"question": "How do I report a phishing email?"}).json()
    assert [p["text"] for p in body["answer"]["points"]] == ["Report it with the Report Phish button."]
    assert body["grounding"]["dropped_points"] == 1 and body["grounding"]["total"] == 2


@pytest.mark.parametrize("question", ["How do I bake sourdough bread?", "Who won the 1998 football world cup?"])
def test_off_topic_question_is_not_found_without_calling_the_model(sample_index, question):
    settings, _ = sample_index
    model = ScriptedModel(reply(1))
    client, _ = client_for(settings, model)
    body = client.post("/v1/ask", json={"question": question}).json()
    assert body["not_found"] is True and body["sources"] == [] and model.calls == []
    assert body["answer"]["conclusion"] == "I could not find this in the documents you can access."


def test_follow_up_sees_the_earlier_turn_and_is_searched_with_it(sample_index):
    settings, _ = sample_index
    first = json.dumps({"restatement": "Annual leave in the UK", "points": [
        {"text": "UK employees get 25 days of annual leave.", "citations": [1]}], "conclusion": "25 days.",
        "suggestions": []})
    model = ScriptedModel(first, reply(1))
    client, _ = client_for(settings, model)
    one = client.post("/v1/ask", json={"question": "How many days of annual leave do UK employees get?"}).json()
    cid = one["conversation_id"]
    two = client.post("/v1/ask", json={"question": "and for contractors?", "conversation_id": cid}).json()
    assert two["conversation_id"] == cid and not two["not_found"]
    roles = [m["role"] for m in model.calls[1]]
    assert roles == ["system", "user", "assistant", "user"]
    assert model.calls[1][1]["content"] == "How many days of annual leave do UK employees get?"
    assert json.loads(model.calls[1][2]["content"])["conclusion"] == "25 days."
    assert any("leave" in s["uri"] for s in two["sources"]), [s["uri"] for s in two["sources"]]
    # Another user cannot borrow the conversation; a fresh one starts without history.
    three = client.post("/v1/ask", json={"question": "and for contractors?"}).json()
    assert three["conversation_id"] != cid


def test_harmony_backend_answers_from_the_final_channel_only(sample_index, caplog):
    settings, _ = sample_index
    final = {"restatement": "Reporting phishing", "points": [
        {"text": "Report it with the Report Phish button.", "citations": [1, 2]}],
        "conclusion": "Use Report Phish.", "suggestions": []}
    fake = FakeCompletions(completion_text(("analysis", ANALYSIS), ("final", json.dumps(final))))
    model = HarmonyCompletionModel("http://gpt-oss.internal:8000", transport=httpx.MockTransport(fake))
    client, pipeline = client_for(settings, model)
    caplog.set_level("INFO")
    one = client.post("/v1/ask", json={"question": "How do I report a phishing email?"}).json()
    assert one["grounded"] and one["answer"]["points"][0]["citations"] == [1, 2]
    two = client.post("/v1/ask/stream", json={"question": "and if I clicked the link?",
                                               "conversation_id": one["conversation_id"]}).text
    prompt = fake.requests[1]["prompt"]
    assert "<|start|>assistant<|channel|>final<|message|>" in prompt and "Use Report Phish." in prompt
    assert "# Response Formats" in prompt and '<source number="1"' in prompt
    everything = json.dumps(one) + two + prompt + "\n".join(r.getMessage() for r in caplog.records)
    history = pipeline.conversations.history("demo", one["conversation_id"])
    everything += "".join(t.answer for t in history)
    assert not any(leak in everything for leak in LEAKS)


def test_harmony_reply_without_final_channel_is_asked_again_then_degrades(sample_index, caplog):
    settings, _ = sample_index
    fake = FakeCompletions(completion_text(("analysis", ANALYSIS)))  # ran out of tokens while reasoning
    model = HarmonyCompletionModel("http://gpt-oss.internal:8000", transport=httpx.MockTransport(fake))
    client, _ = client_for(settings, model)
    caplog.set_level("DEBUG")
    body = client.post("/v1/ask", json={"question": "How do I report a phishing email?"}).json()
    assert len(fake.requests) == 2 and fake.requests[1]["temperature"] == 0.0
    assert body["degraded"] is True and body["sources"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not any(leak in logged for leak in LEAKS)
