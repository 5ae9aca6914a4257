"""The answer as plain text: what a small CPU model is asked to write instead of JSON (prompts/format_text_*.md).

    Question: <the question restated>
    1. <a point> [1]
    2. <a point> [2, 3]
    Conclusion: <the direct answer>
    Suggestions:
    - <a follow-up>

Why: on a 2-core CPU the JSON grammar llama.cpp checks at every step costs about a third of the writing time, and
JSON's keys and quotes are tokens the reader never sees; the labels above are a handful (see README, "Embedded
model"). It streams as readable text to every door. Models are loose with the form, so reading it is lenient: labels
in English or Chinese, with or without Markdown bold or a heading mark, `-`/`•` bullets taken as points before the
conclusion, a point's lines after its first joined to it. Citations are the inline [n] that prompts/parse.py reads."""
from __future__ import annotations

import re
from typing import Any

# A label at the start of a line: "Conclusion:", "**结论：**", "### Suggestions" (the colon may be missing after a
# heading mark or bold). Longest names first so "问题复述" is not read as "问题".
_LABELS = {
    "restatement": ("restatement", "question", "问题复述", "复述", "问题"),
    "points": ("key points", "points", "要点"),
    "conclusion": ("conclusion", "answer", "结论", "回答"),
    "suggestions": ("suggestions", "suggestion", "next steps", "建议"),
}
_LABEL = re.compile(
    r"^\s*(?:#{1,6}\s*)?\**\s*(?P<name>" + "|".join(re.escape(n) for names in _LABELS.values() for n in names)
    + r")\s*\**\s*(?:[:：]\s*\**|(?=\s*$))\s*(?P<rest>.*)$", re.I)
_ITEM = re.compile(r"^\s*(?:\d{1,2}\s*[.、)．）]|[-*•·])\s*(?P<text>\S.*)$")


def _section(name: str) -> str:
    lowered = name.lower()
    return next(section for section, names in _LABELS.items() if lowered in names)


def labelled_restatement(text: str) -> bool:
    """Does the reply begin with the restatement's label ("Question:", "问题：")? Then it is the text form even when
    the model stopped after that line (the 0.5B model does), not prose to keep as the conclusion."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    label = _LABEL.match(first)
    return label is not None and _section(label.group("name")) == "restatement"


def read_text_answer(text: str) -> dict[str, Any]:
    """The reply's parts as the dict prompts/parse.py coerces into an Answer (points as {"text"}: their [n] are
    read there). Lines before any label or point are the restatement (so bare prose gives neither points nor a
    conclusion, and parse.py keeps it as prose); text after the conclusion that is not a
    suggestion is added to the conclusion."""
    parts: dict[str, Any] = {"restatement": [], "points": [], "conclusion": [], "suggestions": []}
    section = "restatement"
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line or line in ("```", "---"):
            continue
        if (item := _ITEM.match(line)) is not None and _LABEL.match(item.group("text")):
            line = item.group("text")  # "2. Conclusion: …": a label the model numbered as if it were a point
        if (label := _LABEL.match(line)) is not None:
            section = _section(label.group("name"))
            line = label.group("rest").strip().strip("*").strip()
            if not line:
                continue
            if section == "points" and _ITEM.match(line) is None:
                parts["points"].append(line)
                continue
        item = _ITEM.match(line)
        if item is not None:
            if section in ("restatement", "points"):
                section = "points"
                parts["points"].append(item.group("text").strip())
                continue
            if section == "suggestions":
                parts["suggestions"].append(item.group("text").strip())
                continue
        if section == "points" and parts["points"]:
            parts["points"][-1] += " " + line  # a point written over several lines
        elif section == "suggestions" and parts["suggestions"]:
            parts["suggestions"][-1] += " " + line
        elif section == "suggestions":
            parts["suggestions"].append(line)
        else:
            parts[section if section != "points" else "conclusion"].append(line)
    return {"restatement": " ".join(parts["restatement"]),
            "points": [{"text": p} for p in parts["points"]],
            "conclusion": " ".join(parts["conclusion"]),
            "suggestions": parts["suggestions"]}
