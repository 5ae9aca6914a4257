"""Grounding marks (no index, no model): quotes located and their figures checked, lexical overlap, embedding
similarity, thresholds, dropping, relevance, the extractive fallback."""
import numpy as np

from prompts.schema import Answer, Point, Quote
from services.grounding import (
    Thresholds,
    extract_evidence,
    ground_answer,
    is_heading,
    overlap,
    relevance,
    terms,
)

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
    answer = Answer(points=[Point(text="British staff have paid holiday entitlement.", citations=[1])])
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
                            Point(text="British staff have paid holiday entitlement.", citations=[1])])  # a paraphrase
    points, sources = np.array([[1.0, 0.0], [1.0, 0.0]]), [[[1.0, 0.0]], [[0.0, 1.0]]]
    grounded, summary = ground_answer(answer, SOURCES, STRICT, points, sources, fix_citations=True)
    assert [p.citations for p in grounded.points] == [[2], [1]]
    assert [p.model_citations for p in grounded.points] == [None, None] and summary.recited_points == 0
    assert [p.supported for p in grounded.points] == [False, True]


# --- quotes ---------------------------------------------------------------------------------------------------------

def quoted(text, citations, *quotes):
    return Point(text=text, citations=citations, quotes=[Quote(source=n, text=t) for n, t in quotes])


def test_a_point_whose_quote_is_found_is_supported_and_carries_the_source_words_and_offsets():
    answer = Answer(points=[quoted("Holiday entitlement is generous.", [1],  # no overlap: the quote supports it
                                   (1, "annual leave for UK employees is 25 days per year"))])
    grounded, summary = ground_answer(answer, SOURCES, STRICT)
    point = grounded.points[0]
    assert point.supported and point.quotes_dropped == 0
    [quote] = point.quotes
    assert quote.text == "Annual leave for UK employees is 25 days per year" and quote.match == "normalised"
    assert SOURCES[0][quote.start:quote.end] == quote.text and quote.source == 1 and quote.model_source is None
    assert quote.before == "" and quote.after == ", plus public holidays."
    assert (summary.quotes, summary.quotes_found, summary.quotes_moved) == (1, 1, 0)


def test_a_quotes_context_leaves_out_words_cut_at_its_edges():
    source = "alpha beta gamma " * 10 + "THE QUOTE" + " delta epsilon zeta" * 10
    answer = Answer(points=[quoted("It says the quote.", [1], (1, "THE QUOTE"))])
    (quote,) = ground_answer(answer, [source], STRICT)[0].points[0].quotes
    assert quote.text == "THE QUOTE" and len(quote.before) <= 80 and len(quote.after) <= 80
    words = set("alpha beta gamma delta epsilon zeta".split())
    assert set(quote.before.split()) <= words and set(quote.after.split()) <= words


def test_a_quote_named_from_the_wrong_source_is_found_in_the_right_one_and_the_point_recited():
    answer = Answer(points=[quoted("上海员工每年15天年假", [1], (1, "上海办公室员工每年享有15天年假"))])
    grounded, summary = ground_answer(answer, SOURCES, STRICT, fix_citations=True)
    point = grounded.points[0]
    assert point.citations == [2] and point.model_citations == [1] and point.supported
    assert point.quotes[0].source == 2 and point.quotes[0].model_source == 1
    assert (summary.quotes_found, summary.quotes_moved, summary.recited_points) == (0, 1, 1)
    unfixed, summary = ground_answer(answer, SOURCES, STRICT)  # without re-citing: looked for where it was named
    assert unfixed.points[0].quotes == [] and unfixed.points[0].quotes_dropped == 1 and summary.quotes_found == 0


def test_a_quote_found_nowhere_is_dropped_and_the_point_falls_back_to_overlap():
    restricted = "The CEO's salary is 4,000,000 yuan (board only)."  # a document this user may not read
    answer = Answer(points=[quoted("UK employees get 25 days of annual leave.", [1], (1, "UK staff get forty days")),
                            quoted("The CEO earns 4,000,000 yuan.", [1], (3, restricted), (1, restricted))])
    grounded, summary = ground_answer(answer, SOURCES, STRICT, fix_citations=True)
    first, second = grounded.points
    assert first.quotes_dropped == 1 and first.supported  # by overlap, as before
    # Shown with the sentence of its cited source that best matches it: Perimeter's pick, not a quote of the model's.
    assert [(q.text, q.match) for q in first.quotes] == [(SOURCES[0], "matched")] and summary.quotes_matched == 1
    assert second.quotes == [] and second.quotes_dropped == 2 and not second.supported
    assert restricted not in grounded.model_dump_json()
    assert (summary.quotes, summary.quotes_found) == (3, 0)


def test_a_figure_the_quote_contradicts_is_corrected_or_flagged():
    answer = Answer(points=[quoted("UK employees get 20 days of annual leave.", [1],
                                   (1, "Annual leave for UK employees is 25 days per year"))],
                    conclusion="UK employees get 20 days.")
    grounded, summary = ground_answer(answer, SOURCES, STRICT, correct_facts=True)
    point = grounded.points[0]
    assert point.text == "UK employees get 25 days of annual leave." and point.facts == "corrected"
    assert point.model_text == "UK employees get 20 days of annual leave." and point.supported
    assert grounded.conclusion == "UK employees get 25 days." and grounded.model_conclusion == \
        "UK employees get 20 days."
    assert (summary.fact_checked, summary.fact_mismatches, summary.facts_corrected) == (1, 1, 2)
    flagged, summary = ground_answer(answer, SOURCES, STRICT, correct_facts=False)
    point = flagged.points[0]
    assert point.text == "UK employees get 20 days of annual leave." and point.facts == "mismatch"
    assert not point.supported and point.model_text is None and flagged.conclusion == "UK employees get 20 days."
    assert (summary.fact_mismatches, summary.facts_corrected, summary.supported) == (1, 0, 0)


def test_a_figure_the_sources_state_is_corrected_only_when_the_quote_is_about_it():
    source = ["Annual leave is 25 days. Up to 5 days may be carried over. Reports are triaged within 30 minutes. "
              "Call the hotline within 15 minutes of clicking."]
    carry = (1, "Up to 5 days may be carried over")

    def check(text, quote):
        grounded, _ = ground_answer(Answer(points=[quoted(text, [1], quote)]), source, STRICT, correct_facts=True)
        return grounded.points[0].text, grounded.points[0].facts

    # Two parts, one quoted: the other part's figure, which the source states, is left alone.
    assert check("Leave is 25 days and 5 days may be carried over.", carry) == \
        ("Leave is 25 days and 5 days may be carried over.", "match")
    # A quote about another rule than the point's: no verdict on the point's figure.
    assert check("Annual leave is 25 days.", carry) == ("Annual leave is 25 days.", None)
    # A neighbouring rule's figure (triage time for the time to call), contradicted by the quote of the right rule.
    assert check("Call the hotline within 30 minutes of clicking.", (1, "Call the hotline within 15 minutes")) == \
        ("Call the hotline within 15 minutes of clicking.", "corrected")
    # A figure no source states (rounded): corrected whatever the quote's wording.
    assert check("Up to 6 days roll over.", carry) == ("Up to 5 days roll over.", "corrected")


def test_chinese_numerals_in_a_point_agree_with_the_quotes_digits():
    answer = Answer(points=[quoted("上海员工每年有十五天年假", [2], (2, "上海办公室员工每年享有15天年假"))])
    grounded, summary = ground_answer(answer, SOURCES, STRICT, correct_facts=True)
    assert grounded.points[0].facts == "match" and grounded.points[0].text == "上海员工每年有十五天年假"
    assert (summary.fact_checked, summary.fact_mismatches) == (1, 0)


def test_a_conclusion_sentence_whose_figure_no_source_states_is_left_out_when_another_stands():
    """The small model's own arithmetic in a conclusion ("an additional 2 days" for 25 -> 26 -> 27) cannot be
    corrected from the quotes; its sentence goes, the right one stays, and the model's text is kept beside."""
    source = "| London (UK contracts) | 25 days, rising to 26 days after 3 years' service and 27 days after 5 years |"
    point = quoted("25 days, rising to 26 after 3 years and 27 after 5 years.", [1], (1, source))
    wrong = ("UK employees get 25 days of annual leave in their first year. After 3 years, they receive an "
             "additional 2 days, and after 5 years, they receive an additional 2 days.")
    grounded, summary = ground_answer(Answer(points=[point], conclusion=wrong), [source], STRICT, correct_facts=True)
    assert grounded.conclusion == "UK employees get 25 days of annual leave in their first year."
    assert grounded.model_conclusion == wrong and summary.facts_corrected == 1
    flagged, _ = ground_answer(Answer(points=[point], conclusion=wrong), [source], STRICT, correct_facts=False)
    assert flagged.conclusion == wrong  # correcting is a setting: off, the model's words stand
    alone = "After 3 years, they receive an additional 2 days."
    grounded, _ = ground_answer(Answer(points=[point], conclusion=alone), [source], STRICT, correct_facts=True)
    assert grounded.conclusion == alone  # nothing would be left: unchanged
    zh_point = quoted("上海员工每年15天年假，满10年增加到20天", [2], (2, SOURCES[1].split("。")[0]))
    zh_wrong = "上海员工每年有15天年假。工作满10年后每年再增加2天。"
    grounded, _ = ground_answer(Answer(points=[zh_point], conclusion=zh_wrong), SOURCES, STRICT, correct_facts=True)
    assert grounded.conclusion == "上海员工每年有15天年假。"


def test_the_extractive_fallback_picks_the_sentences_that_best_match_the_question():
    texts = ["Expenses. Hotels in Shanghai are capped at 800 yuan a night. Taxis need a receipt.",
             "The canteen opens at 8am.", "上海酒店每晚不超过800元。出租车需要发票。"]
    evidence = extract_evidence("What is the hotel cap in Shanghai?", texts, limit=2)
    assert [q.text for q in evidence] == ["Hotels in Shanghai are capped at 800 yuan a night."]
    assert evidence[0].match == "extracted" and texts[0][evidence[0].start:evidence[0].end] == evidence[0].text
    evidence = extract_evidence("上海酒店每晚多少钱？", texts, limit=3)
    assert [q.text for q in evidence] == ["上海酒店每晚不超过800元。"] and evidence[0].source == 3
    assert extract_evidence("What is the hotel cap?", texts, limit=0) == []


def test_the_extractive_fallback_reads_a_table_row_with_its_header_and_introduction():
    """The hotel cap sits in a row that names only the city; the sentence above the table names the trip and the night.
    The row is the evidence, not the introduction alone (which states no figure) nor a row of another city."""
    zh = ("## 第四章 住宿费\n\n第九条 住宿费按出差目的地城市类别执行以下标准（每人每晚，含税）：\n\n"
          "| 城市类别 | 城市范围 | 住宿上限 |\n|----------|----------|----------|\n"
          "| 一类城市 | 北京、上海、广州、深圳 | 800元 |\n| 二类城市 | 其他省会城市及计划单列市 | 600元 |\n\n"
          "第十条 两名同性别员工同行出差的，原则上合住一间标准间，报销上限按单人标准的1.5倍执行。\n")
    evidence = extract_evidence("去上海出差住酒店，每晚最多可以报销多少钱？", [zh], limit=3)
    assert evidence[0].text == "| 一类城市 | 北京、上海、广州、深圳 | 800元 |", [q.text for q in evidence]
    assert not any("600元" in q.text or set(q.text) <= set("|- ") for q in evidence), [q.text for q in evidence]
    en = ("Hotel rooms are reimbursed per night up to these caps:\n\n| City | Cap |\n|---|---|\n"
          "| Shanghai | 800 yuan |\n| Chengdu | 500 yuan |\n\nSharing a room is encouraged on team trips.\n")
    evidence = extract_evidence("What is the hotel cap per night in Shanghai?", [en], limit=2)
    assert evidence[0].text == "| Shanghai | 800 yuan |", [q.text for q in evidence]
    assert en[evidence[0].start:evidence[0].end] == evidence[0].text


def test_a_quote_that_is_only_a_heading_supports_nothing():
    source = "# Travel and Expense Policy\n\n## Meals\n\nThe meal allowance in Shanghai is 150 yuan per day.\n"
    heading = quoted("Hotel rooms are capped at 800 yuan a night.", [1], (1, "Travel and Expense Policy"))
    sentence = quoted("Meals are paid.", [1], (1, "The meal allowance in Shanghai is 150 yuan per day."))
    grounded, summary = ground_answer(Answer(points=[heading, sentence]), [source], STRICT)
    first, second = grounded.points
    assert first.quotes == [] and first.quotes_dropped == 1 and not first.supported  # overlap alone is too low
    assert second.supported and second.quotes[0].text == "The meal allowance in Shanghai is 150 yuan per day."
    assert summary.quotes_found == 1
    # A short line that states a figure or ends a sentence is not a heading.
    for line in ["Annual leave: 25 days", "所有员工必须遵守。", "Leave is granted."]:
        text = f"Intro\n{line}\nMore"
        assert not is_heading(text, text.index(line), text.index(line) + len(line))
    assert is_heading("前言\n差旅费用管理办法\n正文", 3, 11)


def test_a_point_without_quotes_is_shown_with_the_sentence_it_best_matches_and_its_figures_checked():
    source = ("Hotel caps apply to all trips. Hotels in London are capped at 250 pounds a night. "
              "Hotels in Frankfurt are capped at 190 euros a night. Meals are paid by the per diem.")
    right = Point(text="Frankfurt hotels are capped at 190 euros a night.", citations=[1])
    wrong = Point(text="Frankfurt hotels are capped at 290 euros a night.", citations=[1])
    unrelated = Point(text="Parking is free for visitors.", citations=[1])
    grounded, summary = ground_answer(Answer(points=[right, wrong, unrelated]), [source], STRICT)
    first, second, third = grounded.points
    assert [q.text for q in first.quotes] == ["Hotels in Frankfurt are capped at 190 euros a night."]
    assert first.quotes[0].match == "matched" and first.supported and first.facts is None
    # 290 euros: no source states it, so the point is flagged; nothing is corrected from a sentence Perimeter picked.
    assert second.quotes[0].text == first.quotes[0].text and second.facts == "unstated" and not second.supported
    assert second.text == wrong.text and second.model_text is None
    assert third.quotes == [] and not third.supported
    assert (summary.quotes, summary.quotes_found, summary.quotes_matched, summary.figures_unstated) == (0, 0, 2, 1)


def test_a_matched_sentence_never_corrects_the_points_other_figures():
    source = "UK employees get 25 days of annual leave. You may carry up to 5 days of unused leave into the next year."
    point = Point(text="UK employees get 25 days of annual leave and can carry up to 5 days of unused leave.",
                  citations=[1])
    grounded, _ = ground_answer(Answer(points=[point], conclusion="25 days, and 5 days carried over."), [source],
                                STRICT, correct_facts=True)
    assert grounded.points[0].text == point.text and grounded.points[0].supported
    assert grounded.conclusion == "25 days, and 5 days carried over."
