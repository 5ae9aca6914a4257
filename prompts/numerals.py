"""Figures in text, English and Chinese: the numbers, dates, amounts, durations, percentages and ratios a sentence
states, with their values normalised (三十日 = 30 days, 百分之二百 = 200%, 1.5万元 = 15000 CNY, "thirty days" = 30
days) and their place in the text, so that a point's figures can be compared with those of the quote it rests on.

Pure text: no model, no I/O. Only figures with a unit are compared (a bare number says too little about what it
counts); bare Arabic numbers are read as counts, which can agree with a quote but never contradict it."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Dimension = Literal["duration", "money", "percent", "ratio", "date", "count"]

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_ZH_SMALL = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10_000, "亿": 100_000_000}
_ZH_NUM = "零〇一二两三四五六七八九十百千万亿"

_EN_ONES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_EN_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_EN_SCALE = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_EN_WORD = "|".join(sorted([*_EN_ONES, *_EN_TENS, *_EN_SCALE], key=len, reverse=True))
_EN_NUMBER = rf"(?:(?:{_EN_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_EN_WORD}))*)"
_ARABIC = r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

# Units: what a figure counts, in one canonical name per unit.
_DURATION_EN = {"minute": "minute", "min": "minute", "mins": "minute", "hour": "hour", "hr": "hour", "hrs": "hour",
                "day": "day", "week": "week", "month": "month", "year": "year"}
_DURATION_ZH = {"分钟": "minute", "小时": "hour", "钟头": "hour", "工作日": "workday", "天": "day", "日": "day",
                "周": "week", "星期": "week", "礼拜": "week", "月": "month", "年": "year"}
_CURRENCY_WORDS = {"yuan": "CNY", "rmb": "CNY", "cny": "CNY", "元": "CNY", "块": "CNY", "人民币": "CNY",
                   "dollar": "USD", "usd": "USD", "美元": "USD", "pound": "GBP", "gbp": "GBP", "英镑": "GBP",
                   "euro": "EUR", "eur": "EUR", "欧元": "EUR"}
_CURRENCY_SIGNS = {"$": "USD", "¥": "CNY", "￥": "CNY", "£": "GBP", "€": "EUR"}
# Exact conversions between duration units (months and years are never turned into days).
_IN_SMALLER = {("week", "day"): 7, ("day", "hour"): 24, ("hour", "minute"): 60, ("year", "month"): 12}
_MONTHS = {m: i + 1 for i, m in enumerate("january february march april may june july august september october "
                                          "november december".split())}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_NUM = rf"(?P<num>{_ARABIC}|[{_ZH_NUM}]+(?:点[{_ZH_NUM}]+)?|\b{_EN_NUMBER}\b)"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # dates first: "2024年3月31日", "3月31日", "2024-03-31", "31 March 2024", "March 31, 2024"
    ("date_zh", re.compile(r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月"
                           r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号]")),
    ("date_iso", re.compile(r"\b(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\b")),
    ("date_dm", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<mn>{_MONTH_RE})\.?"
                           rf"(?:,?\s+(?P<y>\d{{4}}))?\b", re.I)),
    ("date_md", re.compile(rf"\b(?P<mn>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}}))?",
                           re.I)),
    # percentages: "百分之二百", "20%", "20 percent"
    ("percent_zh", re.compile(rf"百分之(?P<num>{_ARABIC}|[{_ZH_NUM}]+(?:点[{_ZH_NUM}]+)?)")),
    ("percent", re.compile(_NUM + r"\s*(?:%|‰(?P<permille>)|\s*per\s*cent\b|\s*percent\b)", re.I)),
    # money with the sign or code first: "$1,200", "RMB 800", "¥800"
    ("money_pre", re.compile(r"(?P<cur>[$¥￥£€]|\b(?:RMB|CNY|USD|GBP|EUR)\b)\s*(?P<num>" + _ARABIC
                             + r")(?P<scale>\s*(?:k\b|thousand\b|million\b|万|千))?", re.I)),
    # money with the unit after: "800元", "1.5万元", "800 yuan", "20 dollars"
    ("money_post", re.compile(_NUM + r"\s*(?P<scale>万|千|百)?\s*(?P<cur>元|块|人民币|美元|英镑|欧元|"
                              r"(?:yuan|rmb|cny|usd|gbp|eur|dollars?|pounds?|euros?)\b)", re.I)),
    # ratios: "1.5倍", "1.5x", "1.5 times", "twice"
    ("ratio", re.compile(_NUM + r"\s*(?:倍|[x×](?![a-z])|\s*times\b)", re.I)),
    ("twice", re.compile(r"\b(?:twice|double)\b", re.I)),
    # durations: "30 days", "30-day", "ten working days", "30天", "三十日", "30个工作日", "两周", "3个月"
    ("duration", re.compile(_NUM + r"(?:\s*-\s*|\s+)(?P<kind>calendar\s+|working\s+|business\s+|work\s+)?"
                            r"(?P<unit>minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b", re.I)),
    ("duration_zh", re.compile(_NUM + r"\s*个?\s*(?:(?P<kind>自然|工作)(?=日|天))?"
                               r"(?P<unit>分钟|小时|钟头|工作日|天|日|周|星期|礼拜|月|年)")),
    # bare Arabic numbers (counts): they can agree with a quote, never contradict it
    ("count", re.compile(r"(?<![0-9A-Za-z.,])(?P<num>" + _ARABIC + r")(?![0-9A-Za-z.,%])")),
]


@dataclass(frozen=True)
class Figure:
    """One figure: `text[start:end]` states `value` of `unit` (a date's value is yyyymmdd, its year 0 when unstated);
    `num_start`/`num_end` is where its number is written."""
    dimension: Dimension
    value: float
    unit: str
    start: int
    end: int
    num_start: int
    num_end: int
    text: str


def fold(text: str) -> str:
    """Full-width digits, letters and signs as their ASCII forms, one character for one (offsets unchanged)."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def chinese_number(text: str) -> float | None:
    """三十 = 30, 一千二百 = 1200, 两万五千 = 25000, 三点五 = 3.5, 二〇二四 = 2024; None when it is not a number."""
    if not text:
        return None
    whole, _, fraction = text.partition("点")
    if any(ch in _ZH_SMALL or ch in _ZH_BIG for ch in fraction):
        return None
    value = _chinese_integer(whole)
    if value is None:
        return None
    if fraction:
        if not all(ch in _ZH_DIGITS for ch in fraction):
            return None
        return float(f"{value}.{''.join(str(_ZH_DIGITS[ch]) for ch in fraction)}")
    return float(value)


def _chinese_integer(text: str) -> int | None:
    if not text or any(ch not in _ZH_DIGITS and ch not in _ZH_SMALL and ch not in _ZH_BIG for ch in text):
        return None
    if all(ch in _ZH_DIGITS for ch in text) and len(text) > 1:  # read digit by digit: 二〇二四
        return int("".join(str(_ZH_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_SMALL:
            section += (1 if digit is None else digit) * _ZH_SMALL[ch]
            digit = None
        else:  # 万, 亿
            section += digit or 0
            total = (total + (section or 1)) * _ZH_BIG[ch] if ch == "亿" else total + (section or 1) * _ZH_BIG[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def english_number(text: str) -> float | None:
    """"thirty" = 30, "twenty-one" = 21, "one hundred and twenty" = 120; None when it is not a number."""
    words = [w for w in re.split(r"[\s-]+", text.lower()) if w and w != "and"]
    if not words:
        return None
    total, current = 0, 0
    for word in words:
        if word in _EN_ONES:
            current += _EN_ONES[word]
        elif word in _EN_TENS:
            current += _EN_TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _EN_SCALE:
            total += (current or 1) * _EN_SCALE[word]
            current = 0
        else:
            return None
    return float(total + current)


def number_value(text: str) -> float | None:
    """An Arabic, Chinese or English number as a float; None when `text` is none of them."""
    text = fold(text).strip()
    if re.fullmatch(_ARABIC, text):
        return float(text.replace(",", ""))
    if text and all(ch in _ZH_NUM or ch == "点" for ch in text):
        return chinese_number(text)
    return english_number(text)


def _date_part(text: str | None) -> int:
    if not text:
        return 0
    value = number_value(text)
    return int(value) if value is not None else 0


def _figure(kind: str, m: re.Match[str], text: str) -> Figure | None:
    groups = m.groupdict()
    start, end = m.span()
    num_start, num_end = m.span("num") if groups.get("num") is not None else (start, end)
    if kind.startswith("date"):
        month = _MONTHS[groups["mn"].lower()] if groups.get("mn") else _date_part(groups.get("m"))
        day, year = _date_part(groups.get("d")), _date_part(groups.get("y"))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        return Figure("date", float(year * 10_000 + month * 100 + day), "date", start, end, start, end,
                      text[start:end])
    if kind == "twice":
        return Figure("ratio", 2.0, "times", start, end, start, end, text[start:end])
    value = number_value(groups["num"])
    if value is None:
        return None
    if kind.startswith("percent"):
        unit = "permille" if groups.get("permille") is not None else "percent"
        return Figure("percent", value, unit, start, end, num_start, num_end, text[start:end])
    if kind.startswith("money"):
        scale = (groups.get("scale") or "").strip().lower()
        value *= {"k": 1000, "thousand": 1000, "million": 1_000_000, "万": 10_000, "千": 1000, "百": 100}.get(scale, 1)
        cur = groups["cur"]
        unit = _CURRENCY_SIGNS.get(cur) or _CURRENCY_WORDS.get(cur.lower().rstrip("s")) or \
            _CURRENCY_WORDS.get(cur.lower(), cur.upper())
        return Figure("money", value, unit, start, end, num_start, num_end, text[start:end])
    if kind == "ratio":
        return Figure("ratio", value, "times", start, end, num_start, num_end, text[start:end])
    if kind == "duration":
        unit = _DURATION_EN[groups["unit"].lower().rstrip("s") if groups["unit"].lower() not in ("mins", "hrs")
                            else groups["unit"].lower()]
        if unit == "day" and (groups.get("kind") or "").strip().lower() in ("working", "business", "work"):
            unit = "workday"
        return Figure("duration", value, unit, start, end, num_start, num_end, text[start:end])
    if kind == "duration_zh":
        unit = _DURATION_ZH[groups["unit"]]
        if groups.get("kind") == "工作":
            unit = "workday"
        if unit == "month" and groups["unit"] == "月" and "个" not in text[num_end:end]:
            return None  # "3月" is March, not three months
        if unit == "year" and 1000 <= value < 3000:
            return None  # "2024年" is a year, not a duration
        return Figure("duration", value, unit, start, end, num_start, num_end, text[start:end])
    if not re.fullmatch(_ARABIC, groups["num"]):  # counts: Arabic numbers only
        return None
    return Figure("count", value, "", start, end, num_start, num_end, text[start:end])


def figures(text: str) -> list[Figure]:
    """Every figure in `text`, in order, none overlapping another (the more specific reading wins: a date before
    a duration, a duration before a bare number)."""
    folded = fold(text)
    taken: list[tuple[int, int]] = []
    found: list[Figure] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            figure = _figure(kind, m, text)
            if figure is not None:
                taken.append((figure.start, figure.end))
                found.append(figure)
    return sorted(found, key=lambda f: f.start)


def same(a: Figure, b: Figure) -> bool:
    """Do two figures state the same thing (the same value in the same or an exactly convertible unit)?"""
    if a.dimension != b.dimension:
        return False
    if a.dimension == "date":
        ya, yb = int(a.value) // 10_000, int(b.value) // 10_000
        return int(a.value) % 10_000 == int(b.value) % 10_000 and (ya == yb or not ya or not yb)
    if a.unit == b.unit:
        return abs(a.value - b.value) < 1e-9
    for (big, small), factor in _IN_SMALLER.items():
        if (a.unit, b.unit) == (big, small):
            return abs(a.value * factor - b.value) < 1e-9
        if (a.unit, b.unit) == (small, big):
            return abs(a.value - b.value * factor) < 1e-9
    return False


@dataclass(frozen=True)
class Mismatch:
    """A figure of the point that its quotes contradict; `replacement` is what the quotes say instead, when they
    say one thing only."""
    figure: Figure
    replacement: Figure | None


@dataclass(frozen=True)
class FactCheck:
    """The point's figures against its quotes': `agreed` figures the quotes state too, `mismatches` the ones they
    contradict (the quotes state a figure of the same kind, and none equal). Figures of a kind the quotes never
    state are left alone."""
    agreed: list[Figure]
    mismatches: list[Mismatch]

    @property
    def verdict(self) -> Literal["match", "mismatch"] | None:
        if self.mismatches:
            return "mismatch"
        return "match" if self.agreed else None


def check_figures(claim: str, quotes: list[str]) -> FactCheck:
    """Do the figures `claim` states agree with those its quotes state?"""
    quoted = [f for q in quotes for f in figures(q)]
    agreed, mismatches = [], []
    for figure in figures(claim):
        if any(same(figure, q) for q in quoted) or figure.dimension == "count" and any(
                abs(q.value - figure.value) < 1e-9 for q in quoted):
            agreed.append(figure)
            continue
        if figure.dimension == "count":  # a bare number says too little to contradict anything
            continue
        rivals = [q for q in quoted if q.dimension == figure.dimension]
        if not rivals:
            continue
        distinct = {(q.value, q.unit) for q in rivals}
        mismatches.append(Mismatch(figure, rivals[0] if len(distinct) == 1 else None))
    return FactCheck(agreed, mismatches)


def format_value(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _is_arabic(text: str) -> bool:
    return bool(re.fullmatch(_ARABIC, fold(text)))


def corrected(claim: str, check: FactCheck) -> str:
    """`claim` with each contradicted figure replaced by its quote's: the number alone when the unit is the same
    (25 days → 30 days), the whole figure as the quote writes it otherwise (30 days → 30 working days, 600元 →
    1.5万元). A mismatch whose quotes state several rival figures is left as written."""
    out, at = [], 0
    for mismatch in sorted(check.mismatches, key=lambda m: m.figure.start):
        figure, quote = mismatch.figure, mismatch.replacement
        if quote is None:
            continue
        claim_number = claim[figure.num_start:figure.num_end]
        quote_number = quote.text[quote.num_start - quote.start:quote.num_end - quote.start]
        number_only = (quote.unit == figure.unit and figure.dimension != "date"
                       and (figure.num_start, figure.num_end) != (figure.start, figure.end)
                       and number_value(claim_number) == figure.value and number_value(quote_number) == quote.value)
        if number_only:
            number = quote_number if _is_arabic(quote_number) == _is_arabic(claim_number) else format_value(quote.value)
            out.append(claim[at:figure.num_start] + number)
            at = figure.num_end
        else:
            chinese = bool(_CJK.search(claim))
            text = quote.text if chinese == bool(_CJK.search(quote.text)) else written(quote, chinese)
            out.append(claim[at:figure.start] + text)
            at = figure.end
    out.append(claim[at:])
    return "".join(out)


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_EN_UNITS = {"minute": "minutes", "hour": "hours", "day": "days", "workday": "working days", "week": "weeks",
             "month": "months", "year": "years"}
_ZH_UNITS = {"minute": "分钟", "hour": "小时", "day": "天", "workday": "个工作日", "week": "周", "month": "个月",
             "year": "年"}
_EN_MONEY = {"CNY": "{} yuan", "USD": "${}", "GBP": "£{}", "EUR": "€{}"}
_ZH_MONEY = {"CNY": "{}元", "USD": "{}美元", "GBP": "{}英镑", "EUR": "{}欧元"}
_MONTH_NAMES = "January February March April May June July August September October November December".split()


def written(figure: Figure, chinese: bool) -> str:
    """`figure` written in English or Chinese (a quote in the other language than the point that corrects from it)."""
    value = format_value(figure.value)
    if figure.dimension == "duration":
        if chinese:
            return value + _ZH_UNITS[figure.unit]
        unit = _EN_UNITS[figure.unit]
        return f"{value} {unit[:-1] if figure.value == 1 else unit}"
    if figure.dimension == "money":
        return (_ZH_MONEY if chinese else _EN_MONEY).get(figure.unit, "{} " + figure.unit).format(value)
    if figure.dimension == "percent":
        return f"{value}{'‰' if figure.unit == 'permille' else '%'}"
    if figure.dimension == "ratio":
        return f"{value}倍" if chinese else f"{value} times"
    if figure.dimension == "date":
        year, month, day = int(figure.value) // 10_000, int(figure.value) // 100 % 100, int(figure.value) % 100
        if chinese:
            return f"{year}年{month}月{day}日" if year else f"{month}月{day}日"
        return f"{_MONTH_NAMES[month - 1]} {day}, {year}" if year else f"{_MONTH_NAMES[month - 1]} {day}"
    return value
