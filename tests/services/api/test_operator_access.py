"""Operational endpoints are not for anonymous callers (issue 17, item 5): /metrics needs the metrics token, a listed
scraper address or an admin; /readyz tells everyone ready or not by its status code and shows its details (chunk
count, model, errors) only to those; the API docs need sign-in outside demo mode; /healthz stays open. The real app
over the real two-document index of the sign-in tests."""
from __future__ import annotations

import secrets

import pytest

from services.auth import InsecureSettings
from tests.auth_support import (
    PROXY,
    STRONG,
    bearer,
    client_for,
    corpus_fixture,  # noqa: F401  (registers the `corpus` fixture here)
)

pytestmark = pytest.mark.integration  # the real embedding model and Chroma

METRICS_TOKEN = secrets.token_urlsafe(32)
ALICE = {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "hr,all"}
OPS = {"X-Forwarded-User": "olga", "X-Forwarded-Groups": "all,perimeter-admins"}
DOCS = ("/docs", "/redoc", "/openapi.json")


def test_metrics_need_the_token_a_listed_scraper_or_an_admin(corpus):
    client = client_for(corpus, admin_token=STRONG, metrics_token=METRICS_TOKEN, **PROXY)
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401 and "perimeter_" not in anonymous.text
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers=bearer("not-the-metrics-token-" + "x" * 20)).status_code == 401
    assert client.get("/metrics", headers=ALICE).status_code == 403  # signed in, not an admin
    for allowed in (bearer(METRICS_TOKEN), bearer(STRONG), OPS):
        response = client.get("/metrics", headers=allowed)
        assert response.status_code == 200 and "perimeter_http_request_duration_seconds" in response.text
    # A scraper at a listed address needs no token (the test client's peer is "testclient").
    scraped = client_for(corpus, metrics_allow_from=["testclient"], **PROXY).get("/metrics")
    assert scraped.status_code == 200 and "perimeter_" in scraped.text
    assert client_for(corpus, metrics_allow_from=["192.0.2.7/32"], **PROXY).get("/metrics").status_code == 401
    assert client.get("/healthz").status_code == 200


def test_a_weak_metrics_token_is_refused_at_start(corpus):
    with pytest.raises(InsecureSettings, match="PERIMETER_METRICS_TOKEN"):
        client_for(corpus, metrics_token="change-me", **PROXY)


def test_readyz_says_ready_or_not_to_everyone_and_its_details_to_operators(corpus):
    client = client_for(corpus, metrics_token=METRICS_TOKEN, **PROXY)  # no model: not ready, degraded
    for anyone in ({}, ALICE, bearer("a-wrong-token-" + "y" * 20)):
        response = client.get("/readyz", headers=anyone)
        assert response.status_code == 503
        assert response.json() == {"ready": False, "degraded": True}, response.text  # no chunk count, no model
    for operator in (bearer(METRICS_TOKEN), OPS):
        details = client.get("/readyz", headers=operator)
        assert details.status_code == 503
        assert details.json()["checks"]["index"] == {"ok": True, "chunks": 2}
        assert details.json()["checks"]["model"]["ok"] is False
    # In demo mode nobody signs in: the details are the demo's to see.
    assert "checks" in client_for(corpus, demo_mode=True).get("/readyz").json()


def test_api_docs_need_sign_in_outside_demo_mode(corpus):
    client = client_for(corpus, **PROXY)
    for path in DOCS:
        refused = client.get(path)
        assert refused.status_code == 401 and "/v1/ask" not in refused.text, path
        assert client.get(path, headers=ALICE).status_code == 200, path
    assert "/v1/ask" in client.get("/openapi.json", headers=ALICE).json()["paths"]
    for opened in (client_for(corpus, api_docs_public=True, **PROXY), client_for(corpus, demo_mode=True)):
        assert all(opened.get(path).status_code == 200 for path in DOCS)
