"""Shared by the quality-loop tests (tests/services/quality, tests/leaks/test_analytics_leaks.py): a real index of
two configured sources with owners (an hr pay page and a public canteen page), an audit log and a feedback file
written by the test with known numbers, and the app over them with proxy sign-in."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.settings import Settings
from tests.conftest import make_settings

PROXY = {"auth_trusted_proxies": ["127.0.0.1/32", "testclient"]}
GYM_CANARY = "GYM-QUESTION-CANARY-7731"  # in a question text: only analysts may read it
DAY1, DAY2 = "2026-11-01", "2026-11-02"


def person(name: str, *groups: str) -> dict[str, str]:
    return {"X-Forwarded-User": name, "X-Forwarded-Groups": ",".join(groups)}


USER = person("uma", "all")
ADMIN = person("ada", "all", "perimeter-admins")
ANALYST = person("ana", "all", "perimeter-analysts")


@dataclass
class Corpus:
    settings: Settings
    root: Path
    pay: str  # doc ids
    menu: str
    pay_uri: str
    menu_uri: str


@pytest.fixture(scope="module", name="quality_corpus")
def quality_corpus_fixture(tmp_path_factory, embedder) -> Corpus:
    from ingestion.chunk import doc_id
    from services.components import load_sources, sync_source

    root = tmp_path_factory.mktemp("quality")
    (root / "hr").mkdir()
    (root / "hr" / "pay.md").write_text("# Pay day\n\nPay day is the 25th of each month. Salaries are paid by "
                                        "bank transfer.\n")
    (root / "pub").mkdir()
    (root / "pub" / "menu.md").write_text("# Canteen menu\n\nSoup is served on Fridays in the canteen.\n")
    (root / "sources.yaml").write_text(
        f"sources:\n  - {{name: hr, path: {root / 'hr'}, groups: [hr], owner: hr-team}}\n"
        f"  - {{name: pub, path: {root / 'pub'}, groups: [all], owner: facilities}}\n")
    settings = make_settings(root / "data", sources_file=root / "sources.yaml", **PROXY)
    for source in load_sources(settings):
        report = sync_source(settings, source, embedder=embedder)
        assert not report.failed, report.failed
    pay, menu = str(root / "hr" / "pay.md"), str(root / "pub" / "menu.md")
    return Corpus(settings, root, doc_id(pay), doc_id(menu), pay, menu)


def ts(day: str, second: int = 0) -> float:
    return datetime.fromisoformat(f"{day}T10:00:00+00:00").timestamp() + second


def question(day: str, n: int, door: str, outcome: str, text: str, *, first=None, full=None, rate=None,
             cited=(), shown=(), collection="default", user="uma", groups=("all",)) -> dict:
    return {"ts": ts(day, n), "user": user, "groups": list(groups), "door": door, "question": text,
            "outcome": outcome, "collection": collection, "first_token_ms": first, "answer_ms": full,
            "grounding_rate": rate, "cited": [i for i, _ in enumerate(shown, 1) if i in cited],
            "sources": [{"n": i, "doc_id": d, "uri": u} for i, (d, u) in enumerate(shown, 1)]}


def write_logs(corpus: Corpus, audit: Path, feedback: Path) -> None:
    """The known log: what the analytics tests check the numbers against."""
    pay = (corpus.pay, corpus.pay_uri)
    menu = (corpus.menu, corpus.menu_uri)
    records = [
        question(DAY1, 1, "api", "answered", "When is pay day?", first=1000, full=3000, rate=1.0, cited=[1],
                 shown=[pay, menu], groups=("hr", "all")),
        question(DAY1, 2, "web", "answered", "Pay day date?", first=2000, full=5000, rate=0.5, cited=[1],
                 shown=[pay], groups=("hr", "all")),
        question(DAY1, 3, "web", "not_found", f"Where is the gym? {GYM_CANARY}", full=40),
        question(DAY2, 4, "api", "degraded", "Soup?", full=100, shown=[menu]),
        question(DAY2, 5, "slack", "failed", "Anything?"),
        question(DAY2, 6, "openai", "answered", "Which day is pay day?", first=3000, full=7000, rate=0.75,
                 cited=[1], shown=[pay], user="bob", groups=("hr", "all")),
        question(DAY2, 7, "web", "not_found", f"Where is the gym? {GYM_CANARY}", full=35, user="carl"),
        question(DAY2, 8, "api", "answered", "Pay day in the other collection?", first=9000, full=9000, rate=0.0,
                 cited=[1], shown=[pay], collection="other"),
        {"ts": ts(DAY2, 9), "outcome": "refused", "status": 403, "door": "api"},
        {"ts": ts(DAY2, 10), "outcome": "search", "door": "api", "question": "searched", "sources": []},
    ]
    audit.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    ratings = [
        {"at": ts(DAY1, 20), "user": "uma", "rating": "up", "question": "When is pay day?", "answer_id": "a" * 32,
         "sources": [corpus.pay], "collection": "default", "comment": ""},
        {"at": ts(DAY2, 21), "user": "bob", "rating": "up", "question": "Which day is pay day?",
         "answer_id": "b" * 32, "sources": [corpus.pay], "collection": "default", "comment": ""},
        {"at": ts(DAY2, 22), "user": "dan", "rating": "down", "question": "Is soup served on Mondays?",
         "answer_id": "c" * 32, "sources": [corpus.menu], "collection": "default", "comment": "wrong"},
    ]
    feedback.write_text("".join(json.dumps(r) + "\n" for r in ratings), encoding="utf-8")


def client_for(corpus: Corpus, tmp_path: Path, embedder, **overrides) -> TestClient:
    """The app over the corpus, its audit and feedback files the known log (in tmp_path)."""
    from services.components import build_retriever

    audit, feedback = tmp_path / "audit.jsonl", tmp_path / "feedback.jsonl"
    if not audit.exists():
        write_logs(corpus, audit, feedback)
    settings = corpus.settings.with_values(audit_file=audit, feedback_file=feedback,
                                           analytics_db_url=overrides.pop("analytics_db_url", None)
                                           or f"sqlite:///{tmp_path / 'analytics.sqlite'}", **overrides)
    return TestClient(create_app(settings, AskPipeline(settings, build_retriever(settings, embedder), None)))


@dataclass(frozen=True)
class GateCorpus:
    """The gate's tests' corpus (the CLI's and the worker's): hr/pay.md answers the golden case "pay",
    pub/menu.md the case "soup", pub/parking.md no case; `sources_yaml` configures both folders."""
    hr: Path
    pub: Path
    seed: Path
    sources_yaml: str


def gate_corpus(root: Path) -> GateCorpus:
    hr, pub = root / "hr", root / "pub"
    hr.mkdir()
    pub.mkdir()
    (hr / "pay.md").write_text("# Pay day\n\nPay day is the 25th of each month, by bank transfer.\n")
    (pub / "menu.md").write_text("# Canteen menu\n\nSoup is served on Fridays in the canteen.\n")
    (pub / "parking.md").write_text("# Parking\n\nVisitors park on level minus two of the garage.\n")
    seed = root / "golden.jsonl"
    seed.write_text("".join(json.dumps(c) + "\n" for c in (
        {"id": "pay", "question": "When is pay day?", "expected_sources": ["pay.md"], "answer_keywords": ["25th"]},
        {"id": "soup", "question": "When is soup served?", "expected_sources": ["menu.md"],
         "answer_keywords": ["Fridays"]})))
    return GateCorpus(hr, pub, seed, f"sources:\n  - {{name: hr, path: {hr}, groups: [all]}}\n"
                                     f"  - {{name: pub, path: {pub}, groups: [all]}}\n")
