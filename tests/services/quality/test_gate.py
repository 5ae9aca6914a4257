"""The gate before change: `perimeter reindex --local --candidate` applies a source's changes as a candidate
snapshot, runs the golden set on it (a scripted model server: the echo model) and publishes it only when no score
falls by more than PERIMETER_GATE_MAX_DROP. Deleting the answering document is refused and put back; deleting an
unrelated one is published, without the refused change riding along."""
from __future__ import annotations

import pytest

from ingestion.keyword_index import keyword_dir
from tests.conftest import make_settings
from tests.leaks.echo_model import EchoModelServer
from tests.quality_support import gate_corpus

pytestmark = pytest.mark.integration


def published(settings) -> str:
    return (keyword_dir(settings.storage.data_dir, "default") / "current").read_text().strip()


def test_a_candidate_that_loses_the_answer_is_refused_and_an_unrelated_one_is_published(tmp_path, embedder, capsys):
    from services.cli import build_parser
    from services.components import build_retriever, load_sources, sync_source
    from services.quality.gate import decisions

    corpus = gate_corpus(tmp_path)
    hr, pub, seed = corpus.hr, corpus.pub, corpus.seed
    (tmp_path / "sources.yaml").write_text(corpus.sources_yaml)
    with EchoModelServer() as echo:
        settings = make_settings(tmp_path / "data", sources_file=tmp_path / "sources.yaml", golden_seed=seed,
                                 llm_url=echo.url, llm_retries=0, gate_max_drop=0.05)
        for source in load_sources(settings):
            sync_source(settings, source, embedder=embedder)
        before = published(settings)

        (hr / "pay.md").unlink()
        args = build_parser().parse_args(["reindex", "--candidate", "--source", "hr"])
        assert args.func(args, settings) == 1
        out = capsys.readouterr().out
        assert "hr: candidate" in out and "REFUSED (worse: hit_at_k" in out and "hit_at_k=-0.500" in out, out
        assert published(settings) == before  # still answering from the snapshot with the pay page
        folders = {p.name for p in keyword_dir(settings.storage.data_dir, "default").iterdir()}
        assert folders == {"current", before}  # the candidate's folder is gone

        (pub / "parking.md").unlink()
        args = build_parser().parse_args(["reindex", "--candidate", "--source", "pub"])
        assert args.func(args, settings) == 0
        out = capsys.readouterr().out
        assert "pub: candidate" in out and "published" in out and "REFUSED" not in out, out
        assert published(settings) != before

    retriever = build_retriever(settings, embedder)
    found = {h.metadata["source"] for h in retriever.search("pay day 25th parking visitors", ["all"], 5)}
    assert str(hr / "pay.md") in found  # the refused deletion was put back and did not ride along
    assert str(pub / "parking.md") not in found  # the published one took effect
    last, first = decisions(settings.storage.data_dir)
    assert (first.source, first.published, last.source, last.published) == ("hr", False, "pub", True)
    assert first.comparison.worse and "hit_at_k" in first.comparison.worse
    assert last.comparison.baseline == first.comparison.baseline  # both against the first accepted run
