"""The access filter and index sync on the real search path (Chroma, the search snapshot, BM25, fusion), with a small
word-hashing embedder instead of a model so each test takes well under a second."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

from ingestion.chunk import doc_id
from ingestion.documents import Document, Section
from ingestion.embedder import Embedder
from ingestion.sync import DELETE, Operation
from ingestion.tokenize import tokenize
from services.components import build_indexer, build_retriever
from tests.conftest import make_settings


class WordHashEmbedder(Embedder):
    """Bag of hashed keyword tokens: texts that share words get similar vectors. Deterministic, instant."""

    model_id = "test-word-hash"
    dimension = 64

    def _vector(self, text: str) -> list[float]:
        v = np.zeros(self.dimension, dtype=np.float32)
        for token in tokenize(text):
            v[zlib.crc32(token.encode()) % self.dimension] += 1.0
        norm = np.linalg.norm(v)
        return (v / norm if norm else v + 1 / np.sqrt(self.dimension)).tolist()

    def embed_documents(self, texts):
        return [self._vector(t) for t in texts]

    def embed_query(self, text):
        return self._vector(text)


PUBLIC = Document("mem://canteen.md", "Canteen", "a" * 64,
                  [Section("The canteen opens at 8am and serves breakfast until 10am.")])
SALARIES = Document("mem://salaries.md", "Salary bands", "b" * 64,
                    [Section("Salary bands for engineers: band E3 pays 90,000 a year, band E4 pays 110,000.")])
BOARD = Document("mem://board.md", "Board minutes", "c" * 64,
                 [Section("Board minutes: the salary budget for next year grows by four percent.")])
CHINESE = Document("mem://leave-zh.md", "年假制度", "d" * 64,
                   [Section("员工累计工作满十年的，每年可享受十五天带薪年假。")])


@pytest.fixture()
def index(tmp_path):
    """(settings, indexer): four documents, one for HR only and one for the board only."""
    settings = make_settings(tmp_path, embedding_model=WordHashEmbedder.model_id)
    indexer = build_indexer(settings, embedder=WordHashEmbedder())
    indexer.index_document(PUBLIC, ["all"])
    indexer.index_document(SALARIES, ["hr"])
    indexer.index_document(BOARD, ["board", "exec"])
    indexer.index_document(CHINESE, ["all"])
    indexer.publish()
    return settings, indexer


def _sources(retriever, ranked) -> set[str]:
    return {h.metadata["source"] for h in retriever.hits(ranked, ["all", "hr", "board", "exec"])}


@pytest.mark.parametrize("dense_search", ["exact", "chroma"])
def test_restricted_chunks_never_reach_fusion(index, dense_search):
    settings, _ = index
    retriever = build_retriever(settings.with_values(**{"dense_search": dense_search}), WordHashEmbedder())
    query = "salary bands for engineers"
    for groups, hidden in ((["all"], {SALARIES.source, BOARD.source}),
                           (["hr"], {BOARD.source, PUBLIC.source}),
                           (["exec"], {SALARIES.source})):
        dense = retriever.dense(query, groups, 10)
        keyword = retriever.keyword(query, groups, 10)
        fused = retriever.fused(query, groups)
        for ranked in (dense, keyword, fused):
            assert not _sources(retriever, ranked) & hidden, (groups, ranked)
        assert not {h.metadata["source"] for h in retriever.search(query, groups, 10)} & hidden
    assert retriever.search(query, ["hr"], 1)[0].metadata["source"] == SALARIES.source
    assert retriever.search(query, ["board"], 1)[0].metadata["source"] == BOARD.source
    assert retriever.search(query, ["nobody"], 5) == []


def test_chinese_query_finds_the_chinese_document(index):
    settings, _ = index
    retriever = build_retriever(settings, WordHashEmbedder())
    assert _sources(retriever, retriever.keyword("工作十年有几天年假？", ["all"], 5)) == {CHINESE.source}
    assert retriever.search("工作十年有几天年假？", ["all"], 1)[0].metadata["source"] == CHINESE.source


def test_deleted_and_replaced_documents_disappear_from_bm25_and_vectors(index):
    settings, indexer = index
    retriever = build_retriever(settings, WordHashEmbedder())
    assert _sources(retriever, retriever.keyword("canteen breakfast", ["all"], 5)) == {PUBLIC.source}

    indexer.apply(Operation(DELETE, PUBLIC.source))
    changed = Document(CHINESE.source, CHINESE.title, "e" * 64, [Section("员工每年可享受二十天带薪病假。")])
    indexer.index_document(changed, ["all"], indexer.manifest.by_source(CHINESE.source))
    indexer.publish()

    assert retriever.keyword("canteen breakfast", ["all"], 5) == []
    assert PUBLIC.source not in _sources(retriever, retriever.dense("canteen breakfast", ["all"], 5))
    assert retriever.keyword("累计工作满十年", ["all"], 5) == []  # the old text of the replaced document is gone
    assert _sources(retriever, retriever.keyword("病假", ["all"], 5)) == {CHINESE.source}
    assert len(retriever.snapshots.current()) == 3


@pytest.mark.parametrize("fusion", ["rrf", "convex"])
def test_fusion_settings_and_weights_reach_the_search(index, fusion):
    settings, _ = index
    query = "canteen salary"
    keyword_only = build_retriever(settings.with_values(**{"fusion": fusion, "dense_weight": 0.0}),
                                   WordHashEmbedder())
    assert [i for i, _ in keyword_only.fused(query, ["all", "hr"])] == \
           [i for i, _ in keyword_only.keyword(query, ["all", "hr"], 10)]
    hits = build_retriever(settings.with_values(**{"fusion": fusion}), WordHashEmbedder()).search(
        query, ["all", "hr"], 5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_configured_reranker_rescores_the_fused_hits_and_none_leaves_them(index, tmp_path):
    from tests.retrieval.test_context_and_fusion import make_tiny_cross_encoder

    settings, _ = index
    query = "salary canteen board"
    plain = build_retriever(settings, WordHashEmbedder())
    assert plain.reranker is None
    fused = [h.id for h in plain.search(query, ["all", "hr", "board"], 3)]
    reranking = settings.with_values(**{"reranker_model": str(make_tiny_cross_encoder(tmp_path / "ce")),
                                            "rerank_top_n": 3})
    reranked = build_retriever(reranking, WordHashEmbedder()).search(query, ["all", "hr", "board"], 3)
    assert sorted(h.id for h in reranked) == sorted(fused)
    assert [h.score for h in reranked] == sorted((h.score for h in reranked), reverse=True)
    assert {h.score for h in reranked}.isdisjoint(h.score for h in plain.search(query, ["all", "hr", "board"], 3))


def test_prompt_and_response_number_the_same_merged_deduplicated_sources(tmp_path):
    import re

    from services.answering import AskPipeline
    from services.identity import User
    from tests.fakes import ScriptedModel, reply

    settings = make_settings(tmp_path, embedding_model=WordHashEmbedder.model_id, chunk_tokens=60,
                             chunk_overlap_tokens=10)
    indexer = build_indexer(settings, embedder=WordHashEmbedder())
    paragraphs = [f"Annual leave rule {n}: staff carry over at most {n} days of annual leave into the next year, "
                  f"approved by their manager before the end of March." for n in range(1, 5)]
    body = [Section("\n\n".join(paragraphs))]
    indexer.index_document(Document("mem://leave.md", "Leave policy", "1" * 64, body), ["all"])
    indexer.index_document(Document("mem://copy/leave.md", "Leave policy (copy)", "2" * 64, body), ["all"])
    indexer.index_document(PUBLIC, ["all"])
    indexer.publish()
    assert len(indexer.manifest.by_source("mem://leave.md").chunk_ids) >= 3

    model = ScriptedModel(reply(1))
    pipeline = AskPipeline(settings, build_retriever(settings, WordHashEmbedder()), model)
    response = pipeline.answer("How many days of annual leave can staff carry over?", User(name="u", groups=["all"]))
    prompt = model.calls[0][-1]["content"]
    numbered = re.findall(r'<source number="(\d+)" title="([^"]*)"[^>]*>\n(.*?)\n</source>', prompt, re.S)
    assert [int(n) for n, _, _ in numbered] == [s.id for s in response.sources] == list(
        range(1, len(response.sources) + 1))
    assert [t for _, t, _ in numbered] == [s.title for s in response.sources]
    texts = [text for _, _, text in numbered]
    assert sum("Annual leave rule" in t for t in texts) == 1  # adjacent chunks merged, the copy dropped
    assert all(f"rule {n}:" in texts[0] for n in range(1, 5)) and texts[0].count("rule 2:") == 1


def test_the_snapshot_maps_chunks_to_documents_for_document_evidence(index):
    settings, _ = index
    retriever = build_retriever(settings.with_values(**{"doc_weight": 0.3}), WordHashEmbedder())
    assert retriever.settings.doc_weight == 0.3
    snapshot = retriever.snapshots.current()
    records = retriever.collection.get(ids=snapshot.ids, include=["metadatas"])
    assert snapshot.doc_of == {i: m["doc_id"] for i, m in zip(records["ids"], records["metadatas"], strict=True)}
    seen = _sources(retriever, retriever.fused("salary canteen board", ["all"]))
    assert PUBLIC.source in seen and not seen & {SALARIES.source, BOARD.source}  # evidence never crosses access


def _first_source(retriever, query: str) -> str:
    return retriever.hits(retriever.keyword(query, ["all"], 5), ["all"])[0].metadata["source"]


def test_bm25_fields_rank_the_chunk_under_the_named_heading_or_title_first(tmp_path):
    handbook = Document("mem://handbook.md", "Staff handbook", "e" * 64, [
        Section("Bicycle storage\nAsk reception for a key.", "Bicycle storage",
                path=("Staff handbook", "Bicycle storage"))])
    permits = Document("mem://permits.md", "Parking permits", "f" * 64, [Section("Ask reception for a card.")])
    newsletter = Document("mem://newsletter.md", "Summer newsletter", "g" * 64, [
        Section("Parking, parking and more parking: permits and bicycle storage were the talk of the party. "
                "Bicycles, storage of bicycles, parking permits again.")])
    settings = make_settings(tmp_path, embedding_model=WordHashEmbedder.model_id)
    indexer = build_indexer(settings, embedder=WordHashEmbedder())
    for doc in (handbook, permits, newsletter):
        indexer.index_document(doc, ["all"])
    indexer.publish()

    def retriever(**values):
        return build_retriever(settings.with_values(**values), WordHashEmbedder())

    assert retriever().field_weights == {"title": 0.0, "headings": 0.0}
    # By title + text alone, the page that repeats the words wins; the fields lift the chunk whose heading, or
    # whose document's title, is what the question names.
    assert _first_source(retriever(), "bicycle storage") == newsletter.source
    assert _first_source(retriever(heading_weight=1.0), "bicycle storage") == handbook.source
    assert _first_source(retriever(), "parking permits") == newsletter.source
    assert _first_source(retriever(title_weight=1.0), "parking permits") == permits.source
    assert retriever(heading_weight=1.0, title_weight=1.0).keyword("parking permits", ["hr"], 5) == []  # access


def test_a_cap_per_document_leaves_room_for_other_documents_in_the_hits(tmp_path):
    long = Document("mem://rules.md", "Badge rules", "h" * 64, [
        Section(f"Badge rule {n}: visitors wear a badge at reception, badge {n} stays visible.") for n in range(6)])
    other = Document("mem://visitors.md", "Visitors", "i" * 64, [
        Section("Visitors sign in at reception and wear a visitor badge.")])
    settings = _published(tmp_path, long, other)
    query = "badge rule visitors reception badge"
    uncapped = build_retriever(settings, WordHashEmbedder()).search(query, ["all"], 3)
    assert [h.metadata["source"] for h in uncapped] == [long.source] * 3
    capped = build_retriever(settings.with_values(max_chunks_per_doc=2), WordHashEmbedder()).search(query, ["all"], 3)
    assert [h.metadata["source"] for h in capped] == [long.source, long.source, other.source]


def test_a_snapshot_published_before_the_fields_searches_as_before_with_field_weights_set(index):
    import shutil

    settings, _ = index
    retriever = build_retriever(settings.with_values(title_weight=1.0, heading_weight=1.0), WordHashEmbedder())
    with_fields = retriever.keyword("canteen breakfast", ["all"], 5)
    folder = settings.storage.data_dir / "keyword" / settings.storage.collection
    version = (folder / "current").read_text().strip()
    for name in ("title", "headings"):
        shutil.rmtree(folder / version / name)
    old = build_retriever(settings.with_values(title_weight=1.0, heading_weight=1.0), WordHashEmbedder())
    assert old.snapshots.current().fields == {}
    plain = build_retriever(settings, WordHashEmbedder()).keyword("canteen breakfast", ["all"], 5)
    assert old.keyword("canteen breakfast", ["all"], 5) == plain
    assert with_fields[0][0] == plain[0][0] and with_fields[0][1] > plain[0][1]  # the title field added its score


def test_document_vectors_are_the_normalised_means_of_their_chunks_and_score_only_found_candidates(tmp_path):
    manual = Document("mem://manual.md", "Badge manual", "j" * 64, [
        Section("Visitors collect a badge at reception."), Section("A lost badge is reported to security."),
        Section("Badges are returned at reception when leaving.")])
    memo = Document("mem://memo.md", "Memo", "k" * 64, [Section("Security will report lost keys on Friday.")])
    settings = _published(tmp_path, manual, memo)
    retriever = build_retriever(settings.with_values(document_vector_weight=1.0), WordHashEmbedder())
    snapshot = retriever.snapshots.current()
    of_row, documents = snapshot.document_vectors()
    assert documents.shape[0] == 2 and np.allclose(np.linalg.norm(documents, axis=1), 1.0)
    rows = [r for r in range(len(snapshot)) if snapshot.doc_of[snapshot.ids[r]] == of_row_doc(snapshot, of_row, 0)]
    mean = snapshot.vectors[rows].sum(axis=0)
    assert np.allclose(documents[0], mean / np.linalg.norm(mean), atol=1e-6)
    # The list re-scores what dense and BM25 found, each candidate by its whole document's vector.
    query = "report a lost badge to security"
    vector = retriever._vector(query)
    found = build_retriever(settings.with_values(document_vector_weight=0.0), WordHashEmbedder()).fused(query, ["all"])
    (scored,) = retriever._documents_about(snapshot, vector, [found])  # one language: one list
    by_chunk = dict(scored)
    assert by_chunk.keys() == dict(found).keys()
    for chunk, score in by_chunk.items():
        assert score == pytest.approx(float(documents[of_row[snapshot.row_of(chunk)]] @ vector))
    assert len({round(s, 6) for s in by_chunk.values()}) == 2  # one value per document, shared by its chunks
    assert retriever.fused(query, ["all"]) != found  # with a weight, the list takes part in the fusion
    assert retriever.fused(query, ["hr"]) == []  # nothing visible, nothing scored


def test_document_vectors_score_the_other_language_in_a_list_of_its_own(tmp_path):
    # A whole English document is always nearer an English question than a Chinese one: scored in one list, the
    # Chinese policy that alone answers "Shanghai meal allowance" would sink below every English candidate.
    manual = Document("mem://travel.md", "Travel", "m" * 64, [Section("Shanghai hotels are capped per night."),
                                                             Section("Meals abroad are paid per diem.")])
    policy = Document("mem://travel-zh.md", "差旅", "n" * 64, [Section("上海出差的餐补为每天一百五十元 Shanghai。")])
    settings = _published(tmp_path, manual, policy)
    retriever = build_retriever(settings.with_values(cross_language_weight=0.5), WordHashEmbedder())
    snapshot = retriever.snapshots.current()
    query = "Shanghai meal allowance"
    found = retriever.fused(query, ["all"])
    other = snapshot.other_language("en", snapshot.searchable(["all"], None))
    same, crossing = retriever._documents_about(snapshot, retriever._vector(query), [found], other)
    assert {snapshot.doc_of[c] for c, _ in crossing} == {doc_id(policy.source)}
    assert {snapshot.doc_of[c] for c, _ in same} == {doc_id(manual.source)}
    (together,) = retriever._documents_about(snapshot, retriever._vector(query), [found])  # no other-language rows
    assert dict(together) == dict(same + crossing)


def of_row_doc(snapshot, of_row, number: int) -> str:
    row = int(np.flatnonzero(of_row == number)[0])
    return snapshot.doc_of[snapshot.ids[row]]


def _published(tmp_path, *docs: Document):
    """Settings over a fresh index of `docs` for all (WordHashEmbedder, 32-token chunks), its snapshot published."""
    settings = make_settings(tmp_path, embedding_model=WordHashEmbedder.model_id, chunk_tokens=32,
                             chunk_overlap_tokens=0)
    indexer = build_indexer(settings, embedder=WordHashEmbedder())
    for doc in docs:
        indexer.index_document(doc, ["all"])
    indexer.publish()
    return settings
