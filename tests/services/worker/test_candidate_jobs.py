"""Candidate re-index jobs on a real Celery worker over real Redis (services/worker/gate_tasks.py): started from the
admin API with "candidate": true, published only when the golden set, asked by the worker of the job's unpublished
snapshot through a real model server (the echo model of the leak suite), is not worse than the last accepted run.
Deleting the answering document is refused and put back (the old index still answers); deleting an unrelated one is
published."""
from __future__ import annotations

import pytest
import redis

from tests.leaks.echo_model import EchoModelServer
from tests.processes import Worker
from tests.quality_support import gate_corpus
from tests.services.worker.test_worker import Stack

pytestmark = pytest.mark.integration
WORKER_SETTINGS = ("data_dir", "models_dir", "redis_url", "sources_file", "worker_visibility_timeout_s",
                   "task_max_retries", "file_time_limit_s", "job_stall_timeout_s", "worker_batch_files",
                   "embedding_model", "llm_url", "llm_retries", "golden_seed", "gate_max_drop")


def test_a_candidate_job_that_loses_the_answer_is_refused_and_an_unrelated_one_is_published(tmp_path, redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    corpus = gate_corpus(tmp_path)
    hr, pub, seed = corpus.hr, corpus.pub, corpus.seed
    with EchoModelServer() as echo:
        stack = Stack(tmp_path, redis_url, llm_url=echo.url, llm_retries=0, golden_seed=seed, gate_max_drop=0.05)
        stack.sources_file.write_text(corpus.sources_yaml)
        stack.workers.append(Worker(stack.settings.environment(*WORKER_SETTINGS), tmp_path / "worker.log", "w0")
                             .start())
        try:
            def run(**body) -> list[dict]:
                started = stack.api.post("/v1/admin/reindex", json=body, headers=stack.auth)
                assert started.status_code == 202, started.text
                return [stack.wait(job["id"]) for job in started.json()["jobs"]]

            assert [job["state"] for job in run()] == ["finished", "finished"]  # a plain job publishes as before
            assert "pay.md" in stack.search("When is pay day?")

            (hr / "pay.md").unlink()
            (refused,) = run(source="hr", candidate=True)
            assert refused["state"] == "finished" and refused["candidate"], refused
            gate = refused["gate"]
            assert gate["published"] is False and gate["job"] == refused["id"], gate
            assert "hit_at_k" in gate["comparison"]["worse"] and gate["comparison"]["deltas"]["hit_at_k"] == -0.5
            assert gate["files"] == {"deleted": 1}
            assert "pay.md" in stack.search("When is pay day?")  # the old index still answers
            asked = echo.requests
            assert asked >= 3  # the baseline (published index) and the candidate (its pay case may find nothing)

            (pub / "parking.md").unlink()
            (published,) = run(source="pub", candidate=True)
            assert published["state"] == "finished" and published["gate"]["published"] is True, published
            assert published["gate"]["comparison"]["worse"] == []
            assert published["gate"]["comparison"]["baseline"] == gate["comparison"]["baseline"]
            assert echo.requests > asked  # the baseline was asked once, not again
            assert "parking.md" not in stack.search("Where do visitors park in the garage?")
            assert "pay.md" in stack.search("When is pay day?")  # the refused deletion did not ride along
        finally:
            stack.close()

    decisions = stack.api.get("/v1/admin/eval/gates", headers=stack.auth).json()
    assert [(d["source"], d["published"], d["job"]) for d in decisions] == [
        ("pub", True, published["id"]), ("hr", False, refused["id"])]
