"""The text form of the answer (prompts/text_answer.py): its instructions and how replies written in it are read."""
import pytest

from prompts.build import instructions
from prompts.parse import parse_answer


def test_the_form_as_instructed_is_read_part_by_part():
    answer = parse_answer("Question: How many days of annual leave do employees get?\n"
                          "1. Full-time employees get 25 days a year [1].\n"
                          "2. Up to 5 unused days carry over to the next year [1, 3]\n"
                          "Conclusion: 25 days a year, 5 of which may carry over.\n"
                          "Suggestions:\n- Ask HR about part-time staff.\n- Check the leave calendar.")
    assert answer.restatement == "How many days of annual leave do employees get?"
    assert [p.text for p in answer.points] == ["Full-time employees get 25 days a year.",
                                               "Up to 5 unused days carry over to the next year"]
    assert [p.citations for p in answer.points] == [[1], [1, 3]]
    assert answer.conclusion == "25 days a year, 5 of which may carry over."
    assert answer.suggestions == ["Ask HR about part-time staff.", "Check the leave calendar."]


def test_chinese_labels_full_width_colons_and_markdown_bold():
    answer = parse_answer("**问题：** 上海出差住宿标准是多少？\n\n"
                          "1、 上海住宿每晚不超过800元[2]\n"
                          "2. 超标部分需部门负责人审批 [2，3]\n\n"
                          "**结论：** 每晚800元以内。\n"
                          "**建议：**\n1. 提前预订协议酒店")
    assert answer.restatement == "上海出差住宿标准是多少？"
    assert [p.citations for p in answer.points] == [[2], [2, 3]]
    assert answer.points[0].text.startswith("上海住宿每晚不超过800元")
    assert answer.conclusion == "每晚800元以内。"
    assert answer.suggestions == ["提前预订协议酒店"]


def test_a_point_over_several_lines_and_bullets_instead_of_numbers():
    answer = parse_answer("Question: What is the laptop standard?\n"
                          "- Staff get a 14-inch laptop\n  with 16 GB of memory [1]\n"
                          "- Developers may ask for 32 GB [2]\n"
                          "Conclusion: 14-inch, 16 GB; developers 32 GB.")
    assert [p.text for p in answer.points] == ["Staff get a 14-inch laptop with 16 GB of memory",
                                               "Developers may ask for 32 GB"]
    assert answer.suggestions == []


def test_a_label_numbered_like_a_point_is_still_that_part():
    answer = parse_answer("1. Call the SOC hotline within 15 minutes [1]\n2. Conclusion: call the hotline at once.")
    assert [p.text for p in answer.points] == ["Call the SOC hotline within 15 minutes"]
    assert answer.conclusion == "call the hotline at once."


def test_not_in_the_documents_has_no_points_only_a_conclusion():
    answer = parse_answer("Question: What is the parking fee in Tokyo?\n"
                          "Conclusion: The documents do not contain the answer.\nSuggestions:\n")
    assert answer.points == [] and answer.conclusion == "The documents do not contain the answer."


@pytest.mark.parametrize("reply, restated", [
    ("Question: What is the hotel cap in Frankfurt?", "What is the hotel cap in Frankfurt?"),
    ("问题：上海的酒店每晚限额是多少？\n", "上海的酒店每晚限额是多少？"),
])
def test_a_reply_that_stops_after_the_restatement_is_that_and_nothing_more(reply, restated):
    answer = parse_answer(reply)  # the 0.5B model, begun with the label, may stop at the end of that line
    assert answer.restatement == restated and answer.points == [] and answer.conclusion == ""
    # The control: prose without the label is still kept as the conclusion.
    assert parse_answer("The hotel cap is EUR 190.").conclusion == "The hotel cap is EUR 190."


def test_a_reply_cut_off_mid_point_keeps_what_was_written():
    answer = parse_answer("Question: Who approves travel?\n1. The line manager approves trips [1]\n2. Trips abroad")
    assert [p.citations for p in answer.points] == [[1], []]
    assert answer.points[1].text == "Trips abroad"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_text_instructions_ask_for_bracketed_citations_and_no_json(language):
    text = instructions(language, True, "text")
    assert "JSON" not in text and '"citations"' not in text and "quotes" not in text
    assert ("Conclusion:" if language == "en" else "结论：") in text
    assert ("in brackets at the end of the point" if language == "en" else "在末尾用方括号") in text
    # The JSON form keeps its own example and citations list.
    assert '"citations"' in instructions(language, False, "json")
