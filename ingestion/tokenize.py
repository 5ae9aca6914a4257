"""Keyword tokens for mixed Chinese/English text: jieba for CJK runs, Snowball stemming for the rest.

Shared by the keyword index writer (ingestion) and the keyword search (retrieval) so both see the same tokens.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
import Stemmer

jieba.setLogLevel(logging.WARNING)

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9][A-Za-z0-9_\-.@]*[A-Za-z0-9]|[A-Za-z0-9]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_EN_STOP = frozenset(
    "a an and are as at be but by for from has have how i in is it its of on or that the this to was what when where "
    "which who why will with do does did can my our we you your me".split()
)
_ZH_STOP = frozenset(
    "的 了 是 在 和 与 或 及 等 吗 呢 吧 啊 什么 怎么 如何 哪些 多少 我 我们 你 您 公司 请问 ？ 。 ，".split()
)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    stem = _stemmer().stemWord
    for run in _RUNS.findall(text.lower()):
        if _CJK.match(run):
            tokens.extend(t for t in jieba.lcut_for_search(run) if t.strip() and t not in _ZH_STOP)
        elif run not in _EN_STOP:
            tokens.append(stem(run))
    return tokens
