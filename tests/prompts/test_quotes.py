"""Locating the model's quotes in a source's text (prompts/quotes.py): English and Chinese, faithful and unfaithful
copies, and quotes that must not be found."""
import time

import pytest

from prompts.quotes import MAX_QUOTE_CHARS, locate, normalised, sentences

EN = ("Annual leave\n\nUK employees are entitled to 25 days of paid annual leave per year, plus public holidays.\n"
      "Up to 5 unused days may be carried over to the next year with the approval of your line manager. "
      "Leave must be requested at least  two weeks in advance.")
ZH = ("差旅住宿标准：一线城市（北京、上海、广州、深圳）每晚不超过800元；其他城市每晚不超过500元。\n"
      "两人同住标准间时，可按单人标准的1.5倍报销。报销须在出差结束后三十日内提交。")


def check(found, source, match):
    assert found is not None, "not found"
    assert source[found.start:found.end] == found.text  # the source's own words, at their offsets
    assert found.match == match
    return found


def test_an_exact_quote_is_found_where_it_stands():
    quote = "UK employees are entitled to 25 days of paid annual leave per year"
    found = check(locate(quote, EN), EN, "exact")
    assert found.start == EN.index("UK employees") and found.score == 1.0


def test_quotation_marks_and_spacing_around_a_quote_are_ignored():
    check(locate(" “UK employees are entitled to 25 days of paid annual leave per year, plus public holidays.” ", EN),
          EN, "exact")


def test_other_spacing_case_and_punctuation_are_normalised_back_to_the_source_words():
    quote = "leave must be requested at least two weeks in advance"  # the source has two spaces and capitals
    found = check(locate(quote, EN), EN, "normalised")
    assert found.text == "Leave must be requested at least  two weeks in advance"


def test_a_quote_across_a_line_break_is_found():
    quote = "plus public holidays. Up to 5 unused days may be carried over"
    found = check(locate(quote, EN), EN, "normalised")
    assert "\n" in found.text


def test_chinese_full_width_and_half_width_punctuation_and_digits_are_the_same():
    quote = "一线城市(北京,上海,广州,深圳)每晚不超过８００元"  # half-width brackets and commas, full-width digits
    found = check(locate(quote, ZH), ZH, "normalised")
    assert found.text == "一线城市（北京、上海、广州、深圳）每晚不超过800元"


def test_a_quote_with_a_word_changed_is_found_by_the_fuzzy_match_as_the_source_words_it():
    quote = "Up to 5 unused days can be carried over to the next year with approval of your line manager"
    found = check(locate(quote, EN), EN, "fuzzy")
    assert found.text.startswith("Up to 5 unused days may be carried over") and found.text.endswith("line manager")
    assert 0.85 <= found.score < 1


def test_a_chinese_quote_with_a_character_changed_is_found_fuzzily():
    found = check(locate("两人同住标准间时，可以按单人标准的1.5倍报销", ZH), ZH, "fuzzy")
    assert found.text == "两人同住标准间时，可按单人标准的1.5倍报销"


def test_a_fuzzy_match_is_widened_to_whole_words():
    found = check(locate("ployees are entitled to 25 days of paid annual lea", EN), EN, "exact")
    assert found.text == "ployees are entitled to 25 days of paid annual lea"  # as written: it is in the source
    found = check(locate("employes are entitled to 25 days of paid anual leave", EN), EN, "fuzzy")
    assert found.text.startswith("employees") and found.text.endswith("leave")


def test_an_ellipsis_in_a_quote_locates_its_longest_part():
    found = check(locate("UK employees are entitled … 25 days of paid annual leave per year", EN), EN, "exact")
    assert found.text == "25 days of paid annual leave per year"


@pytest.mark.parametrize("quote", [
    "UK employees are entitled to 40 days of paid annual leave and a company car",  # not what the source says
    "Contractors get no paid leave at all under any circumstances whatsoever",  # not in it at all
    "每晚不超过1200元，且可以报销迷你吧消费",  # Chinese, not in it
])
def test_a_quote_that_is_not_in_the_source_is_not_found(quote):
    assert locate(quote, EN) is None and locate(quote, ZH) is None


def test_a_quote_from_another_source_is_not_found_in_this_one():
    assert check(locate("每晚不超过800元", ZH), ZH, "exact")
    assert locate("每晚不超过800元", EN) is None
    assert locate("UK employees are entitled to 25 days", ZH) is None


def test_a_huge_quote_is_refused_even_when_it_is_the_source_itself():
    huge = (EN + " ") * 10
    assert len(huge) > MAX_QUOTE_CHARS
    started = time.perf_counter()
    assert locate(huge, huge) is None
    assert locate("x" * 100_000, EN * 500) is None
    assert time.perf_counter() - started < 2


def test_fuzzy_matching_is_bounded_on_a_long_source():
    source = EN * 200  # ~55,000 characters: beyond the fuzzy match's bound, exact matching still works
    started = time.perf_counter()
    assert locate("Up to 5 unused days can be carried over to the next year", source) is None
    assert locate("Up to 5 unused days may be carried over", source) is not None
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("quote", ["", "   ", "“”", "…", "25", "a b", "...", "年假"])
def test_a_quote_too_short_to_mean_anything_is_not_found(quote):
    assert locate(quote, EN + ZH) is None


def test_markup_in_a_quote_is_only_found_as_the_source_writes_it():
    source = "Report phishing with the [Report Phish](http://evil.example/x) button. <img src=x onerror=alert(1)>"
    found = check(locate("Report phishing with the [Report Phish](http://evil.example/x) button.", source), source,
                  "exact")
    assert found.text.endswith("button.")
    # markup the model adds around words of the source is not part of what is found
    found = check(locate("**Report phishing with the** <b>Report Phish</b> button", source), source, "fuzzy")
    assert "<b>" not in found.text and "**" not in found.text
    assert locate("<script>alert(1)</script> Report phishing everywhere", "Nothing like it here.") is None


def test_normalised_keeps_letters_and_digits_and_maps_back():
    text, where = normalised("Ａ１，b 2。")
    assert text == "a1b2" and where == [0, 1, 3, 5]


def test_sentences_cut_english_and_chinese_with_offsets():
    spans = sentences(EN + "\n" + ZH)
    texts = [(EN + "\n" + ZH)[a:b] for a, b in spans]
    assert "UK employees are entitled to 25 days of paid annual leave per year, plus public holidays." in texts
    assert "两人同住标准间时，可按单人标准的1.5倍报销。" in texts
    assert all(t == t.strip() and t for t in texts)


def test_a_sentence_longer_than_the_limit_is_cut():
    text = "word " * 300
    assert all(b - a <= 100 for a, b in sentences(text, max_chars=100))


def test_a_table_row_is_one_sentence_whatever_its_cells_hold():
    # Tables reach the sources as Markdown (ingestion/tables.py): a row is the unit of evidence, never half of one.
    text = ("How to report. Use the button.\n| Type | What to do |\n|---|---|\n"
            "| Credential phishing | Report Phish; never sign in from an email link. |\nAfter the table.")
    assert [text[a:b] for a, b in sentences(text)] == [
        "How to report.", "Use the button.", "| Type | What to do |", "|---|---|",
        "| Credential phishing | Report Phish; never sign in from an email link. |", "After the table."]
