"""What a document's name and text say about which version it is, English and Chinese, as pure functions.

- A name (title or file name) = a subject + version markers: years ("Travel Policy 2024", "2024年版"), dates
  ("2024-03-01"), amendment marks ("（2018修正）", "(2023年修订)"), version numbers ("v3", "Version 2", "第二版") and
  draft marks ("draft", "草案", "征求意见稿"). Two names with the same subject and different markers are two versions
  of one document; "Travel Policy" and "Travel Expense Policy" are two documents.
- A text says when it takes effect ("自2024年1月1日起施行", "effective 1 March 2025", "takes effect on …"), until when
  it holds ("valid until …", "有效期至…"), and when a law was last amended ("2018年10月26日……修正").
- Front matter (`---` YAML at the top of a Markdown file) declares what the author knows: `family`, `version`,
  `status`, `effective`, `end`, `supersedes`, `review_by`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from prompts.numerals import chinese_number

STATUSES = ("current", "superseded", "draft", "expired", "upcoming")
# Front matter and .perimeter-versions.yaml keys that are read (others are left alone: front matter serves many tools).
DECLARED_KEYS = ("family", "version", "status", "effective", "end", "supersedes", "review_by")

_MONTHS = {m: i + 1 for i, m in enumerate("january february march april may june july august september october "
                                          "november december".split())}
_MONTHS.update({m[:3]: n for m, n in list(_MONTHS.items())})
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ZH_N = r"\d{1,4}|[〇零一二三四五六七八九十]{1,4}"
_DATE_ZH = rf"(?P<y>\d{{4}}|[〇零一二三四五六七八九]{{4}})\s*年\s*(?P<m>{_ZH_N})\s*月\s*(?P<d>{_ZH_N})\s*[日号]"
_DATE_EN = (rf"(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mn1>{_MONTH})\.?,?\s+(?P<y1>\d{{4}})"
            rf"|(?P<mn2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})"
            rf"|(?P<y3>\d{{4}})-(?P<m3>\d{{1,2}})-(?P<d3>\d{{1,2}}))")

_EFFECTIVE = [
    re.compile(rf"(?:自|从|于)?\s*{_DATE_ZH}\s*(?:起)?\s*(?:施行|实施|生效|执行|起施行|起实施|起生效|起执行)"),
    re.compile(rf"(?:生效日期|施行日期|实施日期)\s*[：:]?\s*{_DATE_ZH}"),
    # "effective 1 March 2025", "takes effect on …", "Effective date: 1 March 2024" (also in bold: "**Effective:** …")
    re.compile(rf"(?:effective(?:\s+date)?|in\s+force|takes?\s+effect|applies|apply|valid)[\s:：*_]*"
               rf"(?:from\s+|on\s+|as\s+of\s+|since\s+)?(?:the\s+)?{_DATE_EN}", re.I),
]
_END = [
    re.compile(rf"有效期(?:至|到|截至)\s*{_DATE_ZH}"),
    re.compile(rf"{_DATE_ZH}\s*(?:起)?(?:废止|失效)"),
    re.compile(rf"(?:valid|in\s+force|applies)\s+(?:until|through|till)\s+(?:the\s+)?{_DATE_EN}", re.I),
    re.compile(rf"expires?\s+(?:on\s+)?(?:the\s+)?{_DATE_EN}", re.I),
]
_AMENDED = [
    re.compile(rf"{_DATE_ZH}[^。\n]{{0,60}}?(?:修正|修订|修改|通过)"),
    re.compile(rf"(?:amended|revised|updated)\s+(?:on\s+)?(?:the\s+)?{_DATE_EN}", re.I),
]

# Name markers, in the order they are taken out of a name.
_AMENDMENT_MARK = re.compile(r"[（(]\s*(?P<y>(?:19|20)\d{2})\s*年?\s*(?P<kind>修正|修订|修改|版|年版|修订版|修正版)?"
                             r"\s*(?:本)?\s*[)）]")
_DATE_MARK = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-._/年]?(?P<m>0[1-9]|1[0-2])[-._/月]?(?P<d>0[1-9]|[12]\d|3[01])"
                        r"日?(?!\d)")
_VERSION_MARK = re.compile(r"(?i)(?<![a-z])(?:v|ver\.?|version|rev\.?|revision)\s*(?P<n>\d+(?:\.\d+)*)(?![\d])"
                           r"|第\s*(?P<zh>[\d一二三四五六七八九十]+)\s*版|版本\s*(?P<n2>\d+(?:\.\d+)*)")
_YEAR_MARK = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?:\s*年(?:度)?)?(?:\s*(?:年版|版|edition|ed\.))?(?!\d)", re.I)
_DRAFT_MARK = re.compile(r"(?i)(?<![a-z])(?:draft|proposed|consultation)(?![a-z])|草案|征求意见稿|草稿|送审稿|讨论稿")
# Words that say "a version of" without being part of what the document is about.
_NOISE = re.compile(r"(?i)(?<![a-z])(?:final|amended|revised|updated|new|old|current|copy)(?![a-z])|"
                    r"修正案|修订版|修正版|修订|修正|最终版|正式版|新版|旧版|现行")
_EMPTY_BRACKETS = re.compile(r"[（(\[【]\s*[)）\]】]")
_SEPARATORS = re.compile(r"[\s_\-–—.·,，:：;；/\\|]+")


@dataclass(frozen=True)
class NameMarks:
    """A title or file name split into what it is about and which version it names."""

    subject: str  # lower case, markers and separators gone: equal subjects = the same document
    label: str | None  # the version it names, as written ("2024", "v3", "2018修正")
    year: int | None
    on: date | None  # a full date in the name
    number: tuple[int, ...] | None  # a version number: v2.1 → (2, 1)
    draft: bool

    @property
    def marked(self) -> bool:
        return any((self.label, self.draft))


def _int(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(c in "〇零一二三四五六七八九" for c in text):  # 二〇二四: digit by digit
        return int("".join(str(int(chinese_number(c) or 0)) for c in text))
    value = chinese_number(text)
    return int(value) if value is not None else 0


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _match_date(m: re.Match[str]) -> date | None:
    groups = m.groupdict()
    if groups.get("y") is not None and groups.get("m") is not None:
        return _safe_date(_int(groups["y"]), _int(groups["m"]), _int(groups["d"]))
    for n in ("1", "2"):
        if groups.get(f"y{n}"):
            return _safe_date(int(groups[f"y{n}"]), _MONTHS[groups[f"mn{n}"].lower().rstrip(".")],
                              int(groups[f"d{n}"]))
    if groups.get("y3"):
        return _safe_date(int(groups["y3"]), int(groups["m3"]), int(groups["d3"]))
    return None


def name_marks(name: str) -> NameMarks:
    """The subject and version markers of a title or file name (give a file name without its suffix)."""
    rest = name
    label = None
    year = number = on = None
    draft = bool(_DRAFT_MARK.search(rest))
    rest = _DRAFT_MARK.sub(" ", rest)
    if m := _AMENDMENT_MARK.search(rest):
        year, label = int(m["y"]), f"{m['y']}{m['kind'] or ''}"
        rest = rest[:m.start()] + " " + rest[m.end():]
    if m := _DATE_MARK.search(rest):
        on = _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
        if on:
            year, label = year or on.year, label or on.isoformat()
            rest = rest[:m.start()] + " " + rest[m.end():]
    if m := _VERSION_MARK.search(rest):
        raw = m["n"] or m["n2"] or str(_int(m["zh"]))
        number = tuple(int(p) for p in raw.split("."))
        label = label or f"v{raw}"
        rest = rest[:m.start()] + " " + rest[m.end():]
    for m in list(_YEAR_MARK.finditer(rest))[::-1]:  # every year goes; the last one written is the version's
        year = year or int(m["y"])
        label = label or m["y"]
        rest = rest[:m.start()] + " " + rest[m.end():]
    rest = _EMPTY_BRACKETS.sub(" ", _NOISE.sub(" ", rest))
    subject = _SEPARATORS.sub(" ", rest.lower()).strip(" ()（）[]【】")
    return NameMarks(subject=subject, label=label, year=year, on=on, number=number, draft=draft)


# Words without which none of the patterns below can match: most texts are passed over after one cheap search.
_HINT = re.compile(r"(?i)effect|force|valid|appl|expir|amend|revis|updat|"
                   r"施行|实施|生效|执行|有效期|废止|失效|修正|修订|修改|通过")


def _first(patterns: list[re.Pattern[str]], text: str, last: bool = False) -> date | None:
    if not _HINT.search(text):
        return None
    found = [d for p in patterns for m in p.finditer(text) if (d := _match_date(m))]
    if not found:
        return None
    return max(found) if last else found[0]


def _ends(text: str) -> str:
    """Where a document says when it holds: its start (a policy's header) and its end (a regulation's last article,
    "本办法自…起施行"); the middle of a long document is left unread."""
    return text if len(text) <= 9000 else f"{text[:6000]}\n{text[-3000:]}"


def effective_date(text: str) -> date | None:
    """When the text says it takes effect: the first such sentence (the law's own, before any it quotes)."""
    return _first(_EFFECTIVE, _ends(text))


def end_date(text: str) -> date | None:
    return _first(_END, _ends(text))


def amended_date(text: str) -> date | None:
    """The latest enactment/amendment date in a law's preamble (its first 1500 characters)."""
    return _first(_AMENDED, text[:1500], last=True)


def asked_markers(question: str) -> set[str]:
    """Version markers a question names: years, dates and version numbers ("what did the 2018 law say", "v2")."""
    found = {m["y"] for m in _YEAR_MARK.finditer(question)}
    for m in _VERSION_MARK.finditer(question):
        found.add(f"v{m['n'] or m['n2'] or _int(m['zh'])}")
    return found


_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?P<body>.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(the version keys of a leading YAML block, the text without it). A block that is not YAML mapping stays text:
    a document that merely starts with a horizontal rule keeps it."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        data = yaml.safe_load(m["body"])
    except yaml.YAMLError:
        return {}, text
    if not isinstance(data, dict):
        return {}, text
    return declared_facts(data), text[m.end():]


def declared_facts(data: dict[str, Any]) -> dict[str, Any]:
    """The version keys of a mapping, as Chroma metadata takes them: strings, or a list of strings (supersedes)."""
    facts: dict[str, Any] = {}
    for key in DECLARED_KEYS:
        value = data.get(key)
        if value is None or value == "" or value == []:
            continue
        if key == "supersedes":
            items = value if isinstance(value, list) else [value]
            facts[key] = [str(v) for v in items if str(v).strip()]
        elif key == "status":
            status = str(value).strip().lower()
            facts[key] = {"in force": "current", "active": "current", "final": "current"}.get(status, status)
        else:
            facts[key] = value.isoformat() if isinstance(value, date) else str(value)
    if facts.get("status") not in (None, *STATUSES):
        facts.pop("status")  # an unknown word (a workflow's own) says nothing we can use
    return {k: v for k, v in facts.items() if v}


def parse_date(value: Any) -> date | None:
    """A declared date: ISO (2024-01-01), a year-month, or a sentence date in either language."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", text):
        return _safe_date(int(m[1]), int(m[2]), int(m[3] or 1))
    for pattern in (re.compile(_DATE_ZH), re.compile(_DATE_EN, re.I)):
        if m2 := pattern.search(text):
            return _match_date(m2)
    return None
