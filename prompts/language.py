"""Which language a question is in: Chinese when CJK characters dominate its letters, else English."""
from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]+")


def language_mix(text: str) -> float:
    """How bilingual a text is: the share of its words (one Chinese character counting as one) in the script it has
    less of; 0 for one language, 0.5 for half and half."""
    cjk = len(_CJK.findall(text))
    latin_words = len(_LATIN.findall(text))
    return min(cjk, latin_words) / (cjk + latin_words) if cjk + latin_words else 0.0


def detect_language(text: str) -> str:
    cjk = len(_CJK.findall(text))
    latin_words = len(_LATIN.findall(text))
    # One Chinese character carries about as much as one English word.
    return "zh" if cjk and cjk >= latin_words else "en"
