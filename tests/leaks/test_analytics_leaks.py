"""Leak suite entries for the quality loop's doors (issue 25): question texts and askers' names are personal data.
A user, an admin who is not an analyst, and someone sending analyst headers from a peer that is not the trusted
proxy try every analytics, golden-set and eval endpoint, with every filter; no question text (a canary) and no
asker's name reaches them. Positive controls: an analyst sees the texts, and the names only where the setting
allows."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.quality_support import (  # noqa: F401  (registers the fixture)
    ADMIN,
    ANALYST,
    GYM_CANARY,
    USER,
    client_for,
    quality_corpus_fixture,
)

pytestmark = pytest.mark.integration
ENDPOINTS = ["/v1/admin/analytics", "/v1/admin/analytics?collection=default&since=2026-11-01",
             "/v1/admin/analytics?until=2026-12-31", "/v1/admin/analytics/unanswered",
             "/v1/admin/analytics/unanswered?collection=default", "/v1/admin/golden", "/v1/admin/eval/runs",
             "/v1/admin/eval/gates"]
NAMES = ["carl", "dan"]  # askers in the known log (tests/quality_support.py)


def attempts(client: TestClient, headers: dict) -> list[tuple[str, int, str]]:
    return [(path, (r := client.get(path, headers=headers)).status_code, r.text) for path in ENDPOINTS]


def test_question_texts_and_names_reach_analysts_only(quality_corpus, tmp_path, embedder):
    client = client_for(quality_corpus, tmp_path, embedder, analytics_show_users=True)
    outsiders = {"user": USER, "admin, not analyst": ADMIN, "nobody": {}}
    tried = 0
    for who, headers in outsiders.items():
        for path, status, text in attempts(client, headers):
            tried += 1
            assert GYM_CANARY not in text and "Mondays" not in text, (who, path)
            assert not any(f'"{name}"' in text for name in NAMES), (who, path)
            if who != "admin, not analyst":
                assert status in (401, 403), (who, path, status)
    # Analyst headers from a peer that is not the trusted proxy are ignored: nobody signed in.
    untrusted = client_for(quality_corpus, tmp_path, embedder, auth_trusted_proxies=["10.9.9.9/32"])
    for path, status, text in attempts(untrusted, ANALYST):
        tried += 1
        assert status == 401 and GYM_CANARY not in text, (path, status)
    assert tried == 4 * len(ENDPOINTS)

    # Positive controls: the same doors show the analyst the texts, and the names (the setting is on here).
    seen = {path: text for path, status, text in attempts(client, ANALYST) if status == 200}
    assert set(seen) == set(ENDPOINTS)
    assert GYM_CANARY in seen["/v1/admin/analytics"] and GYM_CANARY in seen["/v1/admin/analytics/unanswered"]
    assert '"carl"' in seen["/v1/admin/analytics"] and '"dan"' in seen["/v1/admin/analytics/unanswered"]
    # An admin does get the aggregates (the control that the refusals above are about texts, not the door).
    admin = client.get("/v1/admin/analytics", headers=ADMIN)
    assert admin.status_code == 200 and admin.json()["questions"] == 8
