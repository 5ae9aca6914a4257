"""Ingestion into real Chroma with the real embedding model."""
import shutil

import numpy as np
import pytest

from ingestion.cpu import usable_cores
from ingestion.documents import FileStatus
from ingestion.embedder import Embedder
from ingestion.sync import ADD, Operation
from services.components import build_indexer, build_retriever, run_ingest
from tests.conftest import SAMPLES, load_questions, make_settings
from tests.docs import make_pdf, write_hostile_files

pytestmark = pytest.mark.integration

SMALL_SAMPLES = ("sanctions-screening-procedure.md", "onboarding-zh.md", "onboarding-guide.md")


def test_sample_corpus_ingests_completely(sample_index):
    settings, report = sample_index
    summary = report.to_dict()
    assert summary["files_failed"] == 0, summary["failures"]
    assert summary["files_ok"] == len([p for p in SAMPLES.iterdir() if p.is_file()])
    assert summary["chunks_added"] > 50
    for fmt in ("md", "html", "txt", "docx", "pdf", "pptx", "eml", "png", "xlsx", "odt", "rtf", "epub"):
        assert any(f.source.endswith(fmt) and f.chunks_added for f in report.files), fmt
    assert summary["ocr_pages"] == 3  # the scanned notice's two pages and the whiteboard photo


def test_the_sample_questions_about_the_new_formats_find_their_file(sample_index, embedder):
    settings, _ = sample_index
    retriever = build_retriever(settings, embedder)
    questions = [q for q in load_questions() if q["id"].startswith("f")]
    assert len(questions) == 12
    for q in questions:
        hits = retriever.search(q["question"], ["all"], 3)
        assert any(h.metadata["source"].endswith(tuple(q["expected_sources"])) for h in hits), q["id"]
        assert any(k in h.text for h in hits for k in q["answer_keywords"]), q["id"]


def test_reingesting_the_same_folder_adds_nothing(sample_index, embedder):
    settings, first = sample_index
    again = run_ingest(settings, [SAMPLES], embedder=embedder)
    summary = again.to_dict()
    assert summary["chunks_added"] == 0 and summary["chunks_removed"] == 0
    assert summary["chunks_unchanged"] == first.to_dict()["chunks_added"]
    assert {f.status for f in again.files} == {"unchanged"}


def test_pdf_chunks_carry_page_numbers(sample_index):
    settings, _ = sample_index
    retriever = build_retriever(settings)
    pages = {
        m.get("page")
        for m in retriever.collection.get(where={"source": str(SAMPLES.resolve() / "travel-and-expense-policy.pdf")},
                                          include=["metadatas"])["metadatas"]
    }
    assert {1, 2} <= pages


def test_changed_file_replaces_its_chunks_and_bad_files_fail_alone(tmp_path, embedder):
    settings = make_settings(tmp_path / "data")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SAMPLES / "it-security-policy.md", docs)
    make_pdf(docs / "badges.pdf", ["Visitor badges are orange and must be returned at reception."])
    expected_failures = write_hostile_files(docs)

    report = run_ingest(settings, [docs], embedder=embedder)
    failed = {f.source.rsplit("/", 1)[-1]: f.reason for f in report.failed}
    assert set(failed) == set(expected_failures)
    assert all(failed[name] for name in failed)
    assert {f.source.rsplit("/", 1)[-1] for f in report.ok} == {"it-security-policy.md", "badges.pdf"}

    retriever = build_retriever(settings, embedder)
    hits = retriever.search("What colour are visitor badges?", ["all"], 3)
    assert hits and hits[0].metadata["source"].endswith("badges.pdf")

    make_pdf(docs / "badges.pdf", ["Visitor badges are now purple and must be returned to security."])
    report = run_ingest(settings, [docs / "badges.pdf"], embedder=embedder)
    (result,) = report.files
    assert result.status == "updated" and result.chunks_added == 1 and result.chunks_removed == 1
    texts = [h.text for h in retriever.search("visitor badges colour", ["all"], 5)]
    assert any("purple" in t for t in texts) and not any("orange" in t for t in texts)


def test_access_groups_filter_dense_and_keyword(tmp_path, embedder):
    settings = make_settings(tmp_path / "data")
    public, restricted = tmp_path / "public", tmp_path / "restricted"
    public.mkdir()
    restricted.mkdir()
    (public / "canteen.md").write_text("# Canteen\n\nThe canteen opens at 11:30 and serves soup daily.\n")
    (restricted / "salaries.md").write_text("# Salary bands\n\nThe canteen manager salary band is ZX-7781.\n")
    run_ingest(settings, [public], embedder=embedder)
    run_ingest(settings, [restricted], groups=["hr"], embedder=embedder)
    retriever = build_retriever(settings, embedder)
    hidden = set(retriever.collection.get(where={"groups": {"$contains": "hr"}})["ids"])
    assert hidden

    for query in ("canteen manager salary band", "ZX-7781"):
        seen_by_all = retriever.search(query, ["all"], 5)
        assert seen_by_all and all("ZX-7781" not in h.text for h in seen_by_all)
        # Each side on its own never returns the hidden chunk either.
        assert hidden.isdisjoint(i for i, _ in retriever.dense(query, ["all"], 5))
        assert hidden.isdisjoint(i for i, _ in retriever.keyword(query, ["all"], 5))
        assert hidden & {i for i, _ in retriever.keyword(query, ["hr"], 5)}
        assert any("ZX-7781" in h.text for h in retriever.search(query, ["hr"], 5))


def test_embedding_model_mismatch_is_a_clear_error(tmp_path, embedder):
    from ingestion.index import EmbeddingModelMismatch, open_client, open_collection

    settings = make_settings(tmp_path / "data")
    run_ingest(settings, [SAMPLES / "onboarding-guide.md"], embedder=embedder)
    with pytest.raises(EmbeddingModelMismatch, match="full re-index"):
        open_collection(open_client(settings.storage.chroma_dir), settings.storage.collection, "another-model", 768)


def test_embed_headings_embeds_each_chunk_with_its_heading_path(tmp_path, embedder):
    import numpy as np

    from ingestion.chunk import embedding_text
    from ingestion.documents import Document, Section
    from services.components import build_indexer

    body = "Pass the archive through gzip while writing it, and through gunzip while reading it. " * 40
    doc = Document("mem://tar.md", "tar", "e" * 64, [Section(f"-z\n{body}", "-z", path=("tar", "Options", "-z"))])
    stored = {}
    for embed_headings in (False, True):
        settings = make_settings(tmp_path / str(embed_headings), embed_headings=embed_headings)
        build_indexer(settings, embedder=embedder).index_document(doc, ["all"])
        got = build_retriever(settings, embedder).collection.get(include=["embeddings", "documents", "metadatas"])
        stored[embed_headings] = got
    plain, headed = stored[False], stored[True]
    assert plain["ids"] == headed["ids"]  # the same chunks (ids come from the text), other vectors
    later = plain["ids"].index(next(i for i, m in zip(plain["ids"], plain["metadatas"], strict=True)
                                    if m["position"] == 2))
    text, path = plain["documents"][later], plain["metadatas"][later]["heading_path"]
    assert path == "tar > Options > -z"
    want = {False: embedding_text("tar", text), True: embedding_text("tar", text, path)}
    for embed_headings, got in stored.items():
        expected = np.asarray(embedder.embed_documents([want[embed_headings]])[0])
        assert float(np.dot(np.asarray(got["embeddings"][later]), expected)) > 0.999, embed_headings
    assert not np.allclose(plain["embeddings"][later], headed["embeddings"][later], atol=1e-4)


class _FailingModel(Embedder):
    """A stand-in model that fails on any group holding the word POISON (as a model running out of memory would),
    and says how many cores it keeps busy."""

    model_id, dimension = "stand-in", 4

    def __init__(self, busy: int):
        self.busy = busy

    def busy_cores(self) -> int:
        return self.busy

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if any("POISON" in text for text in texts):
            raise RuntimeError("model ran out of memory")
        return [[1.0, 0.0, 0.0, 0.0] for _ in texts]


def _adds(folder) -> list[Operation]:
    return [Operation(ADD, path.as_uri(), str(path), ("all",)) for path in sorted(folder.iterdir())]


def test_reading_beside_the_model_or_in_turn_stores_the_same_chunks_and_vectors(tmp_path, embedder):
    """Side by side where a core is spare, in turn where the model keeps every core busy: the same index either way."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in SMALL_SAMPLES:
        shutil.copy(SAMPLES / name, docs / name)
    stored = {}
    for overlap in (True, False):
        indexer = build_indexer(make_settings(tmp_path / f"overlap-{overlap}"), embedder=embedder)
        indexer.overlap, indexer.embed_group = overlap, 2  # several groups, so one is in flight while files are read
        results = indexer.apply_many(_adds(docs))
        assert [r.status for r in results] == [FileStatus.ADDED] * len(SMALL_SAMPLES), results
        got = indexer.collection.get(include=["embeddings"])
        stored[overlap] = dict(zip(got["ids"], got["embeddings"], strict=True))
    assert len(stored[True]) > len(SMALL_SAMPLES) and stored[True].keys() == stored[False].keys()
    for chunk_id, vector in stored[True].items():
        assert np.allclose(vector, stored[False][chunk_id], atol=1e-5), chunk_id


def test_a_group_the_model_fails_on_fails_its_own_files_alone_either_way(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Parking\n\nStaff park on level 2.\n")
    (docs / "b.md").write_text("# Poison\n\nPOISON in this one.\n")
    (docs / "c.md").write_text("# Lunch\n\nLunch is at noon.\n")
    for busy in (0, usable_cores()):  # a GPU model: read beside it; a model on every core: in turn
        indexer = build_indexer(make_settings(tmp_path / f"busy-{busy}"), embedder=_FailingModel(busy))
        assert indexer.overlap is (busy == 0)
        indexer.embed_group = 1  # each file its own group
        results = indexer.apply_many(_adds(docs))
        assert [r.status for r in results] == [FileStatus.ADDED, FileStatus.FAILED, FileStatus.ADDED], results
        assert results[1].reason == "embedding failed: RuntimeError: model ran out of memory", results[1].reason
        assert indexer.collection.count() == 2


def test_in_turn_each_group_is_stored_before_the_next_is_encoded(tmp_path):
    """Without overlap the previous group's vectors are ready when the next group starts: its files are stored (and
    reported to the job) first, so a worker lost mid-batch has less to redo."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a", "b", "c"):
        (docs / f"{name}.md").write_text(f"# {name}\n\nShort note {name}.\n")
    model = _FailingModel(usable_cores())
    indexer = build_indexer(make_settings(tmp_path / "data"), embedder=model)
    assert not indexer.overlap
    indexer.embed_group = 1
    stored_when_called = []
    encode = model.embed_documents
    model.embed_documents = lambda texts: stored_when_called.append(indexer.collection.count()) or encode(texts)
    indexer.apply_many(_adds(docs))
    assert stored_when_called == [0, 1, 2]
