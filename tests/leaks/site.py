"""The leak suite's site (tests/leaks/test_leaks.py): the corpus with its canaries ingested through its configured
source, the leakiest model (an echo server), a recorder standing in for Slack's Web API, one app on a real uvicorn, a
Celery worker for Slack, a browser; module-scoped fixtures, registered in the test module that imports them."""
from __future__ import annotations

import hashlib
import shutil
import threading

import httpx
import jwt
import pytest

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_model, build_retriever, load_sources, sync_source
from tests.conftest import REPO, make_settings
from tests.fakes import served
from tests.leaks.attempts import INSIDERS, OUTSIDER
from tests.leaks.corpus import sources_file, write_corpus
from tests.leaks.echo_model import EchoModelServer
from tests.leaks.ledger import Ledger
from tests.processes import Worker

ARTIFACTS = REPO / "test-artifacts" / "leaks"
EMBEDDING_MODEL = "all-MiniLM-L6-v2"  # five times faster to ingest than e5; the access filter does not care
ADMIN_TOKEN = "leak-suite-admin-token-" + "x" * 16  # long enough for the start-up check
SLACK_SECRET = "leak-suite-slack-signing-secret"
KEYS = {"outsider": "leak-suite-outsider-api-key-0123456789", "hr": "leak-suite-hr-bot-api-key-0123456789"}
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def write_api_keys(folder) -> dict[str, str]:
    """A keys file (sha256 digests only): the outsider's own key, and an hr service account's."""
    digest = {k: hashlib.sha256(v.encode()).hexdigest() for k, v in KEYS.items()}
    (folder / "api-keys.yaml").write_text(
        "keys:\n"
        f"  - {{name: mallory-script, sha256: {digest['outsider']}, groups: [all, engineering]}}\n"
        f"  - {{name: hr-bot, sha256: {digest['hr']}, groups: [hr]}}\n", encoding="utf-8")
    claims = {"preferred_username": "hana", "groups": ["hr", "board"], "sub": "hana", "exp": 4102444800}
    return {"outsider": KEYS["outsider"], "hr_digest": digest["hr"],
            "jwt_none": jwt.encode(claims, "", algorithm="none"),  # "none" takes no key ("" is None to PyJWT)
            "jwt_hs256": jwt.encode(claims, "a-guessed-secret-" + "s" * 32, algorithm="HS256")}


@pytest.fixture(scope="module", name="minilm")
def minilm_fixture():
    """MiniLM, run on one torch thread for this module: hundreds of one-line queries on a small shared box cost a
    seventh of the CPU time that way (two threads mostly spin waiting for each other)."""
    import torch

    from ingestion.embedder import load_embedder

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield load_embedder(EMBEDDING_MODEL)
    torch.set_num_threads(threads)


@pytest.fixture(scope="module", name="echo")
def echo_fixture():
    with EchoModelServer() as server:
        yield server


@pytest.fixture(scope="module", name="slack_api")
def slack_api_fixture():
    """Stands in for Slack's Web API: records every call the worker makes."""
    from tests.services.slack.test_slack import SlackRecorder

    recorder = SlackRecorder()
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    yield recorder
    recorder.shutdown()


@pytest.fixture(scope="module", name="leak_index")
def leak_index_fixture(tmp_path_factory, minilm, echo, redis_url, slack_api):
    """The corpus, ingested through its configured source (sidecar files restrict hr/ and board/); the settings every
    front door of this module shares (conversations in Redis, as a deployment with several processes runs)."""
    from tests.leaks.assistants import write_assistants
    from tests.leaks.slack import users_yaml

    tmp = tmp_path_factory.mktemp("leaks")
    corpus = write_corpus(tmp / "corpus")
    keys = write_api_keys(tmp)
    (tmp / "slack-users.yaml").write_text(users_yaml([OUTSIDER, *INSIDERS.values()]), encoding="utf-8")
    settings = make_settings(tmp / "data", embedding_model=EMBEDDING_MODEL, llm_url=echo.url, llm_retries=0,
                             sources_file=sources_file(corpus, tmp), admin_token=ADMIN_TOKEN,
                             feedback_file=tmp / "feedback.jsonl", redis_url=redis_url, conversation_store="redis",
                             auth_trusted_proxies=["127.0.0.1/32", "testclient"],
                             auth_api_keys_file=tmp / "api-keys.yaml", slack_signing_secret=SLACK_SECRET,
                             slack_bot_token="xoxb-leak-suite", slack_api_url=slack_api.url,
                             slack_users_file=tmp / "slack-users.yaml", assistants_file=write_assistants(tmp))
    (source,) = load_sources(settings)
    report = sync_source(settings, source, embedder=minilm)
    assert not [f for f in report.files if f.status == "failed"], report.files
    return corpus, settings, keys


@pytest.fixture(scope="module", name="ledger")
def ledger_fixture(leak_index):
    ledger = Ledger(leak_index[0])
    yield ledger
    ledger.write(ARTIFACTS / "summary.json")


@pytest.fixture(scope="module", name="site")
def site_fixture(leak_index, minilm):
    """One app on a real uvicorn for the module, answering with the echo model."""
    from services.conversations import conversation_store

    _, settings, _ = leak_index
    pipeline = AskPipeline(settings, build_retriever(settings, minilm), build_model(settings),
                           conversation_store(settings))
    with served(create_app(settings, pipeline)) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield url, client, pipeline


@pytest.fixture(scope="module", name="browser")
def browser_fixture():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian chromium is not installed (deploy/system-packages.sh, run by make install, installs it)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module", name="slack_worker")
def slack_worker_fixture(leak_index, tmp_path_factory):
    """A real Celery worker answering Slack questions over the same index, model, Redis and users file."""
    settings = leak_index[1]
    env = {"OMP_NUM_THREADS": "1", **settings.environment(
        "data_dir", "models_dir", "embedding_model", "llm_url", "llm_retries", "redis_url", "slack_signing_secret",
        "slack_bot_token", "slack_api_url", "slack_users_file", "top_k", "rate_limit_per_minute", "assistants_file")}
    worker = Worker(env, tmp_path_factory.mktemp("leaks-worker") / "worker.log", "leaks")
    worker.start()
    yield worker
    worker.stop()
