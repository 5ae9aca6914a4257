"""Re-index jobs on a real Celery worker over real Redis, into real Chroma (embedded and server mode)."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
import redis
from fastapi.testclient import TestClient

from ingestion.cpu import usable_cores
from services.api.app import create_app
from services.components import build_retriever, sync_source
from tests.conftest import SAMPLES, make_settings
from tests.hostile import OK, write_hostile_corpus
from tests.processes import ChromaServer, RedisServer, Worker, wait_for

pytestmark = pytest.mark.integration
TOKEN = "test-admin-token"
FAST_MODEL = "all-MiniLM-L6-v2"


class Stack:
    """Settings + the API (in this process) + a worker (another process), all on one data dir and Redis."""

    def __init__(self, tmp: Path, redis_url: str, **overrides):
        self.tmp = tmp
        self.docs = tmp / "docs"
        self.docs.mkdir(parents=True, exist_ok=True)
        self.sources_file = tmp / "sources.yaml"
        self.sources_file.write_text(f"sources:\n  - {{name: docs, path: {self.docs}, groups: [all]}}\n")
        # demo_mode: anonymous searches are the demo user's (these tests are about jobs; admin still needs TOKEN).
        values = dict(redis_url=redis_url, admin_token=TOKEN, sources_file=self.sources_file, demo_mode=True,
                      worker_visibility_timeout_s=10, task_max_retries=1, file_time_limit_s=60,
                      job_stall_timeout_s=120, worker_batch_files=4,
                      # These tests are about jobs, not retrieval quality: the fast English model keeps them quick.
                      embedding_model=FAST_MODEL)
        values.update(overrides)
        self.settings = make_settings(tmp / "data", **values)
        self.api = TestClient(create_app(self.settings))
        self.auth = {"Authorization": f"Bearer {TOKEN}"}
        self.workers: list[Worker] = []

    def env(self) -> dict[str, str]:
        return self.settings.environment("data_dir", "models_dir", "redis_url", "sources_file",
                                         "worker_visibility_timeout_s", "task_max_retries", "file_time_limit_s",
                                         "job_stall_timeout_s", "worker_batch_files", "embedding_model", "chroma_url")

    def start_worker(self) -> Worker:
        # A log each: start() waits for "ready." in it, which another worker's log would already hold.
        number = len(self.workers)
        worker = Worker(self.env(), self.tmp / ("worker.log" if number == 0 else f"worker{number}.log"),
                        f"w{number}").start()
        self.workers.append(worker)
        return worker

    def reindex(self) -> str:
        response = self.api.post("/v1/admin/reindex", json={"source": "docs"}, headers=self.auth)
        assert response.status_code == 202, response.text
        return response.json()["job_id"]

    def job(self, job_id: str) -> dict:
        response = self.api.get(f"/v1/admin/jobs/{job_id}", headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    def wait(self, job_id: str, timeout: float = 240) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            view = self.job(job_id)
            if view["state"] not in ("queued", "planning", "running", "evaluating"):
                return view
            time.sleep(0.3)
        raise TimeoutError(f"job still {view['state']} after {timeout} s: {view}")

    def by_file(self, view: dict) -> dict[str, dict]:
        return {Path(f["source"]).name: f for f in view["files"]}

    def search(self, question: str) -> list[str]:
        body = self.api.post("/v1/search", json={"question": question}).json()
        return [unquote(s["uri"].rsplit("/", 1)[-1]) for s in body["sources"]]

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()


@pytest.fixture
def stack(tmp_path, redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    s = Stack(tmp_path, redis_url)
    yield s
    s.close()


def test_admin_endpoints_need_the_token(stack):
    assert stack.api.post("/v1/admin/reindex", json={}).status_code == 401
    assert stack.api.get("/v1/admin/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert stack.api.post("/v1/admin/reindex", json={"source": "nope"}, headers=stack.auth).status_code == 404


def test_incremental_reindex_adds_replaces_moves_regroups_deletes_and_then_does_nothing(stack):
    for name in ("it-security-policy.md", "onboarding-zh.md", "phishing-reporting.html", "leave-policy-zh.html"):
        shutil.copy(SAMPLES / name, stack.docs)
    (stack.docs / "hr").mkdir()
    (stack.docs / "hr" / ".perimeter-acl.yaml").write_text("groups: [hr]\n")
    (stack.docs / "hr" / "salaries.md").write_text("# Salary bands\n\nThe canteen manager salary band is ZX-7781.\n")
    stack.start_worker()

    first = stack.wait(stack.reindex())
    assert first["state"] == "finished", first
    assert first["files_total"] == first["files_done"] == 5 and first["files_failed"] == 0
    assert {f["status"] for f in first["files"]} == {"added"} and first["chunks_added"] > 10
    # The API process sees what the worker wrote; the sidecar's group keeps the salaries away from "all".
    assert "phishing-reporting.html" in stack.search("How do I report a suspicious email?")
    assert "salaries.md" not in stack.search("canteen manager salary band ZX-7781")
    hr_hits = build_retriever(stack.settings).search("salary band ZX-7781", ["hr"], 3)
    assert hr_hits and hr_hits[0].metadata["source"].endswith("salaries.md")
    _assert_task_logs_are_json_with_their_task_id(stack.tmp / "worker.log")

    policy = stack.docs / "it-security-policy.md"
    policy.write_text(policy.read_text() + "\n\n## Rotation\n\nService passwords rotate every 77 days.\n")
    (stack.docs / "leave-policy-zh.html").unlink()
    (stack.docs / "moved").mkdir()
    (stack.docs / "onboarding-zh.md").rename(stack.docs / "moved" / "onboarding-zh.md")
    (stack.docs / "hr" / ".perimeter-acl.yaml").write_text("groups: [hr, finance]\n")

    second = stack.wait(stack.reindex())
    files = stack.by_file(second)
    assert second["state"] == "finished", second
    assert files["it-security-policy.md"]["status"] == "updated" and files["it-security-policy.md"]["chunks_added"] >= 1
    assert files["leave-policy-zh.html"]["status"] == "deleted" and files["leave-policy-zh.html"]["chunks_removed"] > 0
    moved = files["onboarding-zh.md"]
    assert moved["status"] == "moved" and moved["chunks_added"] == 0 and moved["chunks_updated"] > 0
    assert files["salaries.md"]["status"] == "updated" and files["salaries.md"]["chunks_added"] == 0
    assert files["phishing-reporting.html"]["status"] == "unchanged"
    assert "it-security-policy.md" in stack.search("How often do service passwords rotate? 77 days")
    assert "leave-policy-zh.html" not in stack.search("我累计已经工作了12年，每年能休几天年假？")
    assert "onboarding-zh.md" in stack.search("新员工第一天报到需要带哪些材料？")
    finance = build_retriever(stack.settings).search("salary band ZX-7781", ["finance"], 3)
    assert finance and finance[0].metadata["source"].endswith("salaries.md")

    third = stack.wait(stack.reindex())
    assert third["state"] == "finished"
    assert {f["status"] for f in third["files"]} == {"unchanged"}
    assert third["chunks_added"] == third["chunks_removed"] == third["chunks_updated"] == 0

    recent = stack.api.get("/v1/admin/jobs", headers=stack.auth).json()
    assert [j["id"] for j in recent][:3] == [third["id"], second["id"], first["id"]]


def _assert_task_logs_are_json_with_their_task_id(log: Path) -> None:
    """The worker logs like the API: one JSON object a line (Celery's start-up banner aside), and each line a task
    writes carries the task's id as request_id."""
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    done = [r for r in records if r["logger"] == "celery.app.trace" and "succeeded" in r["message"]]
    assert done and {"level", "logger", "message", "request_id", "time"} <= set(done[0])
    for record in done:
        assert record["request_id"] and f"[{record['request_id']}]" in record["message"], record


def test_hostile_files_fail_alone_with_reasons_and_the_job_finishes(stack):
    expected = write_hostile_corpus(stack.docs)
    assert len(expected) >= 20
    stack.start_worker()
    job_id = stack.reindex()
    # Planned, then gone before its turn: unlink it the moment planning ends. wait_for's 0.2 s polls let a quick
    # worker reach the last batch first on a quiet box; one API call (~10 ms) is far shorter than 5 batches.
    deadline = time.monotonic() + 60
    while stack.job(job_id)["state"] in ("queued", "planning") and time.monotonic() < deadline:
        time.sleep(0.005)
    assert stack.job(job_id)["state"] == "running"
    (stack.docs / "zz-disappears.pdf").unlink()
    view = stack.wait(job_id)
    assert view["state"] == "finished", view
    files = stack.by_file(view)
    assert set(files) == set(expected)
    for name, want in expected.items():
        if want == OK:
            assert files[name]["status"] == "added", (name, files[name])
        else:
            assert files[name]["status"] == "failed", (name, files[name])
            assert want.lower() in files[name]["reason"].lower(), (name, files[name]["reason"])
    assert view["files_failed"] == sum(1 for w in expected.values() if w != OK)
    assert "name with spaces.md" in stack.search("When are parking permits renewed?")


def _copy_corpus(dest: Path) -> None:
    for path in sorted(SAMPLES.iterdir()):
        shutil.copy(path, dest)


def _clean_run_ids(stack: Stack, tmp: Path) -> set[str]:
    """The chunk ids a clean, uninterrupted sync of the same source gives."""
    from services.components import load_sources

    clean = make_settings(tmp / "clean-data", sources_file=stack.sources_file, embedding_model=FAST_MODEL)
    (source,) = load_sources(clean)
    report = sync_source(clean, source)
    assert not report.failed
    return set(build_retriever(clean).collection.get(include=[])["ids"])


def test_worker_killed_mid_job_then_a_new_one_finishes_with_exactly_a_clean_runs_chunks(stack, tmp_path):
    _copy_corpus(stack.docs)
    worker = stack.start_worker()
    job_id = stack.reindex()
    wait_for(lambda: stack.job(job_id)["files_done"] >= 4, 120, "some files done")
    worker.kill()
    # The worst moment to die: while holding the lock that guards redelivery (kombu's unacked mutex, taken every
    # sweep). It is left behind with the expiry the killed worker gave it; the job must still move within the
    # stall window (120 s here), which kombu's default expiry (300 s) would outlast. (If the killed worker did hold
    # it, this takes nothing: the same case.)
    from services.worker.celery_app import celery_config

    expiry = celery_config(stack.settings)["broker_transport_options"]["unacked_mutex_expire"]
    redis.Redis.from_url(stack.settings.redis.url).lock("unacked_mutex", timeout=expiry).acquire(blocking=False)
    assert stack.job(job_id)["state"] == "running"
    stack.start_worker()
    view = stack.wait(job_id)
    assert view["state"] == "finished", (view["error"], view["errors"])
    assert view["files_done"] == view["files_total"] == len(list(SAMPLES.iterdir()))
    assert view["files_failed"] == 0, view["errors"]
    ids = build_retriever(stack.settings).collection.get(include=[])["ids"]
    assert len(ids) == len(set(ids))
    assert set(ids) == _clean_run_ids(stack, tmp_path)


def test_two_workers_share_one_job_on_the_chroma_server_and_end_with_a_one_worker_runs_chunks(tmp_path, redis_url):
    """Scale-out: each batch is a task, so every worker on the broker takes a share of one job (docs/SCALING.md)."""
    redis.Redis.from_url(redis_url).flushdb()
    chroma = ChromaServer(tmp_path / "chroma-server").start()
    stack = Stack(tmp_path, redis_url, chroma_url=chroma.url, worker_batch_files=1)
    try:
        _copy_corpus(stack.docs)
        stack.start_worker()
        stack.start_worker()
        view = stack.wait(stack.reindex())
        assert view["state"] == "finished", (view["error"], view["errors"])
        assert view["files_done"] == view["files_total"] == len(list(SAMPLES.iterdir()))
        assert view["files_failed"] == 0, view["errors"]
        shares = {name.split("-")[0]: files for name, files in view["workers"].items()}
        assert set(shares) == {"w0", "w1"} and min(shares.values()) > 0, view["workers"]
        assert sum(shares.values()) == view["files_total"]
        ids = build_retriever(stack.settings).collection.get(include=[])["ids"]
        assert len(ids) == len(set(ids))
        assert set(ids) == _clean_run_ids(stack, tmp_path)
        assert "phishing-reporting.html" in stack.search("How do I report a suspicious email?")
    finally:
        stack.close()
        chroma.stop()


def test_a_worker_of_two_pool_processes_shares_the_cores_between_them(stack, tmp_path):
    """Celery forks one pool process per core by default; each embedding with every core would oversubscribe them."""
    chroma = ChromaServer(tmp_path / "chroma-server").start()
    try:
        stack.settings = stack.settings.with_values(chroma_url=chroma.url)
        log = stack.tmp / "pool.log"
        stack.workers.append(Worker(stack.env(), log, "pool", concurrency=2).start())
        wait_for(lambda: log.read_bytes().count(b"perimeter worker warm") >= 2, 120, "both pool processes warm")
        expected = f"({max(1, usable_cores() // 2)} torch threads)".encode()
        assert log.read_bytes().count(expected) == 2, log.read_text()[-2000:]
    finally:
        stack.close()
        chroma.stop()


def test_a_worker_on_embedded_chroma_runs_one_pool_process_and_says_why(stack):
    """Two processes writing into embedded Chroma corrupted its index; without a Chroma server the pool is one."""
    log = stack.tmp / "pool.log"
    stack.workers.append(Worker(stack.env(), log, "pool", concurrency=2).start())
    wait_for(lambda: b"perimeter worker warm" in log.read_bytes(), 120, "the pool process warm")
    time.sleep(3)  # a second pool process, if one were forked, is warm by now (the first took as long)
    text = log.read_text()
    assert text.count("perimeter worker warm") == 1, text[-2000:]
    assert "embedded Chroma takes one writing process: running 1 pool process instead of 2" in text
    _copy_corpus(stack.docs)
    view = stack.wait(stack.reindex())
    assert view["state"] == "finished" and view["files_failed"] == 0, (view["error"], view["errors"])


def test_redis_restart_during_a_job_never_leaves_it_running(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    stack = Stack(tmp_path, redis_url=server.url, job_stall_timeout_s=45)
    try:
        _copy_corpus(stack.docs)
        stack.start_worker()
        job_id = stack.reindex()
        wait_for(lambda: stack.job(job_id)["files_done"] >= 3, 120, "some files done")
        server.stop()
        time.sleep(2)
        server.start()  # same port, same append-only file: the queue and the job record survive
        view = stack.wait(job_id, timeout=300)
        assert view["state"] in ("finished", "failed"), view
        if view["state"] == "finished":
            ids = build_retriever(stack.settings).collection.get(include=[])["ids"]
            assert set(ids) == _clean_run_ids(stack, tmp_path)
    finally:
        stack.close()
        server.stop()


def test_chroma_server_down_fails_the_job_clearly_and_the_old_index_still_answers(stack, tmp_path):
    chroma = ChromaServer(tmp_path / "chroma-server").start()
    try:
        stack.settings = stack.settings.with_values(**{"chroma_url": chroma.url})
        stack.api = TestClient(create_app(stack.settings))
        shutil.copy(SAMPLES / "phishing-reporting.html", stack.docs)
        stack.start_worker()
        assert stack.wait(stack.reindex())["state"] == "finished"
        assert "phishing-reporting.html" in stack.search("How do I report a suspicious email?")

        chroma.stop()
        (stack.docs / "phishing-reporting.html").write_text("<h1>Changed</h1><p>new text</p>")
        failed = stack.wait(stack.reindex(), timeout=120)
        assert failed["state"] == "failed"
        assert "chroma" in failed["error"].lower() or "unavailable" in failed["error"].lower(), failed["error"]

        chroma.start()
        assert "phishing-reporting.html" in stack.search("How do I report a suspicious email?")
        hits = build_retriever(stack.settings).search("Report Phish button Outlook", ["all"], 3)
        assert hits and "Report Phish" in " ".join(h.text for h in hits)
    finally:
        chroma.stop()


def test_cancel_stops_a_running_job(stack):
    _copy_corpus(stack.docs)
    stack.start_worker()
    job_id = stack.reindex()
    wait_for(lambda: stack.job(job_id)["files_done"] >= 1, 120, "a file done")
    assert stack.api.post(f"/v1/admin/jobs/{job_id}/cancel", headers=stack.auth).json()["cancel_requested"]
    view = stack.wait(job_id)
    assert view["state"] == "cancelled"
    assert any(f["status"] == "skipped" for f in view["files"]), [(f["source"][-30:], f["status"])
                                                                  for f in view["files"]]


def test_beat_schedules_a_reindex_per_source_interval(stack, tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO
    from tests.processes import kill_group

    stack.sources_file.write_text(
        f"sources:\n  - {{name: docs, path: {stack.docs}, groups: [all], interval_minutes: 0.02}}\n")
    shutil.copy(SAMPLES / "onboarding-guide.md", stack.docs)
    stack.start_worker()
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "services.worker.celery_app:app", "beat", "--loglevel=INFO",
         "--schedule", str(tmp_path / "beat-schedule")],
        cwd=REPO, env={**__import__("os").environ, **stack.env()}, stdout=(tmp_path / "beat.log").open("wb"),
        stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: any(j["state"] == "finished" for j in
                             stack.api.get("/v1/admin/jobs", headers=stack.auth).json()), 120, "a scheduled job")
    finally:
        kill_group(beat)
    jobs = stack.api.get("/v1/admin/jobs", headers=stack.auth).json()
    assert jobs and {j["source"] for j in jobs} == {"docs"}
    assert "onboarding-guide.md" in stack.search("What happens in the first week?")
