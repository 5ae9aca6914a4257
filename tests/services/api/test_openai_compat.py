"""The OpenAI-compatible door, driven by the real `openai` Python client against a real uvicorn server."""
import pytest
from openai import OpenAI

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever
from tests.fakes import ScriptedModel, StreamingScriptedModel, reply, served

pytestmark = pytest.mark.integration


def test_openai_client_gets_the_cited_answer_as_markdown(sample_index):
    settings, _ = sample_index
    model = ScriptedModel(reply(1, 2), reply(1))
    pipeline = AskPipeline(settings, build_retriever(settings), model)
    with served(create_app(settings.with_values(**{"demo_mode": True}), pipeline)) as url:
        client = OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
        assert [m.id for m in client.models.list()] == ["perimeter"]
        out = client.chat.completions.create(model="perimeter", messages=[
            {"role": "user", "content": "How do I report a phishing email?"}])
        text = out.choices[0].message.content
        assert out.model == "perimeter" and out.choices[0].finish_reason == "stop"
        assert "**Key points**" in text and "Report Phish button. [1][2]" in text and "**Sources**" in text
        # Earlier turns of the OpenAI conversation become the pipeline's history.
        client.chat.completions.create(model="perimeter", messages=[
            {"role": "user", "content": "How do I report a phishing email?"},
            {"role": "assistant", "content": text},
            {"role": "user", "content": [{"type": "text", "text": "and on my phone?"}]}])
        assert [m["role"] for m in model.calls[1]] == ["system", "user", "assistant", "user"]


def test_openai_client_streams_chinese_answers_with_chinese_labels(sample_index):
    settings, _ = sample_index
    pipeline = AskPipeline(settings, build_retriever(settings), StreamingScriptedModel(reply(1)))
    with served(create_app(settings.with_values(**{"demo_mode": True}), pipeline)) as url:
        client = OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
        chunks = list(client.chat.completions.create(model="perimeter", stream=True, messages=[
            {"role": "user", "content": "如何报告钓鱼邮件？"}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "**要点**" in text and "**来源**" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
