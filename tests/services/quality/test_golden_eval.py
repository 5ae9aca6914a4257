"""The golden set's round trip: a person rates an answer, an analyst turns it into a golden case (the documents to
cite, the facts), exports the set, and `perimeter eval` runs it against the index and a scripted model server (the
echo model of the leak suite: a real OpenAI-compatible HTTP server), prints a table and a RESULT line, and compares
the next run with the accepted one."""
from __future__ import annotations

import json

import pytest

from tests.leaks.echo_model import EchoModelServer
from tests.quality_support import (  # noqa: F401  (registers the fixture)
    ADMIN,
    ANALYST,
    client_for,
    person,
    quality_corpus_fixture,
)

pytestmark = pytest.mark.integration
HR = person("hana", "all", "hr")


def test_a_rated_answer_becomes_a_golden_case_that_eval_runs(quality_corpus, tmp_path, embedder, capsys):
    from services.cli import build_parser

    seed = tmp_path / "seed.jsonl"
    seed.write_text(json.dumps({"id": "s01", "question": "When is soup served in the canteen?",
                                "expected_sources": ["menu.md"], "answer_keywords": ["Fridays"]}) + "\n")
    with EchoModelServer() as echo:
        client = client_for(quality_corpus, tmp_path, embedder, golden_seed=seed, llm_url=echo.url, llm_retries=0)
        settings = client.app.state.container.settings
        asked = client.post("/v1/ask", json={"question": "When is pay day?"}, headers=HR)
        assert asked.status_code == 200, asked.text
        answer_id = asked.json()["answer_id"]
        rated = client.post("/v1/feedback", json={"answer_id": answer_id, "rating": "down", "comment": "vague"},
                            headers=HR)
        assert rated.status_code == 201, rated.text

        case = {"answer_id": answer_id, "expected_sources": ["pay.md"], "answer_keywords": ["25th"],
                "groups": ["hr", "all"]}
        assert client.post("/v1/admin/golden", json=case, headers=ADMIN).status_code == 403  # texts: analysts only
        no_facts = client.post("/v1/admin/golden", json={"answer_id": answer_id}, headers=ANALYST)
        assert no_facts.status_code == 422 and "expected_sources" in no_facts.text  # a 👎 answer's sources are wrong
        unknown = client.post("/v1/admin/golden", json={**case, "answer_id": "f" * 32}, headers=ANALYST)
        assert unknown.status_code == 404
        made = client.post("/v1/admin/golden", json=case, headers=ANALYST)
        assert made.status_code == 201, made.text
        assert made.json()["question"] == "When is pay day?" and made.json()["rating"] == "down"
        assert made.json()["created_by"] == "ana" and made.json()["from_answer"] == answer_id

        exported = client.get("/v1/admin/golden", headers=ANALYST)
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/x-ndjson")
        cases = [json.loads(line) for line in exported.text.splitlines()]
        assert [c["id"] for c in cases] == ["s01", f"fb-{answer_id[:12]}"]
        assert oct(settings.quality.golden_path(settings.storage.data_dir).stat().st_mode & 0o777) == "0o600"
        golden = tmp_path / "golden-export.jsonl"
        golden.write_text(exported.text, encoding="utf-8")

        args = build_parser().parse_args(["eval", "--golden", str(golden), "--accept"])
        assert args.func(args, settings) == 0
        out = capsys.readouterr().out
        result = [line for line in out.splitlines() if line.startswith("RESULT ")]
        assert len(result) == 1, out
        assert "hit_at_k=1.000" in result[0] and "facts=1.000" in result[0] and "cases=2" in result[0], out
        assert "accepted as the baseline" in out and f"fb-{answer_id[:12]}" in out
        assert echo.requests >= 2  # the model server was asked each case

        args = build_parser().parse_args(["eval", "--golden", str(golden), "--baseline", "LAST"])
        assert args.func(args, settings) == 0
        out = capsys.readouterr().out
        assert "gate=pass" in out and "not worse" in out

    runs = client.get("/v1/admin/eval/runs", headers=ADMIN)
    assert runs.status_code == 200, runs.text
    latest, first = runs.json()
    assert first["run"]["accepted"] and not latest["run"]["accepted"]
    assert latest["comparison"]["baseline"] == first["run"]["id"] and latest["comparison"]["worse"] == []
    assert "When is pay day" not in runs.text  # runs hold scores and case ids, never question texts
    # The eval's own questions stay out of people's analytics (their audit is DATA_DIR/eval/audit.jsonl).
    report = client.get("/v1/admin/analytics", headers=ANALYST).json()
    assert report["questions"] == 9  # the known log's 8 and hana's one
