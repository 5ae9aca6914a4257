"""Figures in English and Chinese (prompts/numerals.py): numerals normalised, figures compared with a quote's, and
contradicted ones corrected from it."""
import pytest

from prompts.numerals import check_figures, chinese_number, corrected, english_number, figures


@pytest.mark.parametrize(("text", "value"), [
    ("三十", 30), ("十五", 15), ("十", 10), ("二百", 200), ("一千二百", 1200), ("一千零五", 1005), ("两万五千", 25000),
    ("一万", 10000), ("三点五", 3.5), ("二〇二四", 2024), ("零", 0), ("三亿", 300_000_000),
])
def test_chinese_numerals(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize("text", ["", "点五", "三点十", "五x"])
def test_not_chinese_numerals(text):
    assert chinese_number(text) is None


@pytest.mark.parametrize(("text", "value"), [
    ("thirty", 30), ("twenty-one", 21), ("one hundred and twenty", 120), ("two thousand five hundred", 2500),
    ("Fifteen", 15),
])
def test_english_numerals(text, value):
    assert english_number(text) == value


def read(text):
    return [(f.dimension, f.value, f.unit, f.text) for f in figures(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("三十日内提交", [("duration", 30, "day", "三十日")]),
    ("须在30日内提交", [("duration", 30, "day", "30日")]),
    ("百分之二百", [("percent", 200, "percent", "百分之二百")]),
    ("上限为200%", [("percent", 200, "percent", "200%")]),
    ("上限为２００％", [("percent", 200, "percent", "２００％")]),  # full-width
    ("每晚不超过800元", [("money", 800, "CNY", "800元")]),
    ("补贴1.5万元", [("money", 15000, "CNY", "1.5万元")]),
    ("最多一千二百元", [("money", 1200, "CNY", "一千二百元")]),
    ("up to RMB 800 a night", [("money", 800, "CNY", "RMB 800")]),
    ("a $1,200 laptop", [("money", 1200, "USD", "$1,200")]),
    ("25 days of paid leave", [("duration", 25, "day", "25 days")]),
    ("thirty days", [("duration", 30, "day", "thirty days")]),
    ("a 30-day notice", [("duration", 30, "day", "30-day")]),
    ("within 10 working days", [("duration", 10, "workday", "10 working days")]),
    ("30个工作日内", [("duration", 30, "workday", "30个工作日")]),
    ("两周内", [("duration", 2, "week", "两周")]),
    ("3个月试用期", [("duration", 3, "month", "3个月")]),
    ("within 4 hours", [("duration", 4, "hour", "4 hours")]),
    ("1.5倍", [("ratio", 1.5, "times", "1.5倍")]),
    ("1.5× the single rate", [("ratio", 1.5, "times", "1.5×")]),
    ("2024年3月31日前", [("date", 20240331, "date", "2024年3月31日")]),
    ("by March 31, 2024", [("date", 20240331, "date", "March 31, 2024")]),
    ("by 31 March", [("date", 331, "date", "31 March")]),
    ("2024年起", [("count", 2024, "", "2024")]),  # a year, not a duration of 2024 years
    ("3月起", [("count", 3, "", "3")]),  # March, not three months
    ("at least 20 characters", [("count", 20, "", "20")]),
])
def test_figures(text, expected):
    assert read(text) == expected


def test_a_point_whose_figure_its_quote_states_agrees():
    assert check_figures("Employees get 25 days", ["entitled to 25 days of paid annual leave"]).verdict == "match"
    assert check_figures("Submit within 30 days", ["报销须在出差结束后三十日内提交。"]).verdict == "match"
    assert check_figures("上限为200%", ["上限为百分之二百"]).verdict == "match"
    assert check_figures("Report within 2 weeks", ["within 14 days"]).verdict == "match"  # exact conversion
    assert check_figures("Hotels up to 15,000 yuan", ["1.5万元"]).verdict == "match"


def test_a_different_number_or_unit_is_a_mismatch():
    check = check_figures("UK employees get 20 days of leave", ["UK employees are entitled to 25 days."])
    assert check.verdict == "mismatch" and check.mismatches[0].replacement.value == 25
    assert check_figures("within 30 days", ["within 30 working days"]).verdict == "mismatch"
    assert check_figures("上海每晚最多600元", ["一线城市每晚不超过800元"]).verdict == "mismatch"
    assert check_figures("限额为一百二十美元", ["限额为120元"]).verdict == "mismatch"  # the currency differs


def test_figures_of_a_kind_the_quote_does_not_state_and_bare_numbers_are_left_alone():
    assert check_figures("Call within 15 minutes", ["Call the security desk."]).verdict is None
    assert check_figures("Passwords need 12 characters", ["at least 20 characters"]).verdict is None
    assert check_figures("No figures here", ["25 days"]).verdict is None


def test_corrections_take_the_quotes_figure():
    def fix(claim, *quotes):
        return corrected(claim, check_figures(claim, list(quotes)))

    assert fix("UK employees get 20 days of leave", "entitled to 25 days of paid annual leave") == \
        "UK employees get 25 days of leave"
    assert fix("上海每晚最多600元", "每晚不超过800元") == "上海每晚最多800元"
    assert fix("二十五天年假", "年假为30天") == "30天年假"
    assert fix("Submit within 30 days", "须在30个工作日内提交") == "Submit within 30 working days"
    assert fix("须在30天内提交", "within 10 working days") == "须在10个工作日内提交"
    assert fix("Submit by March 30", "须在3月31日前提交") == "Submit by March 31"
    assert fix("twice the single rate", "可按单人标准的1.5倍报销") == "1.5 times the single rate"


def test_no_correction_when_the_quotes_disagree_among_themselves():
    claim = "Hotels cost at most 600 yuan"
    check = check_figures(claim, ["800元 in tier-one cities", "500元 elsewhere"])
    assert check.verdict == "mismatch" and corrected(claim, check) == claim
