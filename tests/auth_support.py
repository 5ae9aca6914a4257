"""Shared by the sign-in tests (test_auth.py, test_auth_oidc.py): a real two-document index (an "hr" document and
a public one, so who the caller is shows in what they can see) and small helpers to ask the real app about it."""
from __future__ import annotations

import json
import secrets

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from tests.conftest import make_settings

PROXY = {"auth_trusted_proxies": ["127.0.0.1/32", "testclient"]}
CANARY = "PAYDAY-CANARY-5521"
STRONG = secrets.token_urlsafe(32)


# --- the corpus, the app ------------------------------------------------------------------------------------------

# Named apart from the fixture so that a test module importing it (to register it) does not have its `corpus`
# parameters shadow the import.
@pytest.fixture(scope="module", name="corpus")
def corpus_fixture(tmp_path_factory, embedder):
    """(settings, retriever, hr doc id, public doc id) over a real index of one hr and one public document."""
    from ingestion.chunk import doc_id
    from services.components import build_retriever, run_ingest

    root = tmp_path_factory.mktemp("auth")
    (root / "hr").mkdir()
    (root / "hr" / "pay.md").write_text(f"# Pay day\n\nPay day is the 25th of each month. Reference {CANARY}.\n")
    (root / "pub").mkdir()
    (root / "pub" / "menu.md").write_text("# Canteen menu\n\nSoup is served on Fridays in the canteen.\n")
    settings = make_settings(root / "data", feedback_file=root / "feedback.jsonl", rate_limit_per_minute=0)
    run_ingest(settings, [root / "hr"], groups=["hr"], embedder=embedder)
    run_ingest(settings, [root / "pub"], embedder=embedder)
    return (settings, build_retriever(settings, embedder), doc_id(str(root / "hr" / "pay.md")),
            doc_id(str(root / "pub" / "menu.md")))


def app_for(corpus, **overrides):
    settings = corpus[0].with_values(**overrides)
    return create_app(settings, AskPipeline(settings, corpus[1], None))


def client_for(corpus, **overrides) -> TestClient:
    return TestClient(app_for(corpus, **overrides))


def seen(response) -> str:
    """Everything a search response shows of the documents."""
    assert response.status_code == 200, response.text
    return json.dumps(response.json(), ensure_ascii=False)


def feedback_user(client: TestClient, headers: dict | None = None) -> str:
    """Who the app thinks the caller is: the name it writes into the feedback file (feedback rates an answer the
    caller was given, so they ask first)."""
    marker = secrets.token_hex(8)
    answer = client.post("/v1/ask", json={"question": "When is soup served?"}, headers=headers or {})
    assert answer.status_code == 200, answer.text
    response = client.post("/v1/feedback", json={"answer_id": answer.json()["answer_id"], "rating": "up",
                                                 "comment": marker}, headers=headers or {})
    assert response.status_code == 201, response.text
    assert isinstance(client.app, FastAPI)
    path = client.app.state.container.settings.answers.feedback_file
    (record,) = [json.loads(line) for line in path.read_text().splitlines() if marker in line]
    return record["user"]


def search(client: TestClient, headers: dict | None = None):
    return client.post("/v1/search", json={"question": "When is pay day?"}, headers=headers or {})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
