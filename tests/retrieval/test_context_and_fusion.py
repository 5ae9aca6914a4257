"""Fusion, context assembly and reranking, each on its own (no index, no model except where named)."""
from __future__ import annotations

import pytest

from ingestion.chunk import estimate_tokens
from retrieval.context import (
    SOURCE_OVERHEAD_TOKENS,
    assemble_context,
    drop_near_duplicates,
    join_overlapping,
    merge_adjacent,
    within_budget,
)
from retrieval.fuse import fuse_rankings, fuse_scores
from retrieval.hits import Hit
from retrieval.rerank import rerank
from services.answering.retrieve import to_source


def hit(id_, text, doc="d1", position=0, score=1.0, **meta) -> Hit:
    return Hit(id=id_, text=text, metadata={"doc_id": doc, "position": position, "title": doc, **meta}, score=score)


def test_rrf_weights_tilt_the_order():
    dense, keyword = ["a", "b"], ["c", "b"]
    assert [c for c, _ in fuse_rankings([dense, keyword])][0] == "b"  # in both lists
    assert [c for c, _ in fuse_rankings([dense, keyword], weights=[1.0, 0.0])] == ["a", "b", "c"]
    assert [c for c, _ in fuse_rankings([dense, ["c"]], weights=[1.0, 3.0])][0] == "c"


def test_convex_fusion_normalises_each_list_and_keeps_score_gaps():
    dense = [("a", 0.80), ("b", 0.79), ("c", 0.60)]
    keyword = [("c", 30.0), ("a", 2.0), ("b", 1.0)]  # c is far ahead on BM25
    fused = dict(fuse_scores([dense, keyword], [0.5, 0.5]))
    assert fused["c"] == pytest.approx(0.5)  # dense min → 0, BM25 max → 1
    assert fused["a"] == pytest.approx(0.5 + 0.5 * (1 / 29))
    assert max(fused, key=fused.get) == "a"
    assert [c for c, _ in fuse_scores([dense, []], [0.5, 0.5])] == ["a", "b", "c"]
    assert fuse_scores([[("x", 2.0)], [("x", 5.0)]]) == [("x", 2.0)]  # a single candidate counts fully


def test_a_list_normalised_against_given_bounds_counts_as_it_stands_in_the_whole():
    dense = [("zh1", 0.90), ("zh2", 0.85), ("en1", 0.78), ("zh3", 0.70)]
    english = [("en1", 0.78), ("en2", 0.72)]  # the same similarities, a subset of the list above
    own = dict(fuse_scores([dense, english], [0.5, 0.5]))
    assert own["en1"] == pytest.approx(0.5 * 0.4 + 0.5)  # on its own scale its best counts in full
    assert max(own, key=own.get) == "en1"
    bounded = dict(fuse_scores([dense, english], [0.5, 0.5], bounds=[None, (0.70, 0.90)]))
    assert bounded["en1"] == pytest.approx(0.5 * 0.4 + 0.5 * 0.4)
    assert bounded["en2"] == pytest.approx(0.5 * 0.1)
    assert max(bounded, key=bounded.get) == "zh1"
    clipped = dict(fuse_scores([[("a", 1.0), ("b", 0.0)]], bounds=[(0.2, 0.6)]))
    assert clipped == {"a": 1.0, "b": 0.0}  # values outside the bounds are clipped to [0, 1]


def test_the_cap_moves_a_documents_surplus_chunks_behind_the_other_documents():
    from retrieval.search import cap_per_document

    hits = [hit("a1", "x", "a"), hit("a2", "x", "a"), hit("b1", "x", "b"), hit("a3", "x", "a"), hit("c1", "x", "c")]
    assert [h.id for h in cap_per_document(hits, 1)] == ["a1", "b1", "c1", "a2", "a3"]
    assert [h.id for h in cap_per_document(hits, 2)] == ["a1", "a2", "b1", "c1", "a3"]
    assert cap_per_document(hits, 5) == hits


@pytest.mark.parametrize("fuse, doc_weight", [
    (lambda lists, **kw: fuse_scores(lists, [0.5, 0.5], **kw), 0.5),
    (lambda lists, **kw: fuse_rankings([[c for c, _ in r] for r in lists], **kw), 1.0),  # RRF flattens: more weight
])
def test_document_evidence_lets_two_chunks_of_one_document_vote_together(fuse, doc_weight):
    # Dense likes chunk d1#1, BM25 likes d1#2 (same document); x is second in both lists.
    dense = [("d1#1", 0.9), ("x", 0.54), ("y", 0.1)]
    keyword = [("d1#2", 9.0), ("x", 5.4), ("z", 1.0)]
    doc_of = {"d1#1": "d1", "d1#2": "d1", "x": "x", "y": "y", "z": "z"}
    assert [c for c, _ in fuse([dense, keyword], doc_of=doc_of)][0] == "x"  # chunks alone: x is in both lists
    with_docs = [c for c, _ in fuse([dense, keyword], doc_of=doc_of, doc_weight=doc_weight)]
    assert set(with_docs[:2]) == {"d1#1", "d1#2"} and with_docs[2] == "x"
    assert fuse([dense, keyword], doc_weight=doc_weight) == fuse([dense, keyword])  # no document map: unchanged
    assert fuse([dense, keyword], doc_of=doc_of, doc_weight=0.0) == fuse([dense, keyword])


def test_near_duplicates_keep_the_best_ranked_copy():
    text = "Visitors must wear an orange badge at all times and return it at reception when they leave."
    hits = [hit("1", text), hit("2", "Something else entirely.", doc="d2"),
            hit("3", text.replace("times", "times ") + " ", doc="copy")]
    assert [h.id for h in drop_near_duplicates(hits)] == ["1", "2"]


def test_adjacent_chunks_merge_without_their_overlap_at_the_best_rank():
    first = "Annual leave is 25 days. Carry-over is limited to 5 days."
    second = "Carry-over is limited to 5 days. Unused days lapse on 31 March."
    hits = [hit("other", "A different document.", doc="d2", position=0, score=0.9),
            hit("b", second, position=4, score=0.8), hit("a", first, position=3, score=0.7),
            hit("far", "Far away in the same document.", position=9, score=0.6)]
    merged = merge_adjacent(hits)
    assert [h.id for h in merged] == ["other", "b", "far"]
    assert merged[1].text == "Annual leave is 25 days. Carry-over is limited to 5 days. Unused days lapse on 31 March."
    assert merged[1].metadata["chunk_ids"] == ["a", "b"] and merged[1].metadata["positions"] == [3, 4]
    assert merged[1].score == 0.8
    assert merged[1].metadata["position"] == 4 and merged[1].metadata["focus"] == merged[1].text.index(second)
    assert join_overlapping("第一句。第二句。", "第三句。") == "第一句。第二句。\n第三句。"


def test_a_merged_source_shows_the_page_and_snippet_of_the_chunk_that_matched():
    rules = "第二章 出差审批 第四条 员工出差前须提交出差申请单。" + "审批流程说明。" * 60
    hotel = "第四章 住宿费 第九条 一类城市（北京、上海、广州、深圳）住宿上限每晚800元。"
    hits = [hit("hotel", hotel, position=2, score=0.9, page=3), hit("rules", rules, position=1, score=0.5, page=2)]
    [source] = [to_source(1, h, snippet_chars=120) for h in assemble_context(hits, budget_tokens=2000)]
    assert source.page == 3
    assert source.snippet.startswith("… 第四章 住宿费") and "800元" in source.snippet
    plain = to_source(1, hit("x", rules, page=2), snippet_chars=40)
    assert plain.snippet.startswith("第二章") and len(plain.snippet) <= 42


def test_budget_and_numbering():
    hits = [hit(str(n), f"word{n} " * 160, doc=f"d{n}", score=1 - n / 10) for n in range(6)]
    kept = within_budget(hits, budget_tokens=600)
    assert [h.id for h in kept] == ["0", "1"]  # 2 x (240 + 20) fit in 600, a third does not
    assert [h.id for h in within_budget(hits, budget_tokens=50)] == ["0"]  # the best always goes in
    assert [h.id for h in assemble_context(hits, 10_000, max_sources=3)] == ["0", "1", "2"]


def test_a_source_too_long_for_the_budget_is_passed_over_not_the_end():
    hits = [hit("first", "alpha " * 100, doc="a", score=0.9), hit("long", "beta " * 800, doc="b", score=0.8),
            hit("short", "gamma " * 40, doc="c", score=0.7)]
    assert [h.id for h in within_budget(hits, budget_tokens=300)] == ["first", "short"]  # too little left to cut
    assert [h.id for h in within_budget(hits, budget_tokens=10_000)] == ["first", "long", "short"]  # control


def test_a_long_passage_is_cut_to_what_is_left_from_its_best_chunk():
    lead = "Unrelated preamble about the canteen. " * 40
    evidence = "Forward the phishing email to phishing@acme.example. " * 40
    passage = hit("phish", lead + evidence, doc="p", score=0.8)
    passage.metadata["focus"] = len(lead)
    hits = [hit("first", "alpha " * 100, doc="a", score=0.9), passage]
    kept = within_budget(hits, budget_tokens=600)
    assert [h.id for h in kept] == ["first", "phish"]
    cut = kept[1]
    assert cut.text.startswith("Forward the phishing email") and "canteen" not in cut.text
    assert sum(estimate_tokens(h.text) + SOURCE_OVERHEAD_TOKENS for h in kept) <= 600
    assert cut.metadata["trimmed"] is True and cut.metadata["focus"] == 0


class LengthReranker:
    """Prefers longer texts: enough to see the order change."""

    def score(self, query, texts):
        return [float(len(t)) for t in texts]


def test_reranker_reorders_the_head_only():
    hits = [hit("short", "ab", score=0.9), hit("long", "abcdef", score=0.8), hit("tail", "abcdefghij", score=0.1)]
    ranked = rerank(LengthReranker(), "q", hits, top_n=2)
    assert [h.id for h in ranked] == ["long", "short", "tail"]
    assert ranked[0].score == len("d1\nabcdef")  # scored as title + text


def make_tiny_cross_encoder(folder):
    """A tiny random BERT cross-encoder saved to disk: it loads the way a real one would (no weights ship here)."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "badge", "orange", "leave", "days", "the"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(vocab))
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder


def test_a_cross_encoder_folder_loads_and_scores(tmp_path):
    from retrieval.rerank import load_reranker

    reranker = load_reranker(str(make_tiny_cross_encoder(tmp_path)))
    scores = reranker.score("orange badge", ["the badge is orange", "leave days"])
    assert len(scores) == 2 and all(isinstance(s, float) for s in scores)
    with pytest.raises(ValueError, match="not a folder"):
        load_reranker(str(tmp_path / "missing"))
