"""The Container (services/container.py): one owner per process of every long-lived client. Over a real Redis and the
sample index; the app's routes are called through HTTP."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import psutil
import pytest
import redis
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.container import Container
from services.identity import DEMO_USER
from services.redis_clients import REDIS_CONNECT_TIMEOUT_S, REDIS_TIMEOUT_S
from tests.conftest import REPO, make_settings

ADMIN_TOKEN = "container-test-admin-token-0123456789abcdef"


def _connected(url: str) -> int:
    """This process's open connections to the Redis server at `url`. Not the server's own client count: other
    processes of a full run (workers, servers) connect and leave meanwhile and moved that count by one."""
    target = redis.Redis.from_url(url).connection_pool.connection_kwargs
    port = int(target.get("port", 6379))
    return sum(1 for c in psutil.Process().net_connections(kind="tcp")
               if c.status == psutil.CONN_ESTABLISHED and c.raddr and c.raddr.port == port)


@pytest.mark.integration
def test_every_redis_user_of_one_url_shares_one_pool(redis_url, tmp_path):
    container = Container(make_settings(tmp_path, redis_url=redis_url, conversation_store="redis",
                                        rate_limit_per_minute=100))
    users = {
        "job store": container.job_store.r,
        "conversations": container.conversations._redis,
        "issued answers": container.issued_answers._redis,
        "rate limiter": container.rate_limiter.client,
        "slack and webhooks": container.redis(),
    }
    pools = {name: client.connection_pool for name, client in users.items()}
    assert len({id(pool) for pool in pools.values()}) == 1, pools
    assert list(container.redis_pools()) == [redis_url]
    kwargs = container.redis().connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == REDIS_TIMEOUT_S and kwargs["socket_connect_timeout"] == REDIS_CONNECT_TIMEOUT_S

    before = _connected(redis_url)
    job_id = container.job_store.create("handbook", "default")
    from services.conversations import Turn

    container.conversations.add("alice", "c1", Turn(question="q", answer="a"))
    answer_id = container.issued_answers.issue("alice", {"question": "q"})
    assert container.rate_limiter.retry_after("alice") is None
    container.redis().set("perimeter:test:container", 1, ex=60)
    # Used one after another by one thread: one connection, taken from the pool and given back each time.
    assert _connected(redis_url) - before == 1
    assert container.job_store.fields(job_id)["state"] == "queued"
    assert container.issued_answers.recall("alice", answer_id) == {"question": "q"}
    container.close()
    assert _connected(redis_url) == before


@pytest.mark.integration
def test_a_separate_rate_limit_redis_gets_a_pool_of_its_own(redis_url, tmp_path):
    other = redis_url.rsplit("/", 1)[0] + "/3"
    container = Container(make_settings(tmp_path, redis_url=redis_url, rate_limit_redis_url=other))
    assert container.rate_limiter.client.connection_pool is not container.job_store.r.connection_pool
    assert sorted(container.redis_pools()) == sorted([redis_url, other])
    assert container.redis(other).connection_pool is container.rate_limiter.client.connection_pool


def test_parts_are_built_once_even_when_many_threads_ask_at_once(tmp_path):
    container = Container(make_settings(tmp_path))
    seen, start = [], threading.Barrier(8)

    def ask():
        start.wait()
        seen.append((container.job_store, container.authenticator, container.feedback_log, container.audit_log))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 and len({tuple(map(id, parts)) for parts in seen}) == 1
    assert container.answer_recorder.audit is container.audit_log  # answers and refusals: one audit writer


def test_a_test_injects_the_model_or_none(tmp_path):
    class Model:
        name = "scripted"

    model = Model()
    assert Container(make_settings(tmp_path), model=model).model is model
    assert Container(make_settings(tmp_path), model=None).model is None


@pytest.mark.integration
def test_routes_get_their_parts_from_the_apps_container(sample_index, embedder, redis_url, tmp_path):
    settings = sample_index[0].with_values(**{
        "redis_url": redis_url, "conversation_store": "redis", "admin_token": ADMIN_TOKEN, "demo_mode": True,
        "feedback_file": tmp_path / "feedback.jsonl", "audit_file": tmp_path / "audit.jsonl"})
    container = Container(settings, embedder=embedder, model=None)
    client = TestClient(create_app(container))
    assert client.app.state.container is container

    pipeline = container.pipeline  # built at start-up from the container's own parts
    assert pipeline.retriever is container.retriever and container.retriever.embedder is embedder
    assert pipeline.conversations is container.conversations and pipeline.issued is container.issued_answers
    assert pipeline.recorder is container.answer_recorder

    # /v1/ask answers from the container's pipeline: the answer id it issues is in the container's store ...
    answered = client.post("/v1/ask", json={"question": "How many days of annual leave do UK employees get?"})
    assert answered.status_code == 200, answered.text
    body = answered.json()
    issued = container.issued_answers.recall(DEMO_USER.key, body["answer_id"])
    assert issued is not None and issued["question"].startswith("How many days")
    # ... so /v1/feedback (which reads the container's issued answers) takes it, into the container's feedback log.
    rated = client.post("/v1/feedback", json={"answer_id": body["answer_id"], "rating": "up"})
    assert rated.status_code == 201, rated.text
    assert body["answer_id"] in container.feedback_log.export()

    # The admin routes read the container's job store.
    job_id = container.job_store.create("handbook", "default", requested_by="test")
    jobs = client.get("/v1/admin/jobs", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert jobs.status_code == 200 and job_id in jobs.text

    # Answers and refused requests go to the one audit log.
    assert client.get("/v1/admin/jobs", headers={"Authorization": "Bearer wrong"}).status_code in (401, 403)
    records = [json.loads(line) for line in container.audit_log.path.read_text(encoding="utf-8").splitlines()]
    assert {r["outcome"] for r in records} >= {"degraded"}  # no model: the sources and a notice
    assert "refused" in {r["outcome"] for r in records}
    assert list(container.redis_pools()) == [redis_url]


def test_importing_the_worker_and_the_api_reads_no_settings():
    """An invalid PERIMETER_* value stops whoever reads the settings; importing the modules must not: the worker
    reads them on first use (services/worker/celery_app.worker_container), the API in create_app."""
    env = {**os.environ, "PERIMETER_LLM_BACKEND": "not-a-backend"}
    code = ("import services.worker.tasks, services.worker.slack_tasks, services.worker.celery_app as c, "
            "services.api.app, services.cli, services.observability.http\n"
            "assert c._container is None, 'the worker container was built at import'\n"
            "from services.settings import get_settings\n"
            "try:\n    get_settings()\nexcept ValueError as exc:\n    print('refused:', exc)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and "PERIMETER_LLM_BACKEND" in done.stdout  # the value is indeed invalid


def test_embedding_threads_setting_is_torchs_thread_count_in_that_process(tmp_path):
    """Several workers on one machine each take cores / workers threads (docs/SCALING.md), not torch's every core."""
    import torch

    before = torch.get_num_threads()
    wanted = before + 1  # differs from whatever the process had, so a setting that is ignored fails here
    try:
        embedder = Container(make_settings(tmp_path, embedding_model="all-MiniLM-L6-v2",
                                           embedding_threads=wanted)).embedder
        assert embedder.embed_query("threads")  # the embedder works with them
        assert torch.get_num_threads() == wanted
    finally:
        torch.set_num_threads(before)
