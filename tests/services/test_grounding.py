"""Grounding marks (no index, no model): lexical overlap, embedding similarity, thresholds, dropping, relevance."""
import numpy as np

from prompts.schema import Answer, Point
from services.grounding import Thresholds, ground_answer, overlap, relevance, terms

SOURCES = ["Annual leave for UK employees is 25 days per year, plus public holidays.",
           "上海办公室员工每年享有15天年假，工作满10年后增加到20天。"]
STRICT = Thresholds(min_overlap=0.5, min_similarity=0.8)


def test_terms_fold_plurals_drop_stop_words_and_use_chinese_bigrams():
    assert terms("The employees get 25 days") == {"employee", "get", "25", "day"}
    assert {"年假", "上海"} <= terms("上海的年假")


def test_point_is_supported_by_the_source_it_cites_not_by_another():
    answer = Answer(points=[Point(text="UK employees get 25 days of annual leave.", citations=[1]),
                            Point(text="UK employees get 25 days of annual leave.", citations=[2]),
                            Point(text="Staff may work from the Moon on Fridays.", citations=[1]),
                            Point(text="Uncited but true: 25 days of annual leave.", citations=[]),
                            Point(text="上海员工每年15天年假", citations=[2])])
    grounded, summary = ground_answer(answer, SOURCES, STRICT)
    assert [p.supported for p in grounded.points] == [True, False, False, False, True]
    assert (summary.supported, summary.total, summary.rate) == (2, 5, 0.4)
    assert grounded.points[0].overlap > 0.8 and grounded.restatement == answer.restatement


def test_embedding_similarity_can_support_a_paraphrase():
    answer = Answer(points=[Point(text="Holiday entitlement is five weeks.", citations=[1])])
    assert overlap(answer.points[0].text, SOURCES[0]) < 0.5
    points, sources = np.array([[1.0, 0.0]]), [[[0.0, 1.0], [0.9, 0.436]], [[0.0, 1.0]]]  # source 1: two chunks
    grounded, summary = ground_answer(answer, SOURCES, STRICT, points, sources)
    assert grounded.points[0].supported and grounded.points[0].similarity == 0.9 and summary.supported == 1
    grounded, _ = ground_answer(answer, SOURCES, Thresholds(0.5, 0.95), points, sources)
    assert not grounded.points[0].supported


def test_unsupported_points_can_be_dropped_by_setting():
    answer = Answer(points=[Point(text="UK employees get 25 days.", citations=[1]),
                            Point(text="Bonuses are paid in gold.", citations=[1])])
    grounded, summary = ground_answer(answer, SOURCES, STRICT, drop_unsupported=True)
    assert [p.text for p in grounded.points] == ["UK employees get 25 days."]
    assert (summary.supported, summary.total, summary.dropped_points) == (1, 2, 1)


def test_relevance_is_lexical_and_semantic():
    assert relevance("How many days of annual leave?", SOURCES)[0] > 0.5
    lexical, cos = relevance("How do I bake sourdough bread?", SOURCES, [1.0, 0.0], [[[0.1, 0.99]], [[0.2, 0.98]]])
    assert lexical == 0.0 and abs(cos - 0.2) < 1e-6


def test_a_one_term_point_is_not_supported_by_overlap_alone():
    answer = Answer(points=[Point(text="1", citations=[1]), Point(text="25 days", citations=[1])])
    grounded, _ = ground_answer(answer, SOURCES, STRICT)
    assert [p.supported for p in grounded.points] == [False, True]


def test_a_point_citing_the_wrong_source_is_recited_to_the_source_that_holds_its_text():
    answer = Answer(points=[Point(text="上海员工每年15天年假", citations=[1]),
                            Point(text="UK employees get 25 days of annual leave.", citations=[]),
                            Point(text="UK employees get 25 days of annual leave.", citations=[1, 2])])
    grounded, summary = ground_answer(answer, SOURCES, STRICT, fix_citations=True)
    first, uncited, right = grounded.points
    assert (first.citations, first.model_citations, first.supported) == ([2], [1], True)
    assert (uncited.citations, uncited.model_citations, uncited.supported) == ([1], [], True)
    assert (right.citations, right.model_citations) == ([1, 2], None)  # one cited source holds it: left alone
    assert (summary.supported, summary.recited_points) == (3, 2)
    unfixed, summary = ground_answer(answer, SOURCES, STRICT)
    assert unfixed.points[0].citations == [1] and not unfixed.points[0].supported and summary.recited_points == 0


def test_a_point_no_source_holds_keeps_the_models_citations():
    answer = Answer(points=[Point(text="Staff may work from the Moon on Fridays.", citations=[2]),
                            Point(text="Holiday entitlement is five weeks.", citations=[1])])  # a paraphrase
    points, sources = np.array([[1.0, 0.0], [1.0, 0.0]]), [[[1.0, 0.0]], [[0.0, 1.0]]]
    grounded, summary = ground_answer(answer, SOURCES, STRICT, points, sources, fix_citations=True)
    assert [p.citations for p in grounded.points] == [[2], [1]]
    assert [p.model_citations for p in grounded.points] == [None, None] and summary.recited_points == 0
    assert [p.supported for p in grounded.points] == [False, True]
