"""The answer schema: what the model must produce inside its final answer, and what every front door renders."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Quote(BaseModel):
    source: int = Field(description="the number of the source quoted")
    text: str = Field(description="the source's own words, verbatim")


class Point(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list, description="numbers of the sources that support this point")
    quotes: list[Quote] = Field(default_factory=list, description="the words of the sources this point rests on")


class Answer(BaseModel):
    restatement: str = ""
    points: list[Point] = Field(default_factory=list)
    conclusion: str = ""
    suggestions: list[str] = Field(default_factory=list)


SECTION_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "restatement": "Question",
        "points": "Key points",
        "conclusion": "Conclusion",
        "suggestions": "Suggestions",
        "sources": "Sources",
        "no_citation": "None of these statements could be tied to a source document; treat them with caution.",
        "not_found": "I could not find this in the documents you can access.",
        "model_unavailable": "The model is unavailable right now; here are the most relevant documents.",
        "unsupported": "not supported by the cited sources",
        "evidence": "From the sources",
        "corrected": "figure corrected from the quote",
        "mismatch": "its figures differ from the quoted source",
        "unstated": "states a figure none of the sources gives",
        "rate_limited": "Too many questions: at most {limit} a minute. Try again in {wait} s.",
        "status_superseded": "superseded",
        "status_draft": "draft",
        "status_expired": "expired",
        "status_upcoming": "not yet in effect",
        "status_current": "in force",
        "superseded_by": "replaced by “{title}”",
        "effective": "effective {date}",
    },
    "zh": {
        "restatement": "问题",
        "points": "要点",
        "conclusion": "结论",
        "suggestions": "建议",
        "sources": "来源",
        "no_citation": "以下内容均无法对应到来源文档，请谨慎参考。",
        "not_found": "在您有权访问的文档中没有找到相关内容。",
        "model_unavailable": "模型暂时不可用，以下是最相关的文档。",
        "unsupported": "引用的来源不支持此要点",
        "evidence": "来源原文",
        "corrected": "数字已按引文更正",
        "mismatch": "其中的数字与引用的原文不符",
        "unstated": "其中的数字在来源中找不到",
        "rate_limited": "提问太频繁：每分钟最多 {limit} 个问题，请 {wait} 秒后再试。",
        "status_superseded": "已被取代",
        "status_draft": "草案",
        "status_expired": "已失效",
        "status_upcoming": "尚未生效",
        "status_current": "现行有效",
        "superseded_by": "已被《{title}》取代",
        "effective": "自{date}起施行",
    },
}


MAX_QUOTES = 3  # per point


def answer_json_schema(source_count: int | None = None, quotes: bool = True) -> dict[str, Any]:
    """JSON schema of Answer, small enough to be compiled into a grammar by llama.cpp.

    With `source_count`, each point must cite at least one source and only numbers 1..source_count, and quote at
    least one: servers that enforce the schema (llama.cpp grammars, vLLM guided decoding) then cannot emit an invalid
    or missing citation. A point's quotes come first, so the model copies the words before it writes the point.
    Without `quotes` the model is not asked for them (grounding then shows the sentence each point best matches).
    """
    citation: dict[str, Any] = {"type": "integer"}
    if source_count:
        citation = {"type": "integer", "enum": list(range(1, source_count + 1))}
    quote = {"type": "object", "properties": {"source": citation, "text": {"type": "string"}},
             "required": ["source", "text"]}
    point: dict[str, Any] = {
        "quotes": {"type": "array", "items": quote, "minItems": 1 if source_count else 0, "maxItems": MAX_QUOTES},
        "text": {"type": "string"},
        "citations": {"type": "array", "items": citation, "minItems": 1 if source_count else 0},
    }
    if not quotes:
        del point["quotes"]
    return {
        "type": "object",
        "properties": {
            "restatement": {"type": "string"},
            "points": {
                "type": "array",
                "items": {"type": "object", "properties": point, "required": list(point)},
            },
            "conclusion": {"type": "string"},
            "suggestions": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["restatement", "points", "conclusion", "suggestions"],
    }
