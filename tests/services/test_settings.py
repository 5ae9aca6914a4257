"""Settings in sections keep the PERIMETER_* names people have set, check closed choices at start, and name the
variable when a value is wrong."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from services.settings import Settings, variables
from tests.conftest import REPO


def test_every_variable_in_the_readme_is_a_setting():
    documented = set(re.findall(r"`(PERIMETER_[A-Z0-9_]+)`", (REPO / "README.md").read_text(encoding="utf-8")))
    known = variables()
    assert len(documented) > 20  # positive control: the README's table was read
    assert documented - known == set()


def test_the_environment_fills_each_section(monkeypatch):
    monkeypatch.setenv("PERIMETER_TOP_K", "7")
    monkeypatch.setenv("PERIMETER_LLM_URL", "http://model:8000/v1")
    monkeypatch.setenv("PERIMETER_DEMO_MODE", "true")
    monkeypatch.setenv("PERIMETER_WORKER_BATCH_FILES", "4")
    monkeypatch.setenv("PERIMETER_AUTH_TRUSTED_PROXIES", '["10.0.0.5/32"]')
    settings = Settings()
    assert settings.retrieval.top_k == 7
    assert settings.llm.url == settings.llm_url == "http://model:8000/v1"
    assert settings.auth.demo_mode is True
    assert settings.worker.batch_files == 4
    assert settings.auth.trusted_proxies == ["10.0.0.5/32"]


def test_flat_names_in_code_override_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PERIMETER_TOP_K", "7")
    settings = Settings(top_k=3, PERIMETER_MODELS_DIR=tmp_path, llm={"retries": 0})
    assert settings.retrieval.top_k == 3
    assert settings.storage.models_dir == tmp_path
    assert settings.llm.retries == 0
    changed = settings.with_values(top_k=9, embedding_model="all-MiniLM-L6-v2")
    assert (changed.retrieval.top_k, settings.retrieval.top_k) == (9, 3)
    assert changed.storage.models_dir == tmp_path  # the rest is kept
    # Values that follow the embedding model's scale follow a change of model.
    assert changed.supported_similarity == 0.6 and settings.supported_similarity == 0.92


def test_a_misspelt_or_invalid_value_is_refused_by_its_variable_name(monkeypatch):
    with pytest.raises(ValueError, match="unknown settings: topk"):
        Settings(topk=3)
    monkeypatch.setenv("PERIMETER_LLM_BACKEND", "tgi-please")
    with pytest.raises(ValueError, match="PERIMETER_LLM_BACKEND: Input should be 'chat' or 'harmony'"):
        Settings()
    monkeypatch.setenv("PERIMETER_LLM_BACKEND", "harmony")
    assert Settings().llm.backend == "harmony"  # positive control: a valid choice starts


def test_the_cli_stops_on_a_bad_value_naming_it_and_prints_settings_without_secrets(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO), "PERIMETER_FUSION": "average"}
    bad = subprocess.run([sys.executable, "-m", "services.cli", "settings"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "PERIMETER_FUSION" in bad.stderr, bad.stderr
    env.update(PERIMETER_FUSION="rrf", PERIMETER_ADMIN_TOKEN="s3cret-s3cret-s3cret-s3cret",
               PERIMETER_REDIS_URL="redis://:hunter2@redis:6379/0")
    good = subprocess.run([sys.executable, "-m", "services.cli", "settings"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    lines = dict(line.split("=", 1) for line in good.stdout.splitlines())
    assert lines["PERIMETER_FUSION"] == "rrf"
    assert lines["PERIMETER_ADMIN_TOKEN"] == "(set)" and "s3cret" not in good.stdout
    assert "hunter2" not in good.stdout and lines["PERIMETER_REDIS_URL"] == "redis://***@redis:6379/0"


def test_environment_gives_another_process_the_same_settings(tmp_path):
    settings = Settings(data_dir=tmp_path, top_k=4, auth_trusted_proxies=["10.0.0.0/8"], demo_mode=True)
    code = ("from services.settings import Settings; s = Settings(); "
            "print(s.storage.data_dir, s.retrieval.top_k, s.auth.trusted_proxies, s.auth.demo_mode)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={"PATH": "/usr/bin:/bin",
                         **settings.environment()}, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == [str(tmp_path), "4", "['10.0.0.0/8']", "True"]
