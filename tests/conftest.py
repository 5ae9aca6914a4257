"""Shared fixtures. Integration fixtures use the real parts: the packaged embedding model, Chroma on disk,
and the llama.cpp server with the small Qwen2.5-Coder-0.5B GGUF assembled from its PyPI parts."""
from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

import ingestion  # noqa: F401  (offline environment before anything else)
from services.llm.embedded import free_loopback_port
from services.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "acme"
QUESTIONS = REPO / "samples" / "questions.jsonl"
# Assembled models are kept between runs (and shared with `make run`): assembling costs a download.
MODELS_DIR = REPO / "var" / "models"
TEST_MODEL = "qwen2.5-coder-0.5b"


def pytest_configure(config):
    """SIGTERM (a CI timeout, `kill`) stops the run as Ctrl-C does: fixtures tear down and the servers and workers
    they started (each in its own process group) stop with it instead of outliving the run."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)


free_port = free_loopback_port  # services/llm/embedded.py: a port the kernel just handed out on loopback


def load_questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def make_settings(data_dir: Path, **overrides) -> Settings:
    values: dict[str, Any] = dict(data_dir=data_dir, PERIMETER_MODELS_DIR=MODELS_DIR, embedded_model=TEST_MODEL,
                  # Tests ask far more than a person does, as one user, in the machine's shared Redis: no per-user
                  # limit unless a test sets one (tests/services/api/test_observability.py does).
                  rate_limit_per_minute=0)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def embedder():
    from ingestion.embedder import load_embedder

    return load_embedder(Settings().embedding.model)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, embedder):
    """The sample corpus ingested once into a fresh data dir: (settings, report)."""
    from services.components import run_ingest

    settings = make_settings(tmp_path_factory.mktemp("sample-index"))
    report = run_ingest(settings, [SAMPLES], embedder=embedder)
    return settings, report


@pytest.fixture(scope="session")
def family_index(tmp_path_factory, embedder):
    """The document-family corpus (tests/version_corpus.py) ingested once: (settings, folder)."""
    from services.components import run_ingest
    from tests.version_corpus import write_corpus

    folder = write_corpus(tmp_path_factory.mktemp("families") / "corpus")
    settings = make_settings(tmp_path_factory.mktemp("families-data"))
    report = run_ingest(settings, [folder], embedder=embedder)
    assert not report.failed, report.failed
    return settings, folder


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """A real llama.cpp server on a free loopback port, for the whole session."""
    from services.llm.embedded import EmbeddedLlamaServer
    from services.llm.gguf import prepare_model

    path = prepare_model(TEST_MODEL, MODELS_DIR)
    log = tmp_path_factory.mktemp("llama") / "server.log"
    server = EmbeddedLlamaServer(path, port=free_port(), n_ctx=4096, n_threads=2, log_path=log)
    with server:
        yield server


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A private Redis for this test session: no state shared with the machine's Redis or another run."""
    from tests.processes import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()
