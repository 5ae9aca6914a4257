"""Quotes through the pipeline and the HTTP doors, over the real sample index (a scripted model writes the quotes a
small model would: faithful, sloppy, from the wrong source, invented): located in the sources the user may read,
replaced by their words and offsets, figures corrected from them; the extractive fallback when none is found or the
model is down; JSON offsets, the stream's final event, the OpenAI-compatible door's Markdown block quotes."""
import json
import re

import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever
from services.identity import DEMO_USER
from services.render import render_markdown
from services.schemas import AskResponse
from tests.fakes import ScriptedModel, StreamingScriptedModel, reply

pytestmark = pytest.mark.integration
QUESTION = "I clicked a link in a suspicious email. Who do I call, and how quickly?"
SOURCE = re.compile(r'<source number="(\d+)" title="[^"]*">\n(.*?)\n</source>', re.S)
INVENTED = "Phishing victims receive a bonus of 500 euros paid in gold bars"


def answer_json(quote_source: int = 1) -> str:
    return json.dumps({
        "restatement": "Who to call after clicking a phishing link, and how fast.",
        "points": [
            {"quotes": [{"source": quote_source,
                         "text": "call the SOC hotline on +44 20 7946 0999 within 15 minutes of realising what "
                                 "happened"}],
             "text": "Call the SOC hotline on +44 20 7946 0999 within 30 minutes.", "citations": [quote_source]},
            {"quotes": [{"source": 1, "text": INVENTED}], "text": "Victims are paid in gold bars.", "citations": [1]},
        ],
        "conclusion": "Call the hotline within 30 minutes.", "suggestions": []})


def client_for(settings, model) -> tuple[TestClient, AskPipeline]:
    pipeline = AskPipeline(settings, build_retriever(settings), model)
    return TestClient(create_app(settings.with_values(**{"demo_mode": True}), pipeline)), pipeline


def source_texts(pipeline: AskPipeline, question: str) -> dict[int, str]:
    """The sources' text exactly as the model was given it."""
    user = pipeline.prompt(question, DEMO_USER).messages[-1]["content"]
    return {int(n): body for n, body in SOURCE.findall(user)}


def test_quotes_are_the_sources_words_at_their_offsets_and_figures_come_from_them(sample_index):
    settings, _ = sample_index
    client, pipeline = client_for(settings, ScriptedModel(answer_json()))
    body = client.post("/v1/ask", json={"question": QUESTION}).json()
    texts = source_texts(pipeline, QUESTION)
    first, invented = body["answer"]["points"]
    (quote,) = first["quotes"]
    assert texts[quote["source"]][quote["start"]:quote["end"]] == quote["text"]  # the document's own words
    assert quote["text"].startswith("Call the SOC hotline") and quote["match"] == "normalised"  # "Call", not "call"
    assert "phishing" in body["sources"][quote["source"] - 1]["title"].lower()
    # The model's 30 minutes are corrected from the quote's 15, in the point and in the conclusion.
    assert first["text"] == "Call the SOC hotline on +44 20 7946 0999 within 15 minutes." and first["facts"] == \
        "corrected"
    assert first["model_text"].endswith("within 30 minutes.") and first["supported"]
    assert body["answer"]["conclusion"] == "Call the hotline within 15 minutes."
    # An invented quote is found nowhere: dropped, never shown; its point falls back to the overlap check.
    assert invented["quotes"] == [] and invented["quotes_dropped"] == 1 and not invented["supported"]
    assert INVENTED not in json.dumps(body)
    g = body["grounding"]
    assert (g["quotes"], g["quotes_found"], g["fact_checked"], g["fact_mismatches"], g["facts_corrected"]) == \
        (2, 1, 1, 1, 2)
    assert body["answer"]["evidence"] == []  # a quote was found: no extractive fallback


def test_flag_only_leaves_the_models_figure_and_marks_the_point(sample_index):
    settings = sample_index[0].with_values(**{"quote_facts": "flag"})
    client, _ = client_for(settings, ScriptedModel(answer_json()))
    body = client.post("/v1/ask", json={"question": QUESTION}).json()
    first = body["answer"]["points"][0]
    assert first["text"].endswith("within 30 minutes.") and first["facts"] == "mismatch" and not first["supported"]
    assert "within 30 minutes. [1] _(its figures differ from the quoted source)_\n" in \
        render_markdown(AskResponse.model_validate(body))


def test_a_quote_named_from_the_wrong_source_is_found_in_the_right_one(sample_index):
    settings = sample_index[0].with_values(embedded_context_tokens=2000)  # several sources
    client, pipeline = client_for(settings, ScriptedModel(answer_json()))
    texts = source_texts(pipeline, QUESTION)
    wrong = next(n for n, t in texts.items() if "SOC hotline" not in t)
    client, _ = client_for(settings, ScriptedModel(answer_json(quote_source=wrong)))
    first = client.post("/v1/ask", json={"question": QUESTION}).json()["answer"]["points"][0]
    (quote,) = first["quotes"]
    assert quote["model_source"] == wrong and quote["source"] != wrong and "SOC hotline" in texts[quote["source"]]
    assert first["citations"] == [quote["source"]] and first["model_citations"] == [wrong]


def test_the_stream_carries_quotes_with_their_point_and_offsets_in_the_final_event(sample_index):
    settings, _ = sample_index
    client, _ = client_for(settings, StreamingScriptedModel(answer_json(), piece=7))
    with client.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as response:
        events = [(m.group(1), json.loads(m.group(2))) for m in
                  re.finditer(r"event: (\w+)\ndata: (.*)\n\n", response.read().decode())]
    tokens = "".join(data["text"] for kind, data in events if kind == "token")
    assert '"quotes": [{"source": 1, "text": "call the SOC hotline' in tokens  # with its point, as written
    kind, final = events[-1]
    assert kind == "answer"
    (quote,) = final["answer"]["points"][0]["quotes"]
    assert quote["end"] > quote["start"] >= 0 and quote["text"].startswith("Call the SOC hotline")


def test_the_openai_compatible_door_shows_quotes_as_block_quotes(sample_index):
    settings, _ = sample_index
    client, _ = client_for(settings, ScriptedModel(answer_json()))
    response = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
    markdown = response.json()["choices"][0]["message"]["content"]
    assert re.search(r"^1\. Call the SOC hotline .* within 15 minutes\. \[\d\] _\(figure corrected from the quote\)_\n"
                     r"   > “Call the SOC hotline on \+44 20 7946 0999 within 15 minutes of realising what happened” "
                     r"\[\d\]$", markdown, re.M), markdown
    assert INVENTED not in markdown


def test_no_quote_found_or_no_model_the_answer_carries_the_best_sentences(sample_index):
    settings, _ = sample_index
    question = {"question": "How do I report a phishing email?"}
    client, pipeline = client_for(settings, ScriptedModel(reply(1)))  # a model that quotes nothing
    body = client.post("/v1/ask", json=question).json()
    # Its point is shown with the sentence of its cited source that best matches it, as the source words it.
    [point] = body["answer"]["points"]
    assert [q["match"] for q in point["quotes"]] == ["matched"] and "Report Phish" in point["quotes"][0]["text"]
    texts = source_texts(pipeline, question["question"])
    quote = point["quotes"][0]
    assert texts[quote["source"]][quote["start"]:quote["end"]] == quote["text"]
    assert body["answer"]["evidence"] == [] and body["grounding"]["quotes_matched"] == 1
    # A point marked unsupported (a figure no source states) shows the sentence it matched, and the answer the
    # sentences that best match the question as well: the matched sentence may be the wrong rule.
    client, _ = client_for(settings, ScriptedModel(reply(1, text="Report it with the Report Phish button within 99 "
                                                                  "minutes.")))
    body = client.post("/v1/ask", json=question).json()
    [point] = body["answer"]["points"]
    assert point["supported"] is False and point["facts"] == "unstated" and point["quotes"]
    assert body["answer"]["evidence"] and all(q["match"] == "extracted" for q in body["answer"]["evidence"])
    # A point that no sentence matches: the answer carries the sentences that best match the question instead.
    client, _ = client_for(settings, ScriptedModel(reply(1, text="Be vigilant.")))
    body = client.post("/v1/ask", json=question).json()
    assert body["answer"]["points"][0]["quotes"] == []
    evidence = body["answer"]["evidence"]
    assert evidence and all(q["match"] == "extracted" for q in evidence)
    assert any("Report Phish" in q["text"] for q in evidence), evidence
    client, pipeline = client_for(settings, ScriptedModel())  # no reply left: the model is unavailable
    body = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert body["degraded"] and body["answer"]["evidence"]
    texts = source_texts(pipeline, QUESTION)
    for q in body["answer"]["evidence"]:
        assert texts[q["source"]][q["start"]:q["end"]] == q["text"]
    assert any("phish" in q["text"].lower() or "SOC" in q["text"] for q in body["answer"]["evidence"])
    markdown = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
    assert "**From the sources**\n\n> “" in markdown.json()["choices"][0]["message"]["content"]
    AskResponse.model_validate(body)
