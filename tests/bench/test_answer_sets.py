"""bench.answer's long-documents question set: how an expected fact is found in an answer, and which questions the
fixed sample takes (the benchmark's own data files, no index or model needed)."""
from __future__ import annotations

import pytest

from bench.answer_sets import STRATA, fact_found, option_synonyms, stratified
from bench.longdocs import load_questions


def answer(text: str, conclusion: str = "") -> dict:
    return {"answer": {"points": [{"text": text}], "conclusion": conclusion}}


@pytest.mark.parametrize(("expected", "text"), [
    ("'+'", 'Use nargs="+" to accept one or more values.'),
    ("'+'", "Pass nargs='+'."),
    ("newline=''", 'Open the file with newline="".'),
    ("-t", "Run `ls -t`."),
    ("--human-readable", "ls -l --human-readable 显示易读的大小"),
    ("TERM", "默认发送TERM信号。"),
    ("30", "WARNING has the numeric value 30."),
    ("Day of the year", "%j is the day of the year as a zero-padded number."),
    ("main thread", "Handlers always run in the main\nthread."),
    ("lru_cache", "Decorate it with @functools.lru_cache."),
    ("+格式字符串", "用 date +格式字符串 指定输出格式"),
])
def test_a_fact_is_found_where_the_answer_states_it(expected, text):
    assert fact_found(answer(text), expected)


@pytest.mark.parametrize(("expected", "text"), [
    ("'+'", "Use a + sign."),  # the literal, not the character
    ("'+'", "Use nargs=‘+’."),  # typographic quotes are no Python literal
    ("-t", "find -type f"),  # another option
    ("-t", "ls -T 4"),  # options keep their case
    ("-R", "vim -r file"),
    ("--append", "use ---append-only"),
    ("30", "up to 300 entries"),
    ("TERM", "the process terminates"),  # a signal's name keeps its case and is a whole token
    ("force", "to enforce the rule"),
    ("breakpoint()", "call breakpoint to stop"),
    ("r(eturn)", "type return"),
])
def test_a_fact_is_not_found_in_a_longer_token_another_case_or_a_looser_form(expected, text):
    assert not fact_found(answer(text), expected)


def test_the_conclusion_counts_and_the_quotes_do_not():
    assert fact_found(answer("See the options.", "Use --summarize."), "--summarize")
    quoted = {"answer": {"points": [{"text": "See below.", "quotes": [{"text": "-s, --summarize"}]}],
                         "conclusion": ""}}
    assert not fact_found(quoted, "--summarize")


def test_every_expected_fact_is_found_where_an_answer_states_it_plainly():
    """The pattern of each fact in the data files is well formed and finds it in English and Chinese sentences."""
    facts = {q.expected for q in load_questions({}) if q.expected}
    assert len(facts) > 100
    for fact in facts:
        assert fact_found(answer(f"The answer is {fact}.", f"答案是{fact}。"), fact), fact
        assert fact_found(answer("", f"答案是{fact}。"), fact), fact


def test_the_sample_is_fixed_mixed_and_prefers_questions_with_a_fact():
    questions = load_questions({})
    two = stratified(questions, 2)
    assert [q.corpus for q in two] == ["en", "zh"]
    thirty = stratified(questions, 30)
    assert [q.id for q in thirty] == [q.id for q in stratified(questions, 30)]
    assert len({q.id for q in thirty}) == 30
    assert {(q.corpus, q.style, q.cross_language) for q in thirty} == set(STRATA)
    assert sum(q.language == "en" for q in thirty) == 15  # asked in either language alike
    assert sum(bool(q.expected) for q in thirty) >= 25
    assert sorted(q.id for q in stratified(questions, 10_000)) == sorted(q.id for q in questions)


def test_a_sample_source_is_named_as_the_questions_name_it():
    from bench.answer_sets import sample_name

    assert sample_name("file:///repo/samples/acme/leave-policy-zh.html") == "leave-policy-zh.html"
    assert (sample_name("file:///repo/samples/acme/canteen-hours-decision.eml#attachment/1/winter-menu.csv")
            == "canteen-hours-decision.eml#attachment/1/winter-menu.csv")


def test_an_option_counts_in_the_spellings_its_gold_page_lists_it_under():
    page = ("# ls\n\n## 描述\n\n-a, --all              不隐藏任何以 . 开始的项目\n\n-h, --human-readable\n"
            "与 -l 一起，以易于阅读的格式输出文件大小\n\n-l, --lines=NUMBER  每 NUMBER 行\n\n"
            "--si  类似 -h，但用 1000 为基数\n")
    assert option_synonyms("--human-readable", [page]) == ("-h",)
    assert option_synonyms("--lines", [page]) == ("-l",)
    assert option_synonyms("-a", [page]) == ("--all",)
    assert option_synonyms("--si", [page]) == ()  # listed alone: no other spelling, and "-h" in its text is not one
    assert option_synonyms("lru_cache", [page]) == ()  # not an option
    assert fact_found(answer("用 ls -lh 显示"), "--human-readable", ("-h",)) is False  # -lh is another token
    assert fact_found(answer("用 ls -l -h 显示"), "--human-readable", ("-h",))
    assert not fact_found(answer("用 ls -l -h 显示"), "--human-readable")
