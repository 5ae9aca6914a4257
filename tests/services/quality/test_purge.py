"""Retention of question texts: `perimeter audit purge` blanks the question, name and comment of records older than
PERIMETER_AUDIT_RETENTION_DAYS in the audit and feedback files and the aggregates store, keeps what analytics count,
and loses no line."""
from __future__ import annotations

import json
import time

from services.cli import build_parser
from services.quality.store import AggregateStore, questions, ratings
from tests.conftest import make_settings

DAY = 86400


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_purge_blanks_old_texts_keeps_the_counts_and_every_line(tmp_path, capsys):
    now = time.time()
    audit, feedback = tmp_path / "audit.jsonl", tmp_path / "feedback.jsonl"
    old = {"ts": now - 40 * DAY, "user": "uma", "groups": ["all"], "door": "api", "question": "old secret question",
           "outcome": "not_found", "collection": "default", "sources": [{"n": 1, "doc_id": "d1", "uri": "/a"}],
           "cited": [1]}
    new = {**old, "ts": now - 2 * DAY, "question": "recent question", "outcome": "answered"}
    refused = {"ts": now - 50 * DAY, "outcome": "refused", "status": 403, "user": "eve"}
    audit.write_text("".join(json.dumps(r) + "\n" for r in (old, refused, new)) + '{"ts": 1, "partial', "utf-8")
    feedback.write_text(json.dumps({"at": now - 31 * DAY, "user": "uma", "rating": "down", "question": "old rated",
                                    "comment": "my name is Uma", "answer_id": "a" * 32, "sources": ["d1"]}) + "\n"
                        + json.dumps({"at": now - DAY, "user": "bob", "rating": "up", "question": "new rated",
                                      "comment": "", "answer_id": "b" * 32, "sources": ["d1"]}) + "\n", "utf-8")
    settings = make_settings(tmp_path / "data", audit_file=audit, feedback_file=feedback, audit_retention_days=30)
    store = AggregateStore(settings.quality.db_url(settings.storage.data_dir))
    store.refresh(audit, feedback)

    args = build_parser().parse_args(["audit", "purge"])
    assert args.func(args, settings) == 0
    assert "blanked 1 audit records, 1 ratings, 2 stored rows" in capsys.readouterr().out

    text = audit.read_text(encoding="utf-8")
    assert text.endswith('{"ts": 1, "partial')  # the line being written is kept as it was
    records = [json.loads(line) for line in text.splitlines()[:-1]]
    assert "old secret question" not in text and [r.get("question") for r in records] == [None, None,
                                                                                          "recent question"]
    assert records[0]["user"] is None and records[0]["purged"] is True
    assert records[0]["sources"] == old["sources"] and records[0]["outcome"] == "not_found"  # counts stay
    assert records[1] == refused and records[2] == new
    rated = lines(feedback)
    assert (rated[0]["question"], rated[0]["user"], rated[0]["comment"]) == (None, None, None)
    assert rated[1]["question"] == "new rated" and rated[1]["user"] == "bob"
    assert oct(audit.stat().st_mode & 0o777) == "0o600"

    # The store forgot them too, and after reading the rewritten files it still counts every question.
    store.refresh(audit, feedback)
    with store.engine.connect() as db:
        assert sorted(db.execute(questions.select().with_only_columns(questions.c.question)).scalars(),
                      key=str) == [None, "recent question"]
        assert list(db.execute(ratings.select().with_only_columns(ratings.c.question)).scalars()) == [None,
                                                                                                     "new rated"]

    # Purging again changes nothing; with retention 0 texts are kept forever.
    assert args.func(args, settings) == 0 and "blanked 0 audit records" in capsys.readouterr().out
    keep = settings.with_values(audit_retention_days=0)
    assert args.func(args, keep) == 0 and "nothing purged" in capsys.readouterr().out


def test_beat_runs_the_purge_daily_unless_texts_are_kept_forever(tmp_path):
    from services.worker.celery_app import beat_schedule

    settings = make_settings(tmp_path, sources_file=tmp_path / "none.yaml")
    assert beat_schedule(settings)["audit-purge"]["task"] == "perimeter.purge_audit"
    assert "audit-purge" not in beat_schedule(settings.with_values(audit_retention_days=0))
