"""Analytics numbers against a log the test writes (tests/quality_support.py), on SQLite; who sees question texts;
the unanswered queue per owner."""
from __future__ import annotations

import json

import pytest

from tests.quality_support import (  # noqa: F401  (the fixture is registered by importing it)
    ADMIN,
    ANALYST,
    DAY1,
    DAY2,
    GYM_CANARY,
    USER,
    client_for,
    person,
    quality_corpus_fixture,
)

pytestmark = pytest.mark.integration


def check_numbers(client, corpus) -> None:
    """The numbers the page shows, for the known log (shared with the PostgreSQL test)."""
    r = client.get("/v1/admin/analytics", params={"collection": "default"}, headers=ANALYST)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["questions"] == 7
    assert a["outcomes"] == {"answered": 3, "not_found": 2, "degraded": 1, "failed": 1}
    assert a["per_door"] == {"api": 2, "web": 3, "slack": 1, "openai": 1}
    assert [(d["day"], d["door"], d["questions"]) for d in a["per_day"]] == [
        (DAY1, "api", 1), (DAY1, "web", 2), (DAY2, "api", 1), (DAY2, "openai", 1), (DAY2, "slack", 1),
        (DAY2, "web", 1)]
    assert a["first_token"] == {"n": 3, "p50_ms": 2000.0, "p95_ms": 3000.0}
    assert a["full_answer"] == {"n": 3, "p50_ms": 5000.0, "p95_ms": 7000.0}
    assert a["grounding_rate"] == 0.75
    assert (a["thumbs_up"], a["thumbs_down"], a["thumbs_up_ratio"]) == (2, 1, 0.6667)
    assert [(s["doc_id"], s["cited"]) for s in a["cited_most"]] == [(corpus.pay, 3)]
    assert [s["uri"] for s in a["never_cited"]] == [corpus.menu_uri]
    groups = [(g["count"], g["not_found"], g["thumbs_down"], g["questions"]) for g in a["top_unanswered"]]
    assert groups == [(2, 2, 0, [f"Where is the gym? {GYM_CANARY}"]), (1, 0, 1, ["Is soup served on Mondays?"])]

    everything = client.get("/v1/admin/analytics", headers=ANALYST).json()
    assert everything["questions"] == 8 and everything["outcomes"]["answered"] == 4  # "other" collection too
    day2 = client.get("/v1/admin/analytics", params={"since": DAY2, "collection": "default"}, headers=ANALYST).json()
    assert day2["questions"] == 4 and day2["first_token"]["n"] == 1 and day2["thumbs_up"] == 1
    day1 = client.get("/v1/admin/analytics", params={"until": DAY1}, headers=ANALYST).json()
    assert day1["questions"] == 3 and day1["thumbs_down"] == 0


def test_numbers_match_the_log(quality_corpus, tmp_path, embedder):
    client = client_for(quality_corpus, tmp_path, embedder)
    check_numbers(client, quality_corpus)
    # Lines appended later are taken in at the next request, once: the earlier ones are not counted twice.
    with (tmp_path / "audit.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"ts": 1.7e9, "door": "api", "outcome": "answered", "question": "late", "collection":
                            "default", "answer_ms": 10.0, "sources": [], "cited": []}) + "\n")
        f.write('{"ts": 1.7e9, "door": "api", "outcome": "answ')  # a line still being written
    a = client.get("/v1/admin/analytics", params={"collection": "default"}, headers=ADMIN).json()
    assert a["questions"] == 8 and a["outcomes"]["answered"] == 4
    a = client.get("/v1/admin/analytics", params={"collection": "default"}, headers=ADMIN).json()
    assert a["questions"] == 8


def test_near_identical_questions_are_grouped_and_different_ones_are_not(embedder):
    from services.quality.analytics import group_texts

    texts = ["Where is the gym?", "Where is the gym ?", "where is the gym", "What is the VAT rate in France?",
             "How many days of annual leave do UK employees get?"]
    groups = group_texts(texts, embedder.embed_documents, 0.9)
    assert sorted(sorted(g) for g in groups) == [[0, 1, 2], [3], [4]]


def test_texts_only_for_analysts_and_names_only_when_allowed(quality_corpus, tmp_path, embedder):
    client = client_for(quality_corpus, tmp_path, embedder)
    for who, status in ((USER, 403), ({}, 401), (person("eve", "all", "hr"), 403)):
        for path in ("/v1/admin/analytics", "/v1/admin/analytics/unanswered", "/v1/admin/golden",
                     "/v1/admin/eval/runs"):
            r = client.get(path, headers=who)
            assert r.status_code == status, (path, who, r.text)
            assert GYM_CANARY not in r.text
    admin = client.get("/v1/admin/analytics", headers=ADMIN)
    assert admin.status_code == 200 and GYM_CANARY not in admin.text
    assert admin.json()["texts_shown"] is False and admin.json()["top_unanswered"][0]["count"] == 2
    assert all(g["questions"] is None for g in admin.json()["top_unanswered"])
    queue = client.get("/v1/admin/analytics/unanswered", headers=ADMIN)
    assert queue.status_code == 200 and GYM_CANARY not in queue.text
    assert client.get("/v1/admin/golden", headers=ADMIN).status_code == 403

    analyst = client.get("/v1/admin/analytics", headers=ANALYST).json()
    assert analyst["texts_shown"] is True and GYM_CANARY in json.dumps(analyst)
    assert all(g["askers"] is None for g in analyst["top_unanswered"])  # names: not without the setting

    named = client_for(quality_corpus, tmp_path, embedder, analytics_show_users=True)
    groups = named.get("/v1/admin/analytics", headers=ANALYST).json()["top_unanswered"]
    assert groups[0]["askers"] == ["carl", "uma"] and groups[1]["askers"] == ["dan"]
    assert named.get("/v1/admin/analytics", headers=ADMIN).json()["top_unanswered"][0]["askers"] is None

    other = client_for(quality_corpus, tmp_path, embedder, analysts_groups=["quality-team"])
    refused = other.get("/v1/admin/analytics", headers=ANALYST)  # the group is configurable: now not an analyst
    assert refused.status_code == 403 and GYM_CANARY not in refused.text


def test_unanswered_queue_lists_questions_per_document_owner(quality_corpus, tmp_path, embedder):
    from tests.quality_support import question

    client = client_for(quality_corpus, tmp_path, embedder)
    # A not-found question an hr member asked about pay: its nearest document (searched as them) is hr's.
    with (tmp_path / "audit.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(question(DAY2, 30, "web", "not_found", "Are salaries paid by bank transfer or cheque?",
                                    groups=("hr", "all"))) + "\n")
    queue = client.get("/v1/admin/analytics/unanswered", headers=ANALYST)
    assert queue.status_code == 200, queue.text
    by_owner = {q["owner"]: q for q in queue.json()}
    assert by_owner["hr-team"]["documents"] == [quality_corpus.pay_uri]
    assert by_owner["hr-team"]["groups"][0]["questions"] == ["Are salaries paid by bank transfer or cheque?"]
    assert by_owner["facilities"]["documents"] == [quality_corpus.menu_uri]  # the 👎 answer's source
    assert ["Is soup served on Mondays?"] in [g["questions"] for g in by_owner["facilities"]["groups"]]
    # The gym questions were asked by members of "all" only: searched as them, the hr page is never near them.
    assert sum(g["count"] for q in queue.json() for g in q["groups"]) == 4
    assert [g["questions"] for g in by_owner["hr-team"]["groups"]] == [
        ["Are salaries paid by bank transfer or cheque?"]]
