"""Versions at every door, over the family corpus (real embeddings and Chroma, a scripted model): each source's
status, effective date and what supersedes it in the API; the label in the Markdown of the OpenAI-compatible door
and the CLI, and in Slack's blocks, in the question's language; Perimeter's own note that the rule changed; the
prompt's status line; and the admin routes (families, an override, the stale report and its gauge)."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever
from services.render import render_markdown
from services.schemas import AskResponse
from services.slack.blocks import answer_blocks
from tests.fakes import ScriptedModel

pytestmark = pytest.mark.integration
ADMIN = "versions-admin-token-0123456789abcdef"
OLD_EN = "What was the London hotel cap in the 2021 travel policy?"
OLD_ZH = "2019年版差旅管理办法规定上海住宿费每晚多少？"


def answer(text: str, *citations: int) -> str:
    return json.dumps({"restatement": "The question.", "points": [{"text": text, "citations": list(citations)}],
                       "conclusion": text, "suggestions": []}, ensure_ascii=False)


def client_for(settings, embedder, model, **values) -> TestClient:
    settings = settings.with_values(demo_mode=True, admin_token=ADMIN, metrics_allow_from=["testclient"], **values)
    return TestClient(create_app(settings, AskPipeline(settings, build_retriever(settings, embedder), model)))


def test_sources_carry_their_version_and_the_answer_says_the_rule_changed(family_index, embedder):
    settings, _ = family_index
    model = ScriptedModel(answer("The cap was 120 pounds.", 1))
    body = client_for(settings, embedder, model).post("/v1/ask", json={"question": OLD_EN}).json()
    by_title: dict = {}
    for source in body["sources"]:  # a document's first source (two chunks of it may be two sources)
        by_title.setdefault(source["title"], source)
    old, new = by_title["Travel Policy 2021"], by_title["Travel Policy 2024"]
    assert (old["status"], old["superseded_by"], old["version"]) == ("superseded", "Travel Policy 2024", "2021")
    assert new["status"] == "current" and new["superseded_by"] is None
    assert body["sources"][0]["title"] == "Travel Policy 2021"  # asked for by its year
    note = body["versions_note"]
    assert f"[{old['id']}]" in note and f"[{new['id']}]" in note and "The rule changed" in note
    prompt = model.calls[0][1]["content"]
    assert f'<source number="{old["id"]}" title="Travel Policy 2021" status="superseded, replaced by' in prompt
    # an ordinary question: the current version first, and no note unless an older one is among the sources
    body = client_for(settings, embedder, ScriptedModel(answer("165 pounds.", 1))).post(
        "/v1/ask", json={"question": "What is the hotel cap per night in London?"}).json()
    assert body["sources"][0]["title"] == "Travel Policy 2024" and body["sources"][0]["status"] == "current"
    olds = [s for s in body["sources"] if s["status"] == "superseded"]
    assert bool(body["versions_note"]) == bool(olds)


def test_markdown_and_slack_label_superseded_sources_in_the_question_language(family_index, embedder):
    settings, _ = family_index
    client = client_for(settings, embedder, ScriptedModel(answer("每晚500元。", 1), answer("£120.", 1)))
    zh = AskResponse.model_validate(client.post("/v1/ask", json={"question": OLD_ZH}).json())
    markdown = render_markdown(zh)
    assert "已被取代，已被《差旅管理办法（2023年版）》取代" in markdown and "规定已有变化" in markdown
    blocks = json.dumps(answer_blocks(zh, "a1"), ensure_ascii=False)
    assert "已被取代" in blocks and "规定已有变化" in blocks
    # the OpenAI-compatible door renders the same Markdown
    out = client.post("/v1/chat/completions", json={"model": "perimeter", "messages": [
        {"role": "user", "content": OLD_EN}]}).json()
    content = out["choices"][0]["message"]["content"]
    assert "_(superseded, replaced by “Travel Policy 2024”)_" in content and "The rule changed" in content


def test_admin_routes_list_override_and_report_stale_content(family_index, embedder, tmp_path):
    import shutil

    settings, _ = family_index
    # an override publishes again: on a copy of the index, so the other tests keep theirs
    data = tmp_path / "data"
    shutil.copytree(settings.storage.data_dir, data)
    own = settings.with_values(data_dir=data)
    client = client_for(own, embedder, ScriptedModel(), version_stale_months=36)
    admin = {"Authorization": f"Bearer {ADMIN}"}
    assert client.get("/v1/admin/versions").status_code in (401, 403)  # demo visitors are not admins
    families = client.get("/v1/admin/versions", headers=admin).json()
    assert len(families) == 12 and all(len(f["documents"]) >= 2 for f in families)
    travel = next(f for f in families if any(d["title"] == "Travel Policy 2021" for d in f["documents"]))
    old = next(d for d in travel["documents"] if d["title"] == "Travel Policy 2021")
    changed = client.post("/v1/admin/versions", headers=admin,
                          json={"action": "current", "documents": [old["doc_id"]]}).json()
    statuses = {d["title"]: d["status"] for d in changed[0]["documents"]}
    assert statuses == {"Travel Policy 2021": "current", "Travel Policy 2024": "superseded"}
    hits = build_retriever(own, embedder).search("What is the hotel cap per night in London?", ["all"], 3)
    assert hits[0].metadata["title"] == "Travel Policy 2021"  # the snapshot was published again
    missing = client.post("/v1/admin/versions", headers=admin, json={"action": "split", "documents": ["nope.md"]})
    assert missing.status_code == 404 and "not an indexed document" in missing.json()["detail"]
    stale = client.get("/v1/admin/versions/stale", headers=admin).json()
    assert {d["title"] for d in stale["documents"] if d["reason"] == "family_old"} >= {"住房补贴发放细则"}
    assert sum(stale["by_folder"].values()) == len(stale["documents"])
    metrics = client.get("/metrics").text
    assert 'perimeter_stale_documents{reason="family_old",source="(ingested)"}' in metrics
