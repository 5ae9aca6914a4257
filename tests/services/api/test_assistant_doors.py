"""Every door answers through the assistant it is asked for (issue 26), over the sample corpus and its shipped
assistants (samples/assistants.yaml, plus one for the board only): its scope searched, its instructions after the
fixed rules, its disclaimer in the output; one the caller may not use is a 403, an unknown one a 404."""
from __future__ import annotations

import json
from pathlib import Path

import openai
import pytest
from fastapi.testclient import TestClient
from openai import OpenAI

from services.answering import AskPipeline
from services.api.app import create_app
from services.api.routes.slack import named_assistant
from services.components import build_retriever
from services.container import Container
from services.schemas import AskResponse
from services.slack.blocks import answer_blocks
from tests.conftest import REPO
from tests.fakes import StreamingScriptedModel, reply, served

pytestmark = pytest.mark.integration
ADMIN = "assistant-doors-admin-token-0123456789abcdef"
IT = {"it-security-policy.md", "phishing-reporting.html", "laptop-and-device-standard.txt",
      "information-security-zh.txt", "visitor-wifi-whiteboard.png", "data-breach-response-zh.html"}
REGULATIONS = {"data-protection-policy.docx", "data-retention-schedule.html", "cross-border-payments-compliance.pdf",
               "cross-border-payments-zh.pdf", "sanctions-screening-procedure.md", "kyc-procedure-zh.docx",
               "personal-information-protection-zh.docx"}
PHISHING = "How do I report a phishing email?"
FINE_ZH = "违反个人信息保护规定，最高可以罚款多少？"


def assistants_file(tmp_path: Path) -> Path:
    path = tmp_path / "assistants.yaml"
    shipped = (REPO / "samples" / "assistants.yaml").read_text(encoding="utf-8")
    path.write_text(shipped + "  - name: board\n    groups: [board]\n", encoding="utf-8")
    return path


def app_for(settings, tmp_path, model):
    settings = settings.with_values(demo_mode=True, admin_token=ADMIN, assistants_file=assistants_file(tmp_path))
    return create_app(settings, AskPipeline(settings, build_retriever(settings), model))


def files(body: dict) -> set[str]:
    return {s["uri"].rsplit("/", 1)[-1] for s in body["sources"]}


def test_ask_and_stream_answer_through_the_chosen_assistant(sample_index, tmp_path):
    settings, _ = sample_index
    model = StreamingScriptedModel(*[reply(1)] * 8)
    client = TestClient(app_for(settings, tmp_path, model))
    listed = client.get("/v1/assistants").json()["assistants"]
    assert [a["name"] for a in listed] == ["all", "hr", "it", "regulations"]  # not the board's; the default first
    assert listed[3]["title"] == "法规参考" and listed[0]["examples"] and set(listed[0]) == {
        "name", "title", "description", "examples", "disclaimer"}  # never its groups, instructions or model
    it = client.post("/v1/ask", json={"question": PHISHING, "assistant": "it"}).json()
    assert it["assistant"] == "it"
    assert it["disclaimer"] == "From Acme's IT policies. In an emergency call the IT hotline."
    assert "phishing-reporting.html" in files(it) and files(it) <= IT, files(it)
    system = model.calls[-1][0]["content"]
    assert system.rstrip().endswith("name the contact or hotline the documents give.")
    # Without one: the caller's default (the first they may use), which searches everything; hr's scope holds no
    # IT document.
    default = client.post("/v1/ask", json={"question": PHISHING}).json()
    assert default["assistant"] == "all" and "phishing-reporting.html" in files(default), files(default)
    hr = client.post("/v1/ask", json={"question": PHISHING, "assistant": "hr"}).json()
    assert hr["assistant"] == "hr" and not files(hr) & IT, files(hr)
    zh = client.post("/v1/ask", json={"question": FINE_ZH, "assistant": "regulations"}).json()
    assert zh["disclaimer"] == "仅供参考，不能替代专业意见。" and files(zh) and files(zh) <= REGULATIONS, files(zh)
    assert "每个要点请写明来源中给出的法规或制度名称及条款" in model.calls[-1][0]["content"]
    stream = client.post("/v1/ask/stream", json={"question": FINE_ZH, "assistant": "regulations"})
    answer = json.loads(stream.text.split("event: answer\ndata: ", 1)[1].split("\n\n", 1)[0])
    assert answer["disclaimer"] == "仅供参考，不能替代专业意见。" and files(answer) <= REGULATIONS
    # Slack shows it under the answer.
    blocks = json.dumps(answer_blocks(AskResponse.model_validate(zh), "answer-1"), ensure_ascii=False)
    assert ":information_source: 仅供参考，不能替代专业意见。" in blocks
    asked = len(model.calls)
    for door in ("/v1/ask", "/v1/ask/stream"):
        refused = client.post(door, json={"question": PHISHING, "assistant": "board"})
        assert refused.status_code == 403 and "may not use the assistant 'board'" in refused.json()["detail"]
        unknown = client.post(door, json={"question": PHISHING, "assistant": "tax"})
        assert unknown.status_code == 404 and unknown.json() == {"detail": "no assistant is named 'tax'"}
    assert len(model.calls) == asked  # the refusals never reached the model


def test_openai_clients_choose_an_assistant_by_model_name(sample_index, tmp_path):
    settings, _ = sample_index
    model = StreamingScriptedModel(*[reply(1)] * 4)
    with served(app_for(settings, tmp_path, model)) as url:
        client = OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
        assert [m.id for m in client.models.list()] == ["all", "hr", "it", "regulations"]
        out = client.chat.completions.create(model="regulations", messages=[{"role": "user", "content": FINE_ZH}])
        assert out.model == "regulations" and "> _仅供参考，不能替代专业意见。_" in out.choices[0].message.content
        chunks = list(client.chat.completions.create(model="it", stream=True, messages=[
            {"role": "user", "content": PHISHING}]))
        text = "".join(c.choices[0].delta.content or "" for c in chunks)
        assert {c.model for c in chunks} == {"it"} and "In an emergency call the IT hotline." in text
        default = client.chat.completions.create(model="perimeter", messages=[{"role": "user", "content": PHISHING}])
        assert default.model == "all" and "Check with HR" not in default.choices[0].message.content
        asked = len(model.calls)
        with pytest.raises(openai.PermissionDeniedError):
            client.chat.completions.create(model="board", messages=[{"role": "user", "content": PHISHING}])
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model="tax", messages=[{"role": "user", "content": PHISHING}])
    assert len(model.calls) == asked  # the refused and unknown models never reached it


def test_slack_names_an_assistant_by_prefix_or_channel(sample_index, tmp_path):
    settings, _ = sample_index
    settings = settings.with_values(assistants_file=assistants_file(tmp_path),
                                    slack_channel_assistants={"C0LEGAL": "regulations"})
    container = Container(settings, model=None)
    assert named_assistant(container, "C0ANY", "it: How do I report phishing?") == ("it", "How do I report phishing?")
    assert named_assistant(container, "C0LEGAL", FINE_ZH) == ("regulations", FINE_ZH)
    assert named_assistant(container, "C0LEGAL", "hr: 年假有几天？") == ("hr", "年假有几天？")  # the question's own
    # Not an assistant's name: the whole text is the question.
    assert named_assistant(container, "C0ANY", "Note: who signs off?") == (None, "Note: who signs off?")
    assert named_assistant(container, "C0ANY", "it:") == (None, "it:")


def test_admins_see_every_assistant_as_configured(sample_index, tmp_path):
    settings, _ = sample_index
    client = TestClient(app_for(settings, tmp_path, None))
    assert client.get("/v1/admin/assistants").status_code == 401
    config = client.get("/v1/admin/assistants", headers={"Authorization": f"Bearer {ADMIN}"}).json()
    assert config["file"].endswith("assistants.yaml") and config["error"] is None
    by_name = {a["name"]: a for a in config["assistants"]}
    assert list(by_name) == ["all", "hr", "it", "regulations", "board"]
    assert by_name["board"]["groups"] == ["board"] and by_name["regulations"]["disclaimer"]["zh"].startswith("仅供参考")
    assert "kyc-procedure-*" in by_name["regulations"]["documents"]
    page = client.get("/admin/assistants")
    assert page.status_code == 200 and "/web/admin-assistants.js" in page.text
