"""Refused attempts leave an audit record (issue 17, item 7): 401, 403, a 404 on a document or an answer, 413, 422 and
429 each write who (user, or peer and the kind of credential sent), what (route, path, ids) and the outcome into the
audit log beside the answers, and never what the body said. The real app over the real two-document index."""
from __future__ import annotations

import json
import secrets

import pytest

from tests.auth_support import (
    PROXY,
    STRONG,
    bearer,
    client_for,
    corpus_fixture,  # noqa: F401  (registers the `corpus` fixture here)
)
from tests.services.api.test_observability import _wait_for_a_fresh_window

pytestmark = pytest.mark.integration  # the real embedding model and Chroma

BOB = {"X-Forwarded-User": "bob", "X-Forwarded-Groups": "all"}
SECRET_WORDS = "PAYLOAD-" + secrets.token_hex(6)  # in every refused body: must not reach the audit log


def refusals(path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").split("\n") if path.exists() else []  # not splitlines(): see U+2028
    lines = [line for line in lines if line]
    return [r for r in map(json.loads, lines) if r.get("outcome") == "refused"]


def test_refused_requests_are_audited_with_who_what_and_outcome_but_no_body(corpus, tmp_path, redis_url):
    _, _, hr_doc, public_doc = corpus
    audit = tmp_path / "audit.jsonl"
    client = client_for(corpus, audit_file=audit, admin_token=STRONG, max_body_bytes=4096, redis_url=redis_url,
                        rate_limit_per_minute=1, **PROXY)
    bob = {**BOB, "X-Forwarded-User": f"bob-{secrets.token_hex(4)}"}  # a fresh rate-limit window
    token = "a-credential-that-is-nobodys-" + secrets.token_hex(8)
    _wait_for_a_fresh_window(10)  # both searches in one rate-limit minute
    sent = [
        (client.get(f"/v1/documents/{hr_doc}"), 401),  # nobody signed in
        (client.get(f"/v1/documents/{hr_doc}", headers=bearer(token)), 401),  # a credential that is not ours
        (client.get(f"/v1/documents/{hr_doc}", headers=bob), 404),  # signed in, not in group hr
        (client.get("/v1/admin/jobs", headers=bob), 403),
        (client.post("/v1/admin/reindex", json={"source": 7, "note": SECRET_WORDS}, headers=bearer(STRONG)), 422),
        (client.post("/v1/ask", json={"question": SECRET_WORDS * 400}, headers=bob), 413),
        (client.post("/v1/search", json={"question": f"soup {SECRET_WORDS}"}, headers=bob), 200),
        (client.post("/v1/search", json={"question": f"soup {SECRET_WORDS}"}, headers=bob), 429),
    ]
    assert [r.status_code for r, _ in sent] == [status for _, status in sent], [r.text[:200] for r, _ in sent]
    # Neither an answer the caller may have nor a wrong address is a refusal.
    assert client.get(f"/v1/documents/{public_doc}", headers=bob).status_code == 200
    assert client.get("/v1/no-such-route", headers=bob).status_code == 404

    records = refusals(audit)
    got = [(r["status"], r["reason"], r["user"], r["method"], r["route"]) for r in records]
    name = bob["X-Forwarded-User"]
    assert got == [
        (401, "not_signed_in", None, "GET", "/v1/documents/{doc_id}"),
        (401, "not_signed_in", None, "GET", "/v1/documents/{doc_id}"),
        (404, "not_found", name, "GET", "/v1/documents/{doc_id}"),
        (403, "forbidden", name, "GET", "/v1/admin/jobs"),
        (422, "invalid", "admin", "POST", "/v1/admin/reindex"),
        (413, "too_large", None, "POST", None),  # refused before routing or sign-in: the path says what
        (429, "rate_limited", name, "POST", "/v1/search"),
    ], got
    first, with_token, hidden = records[:3]
    assert first["peer"] == "testclient" and first["credential"] is None and first["target"] == {"doc_id": hr_doc}
    assert with_token["credential"] == "bearer"
    assert hidden["groups"] == ["all"] and hidden["auth"] == "proxy" and hidden["target"] == {"doc_id": hr_doc}
    assert records[5]["path"] == "/v1/ask" and records[5]["credential"] == "proxy-headers"
    assert all(len(r["request_id"]) == 32 and r["time"].endswith("+00:00") for r in records)
    text = audit.read_text(encoding="utf-8")
    assert text.count(SECRET_WORDS) == 1  # the one answered search's question; nothing of the refused bodies
    assert token not in text and STRONG not in text


def test_feedback_on_an_answer_not_given_to_the_caller_is_audited(corpus, tmp_path):
    audit = tmp_path / "audit.jsonl"
    client = client_for(corpus, audit_file=audit, **PROXY)
    refused = client.post("/v1/feedback", json={"answer_id": "ab" * 16, "rating": "down", "comment": SECRET_WORDS},
                          headers=BOB)
    assert refused.status_code == 404
    (record,) = refusals(audit)
    assert (record["user"], record["route"], record["reason"]) == ("bob", "/v1/feedback", "not_found")
    assert record["target"] == {"answer_id": "ab" * 16} and SECRET_WORDS not in audit.read_text(encoding="utf-8")
