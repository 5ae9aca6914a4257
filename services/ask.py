"""The one ask pipeline every front door calls: search → prompt → model → parse → check citations → AskResponse."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from ingestion.chunk import estimate_tokens
from prompts.build import PromptSource, build_messages
from prompts.language import detect_language
from prompts.parse import AnswerParseError, parse_answer
from prompts.schema import SECTION_LABELS, Answer, answer_json_schema
from retrieval.hits import Hit
from retrieval.search import Retriever
from services.citations import has_valid_citation, verify_citations
from services.identity import User
from services.llm.base import ChatModel, ModelError
from services.schemas import AskResponse, SearchResponse, Source, Timings
from services.settings import Settings

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question itself is unusable (empty, too long)."""


def snippet(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in ("。", ". ", "；", "; ", "，", ", ", " "):
        at = cut.rfind(mark)
        if at > limit * 0.6:
            return cut[: at + len(mark)].rstrip() + " …"
    return cut + "…"


def to_source(number: int, hit: Hit, snippet_chars: int) -> Source:
    meta = hit.metadata
    source = str(meta.get("source", ""))
    return Source(
        id=number,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title") or Path(source).name),
        uri=Path(source).as_uri() if source.startswith("/") else source,
        page=meta.get("page"),
        heading=meta.get("heading"),
        snippet=snippet(hit.text, snippet_chars),
        score=round(hit.score, 6),
    )


def within_budget(hits: list[Hit], budget_tokens: int) -> list[Hit]:
    """The best hits whose text fits the model's context budget (always at least one)."""
    kept, used = [], 0
    for hit in hits:
        cost = estimate_tokens(hit.text) + 20
        if kept and used + cost > budget_tokens:
            break
        kept.append(hit)
        used += cost
    return kept


class AskPipeline:
    def __init__(self, settings: Settings, retriever: Retriever, model: ChatModel | None):
        self.settings = settings
        self.retriever = retriever
        self.model = model

    def check_question(self, question: str) -> str:
        question = question.strip()
        if not question:
            raise QuestionError("the question is empty")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(f"the question is longer than {self.settings.max_question_chars} characters")
        return question

    def _retrieve(self, question: str, user: User) -> tuple[list[Hit], float]:
        start = time.perf_counter()
        hits = self.retriever.search(question, user.groups, self.settings.top_k)
        return hits, (time.perf_counter() - start) * 1000

    def search(self, question: str, user: User) -> SearchResponse:
        question = self.check_question(question)
        hits, retrieval_ms = self._retrieve(question, user)
        sources = [to_source(n, h, self.settings.snippet_chars) for n, h in enumerate(hits, start=1)]
        return SearchResponse(question=question, sources=sources, timings=Timings(retrieval_ms=round(retrieval_ms, 1)))

    def _generate(self, question: str, hits: list[Hit], language: str) -> tuple[Answer, str]:
        if self.model is None:
            raise ModelError("no model is configured")
        prompt_sources = [
            PromptSource(number=n, title=str(h.metadata.get("title", "")), text=h.text, page=h.metadata.get("page"))
            for n, h in enumerate(hits, start=1)
        ]
        messages = build_messages(question, prompt_sources, language)
        schema = answer_json_schema(len(prompt_sources))
        reply = self.model.chat(messages, max_tokens=self.settings.llm_max_tokens,
                                temperature=self.settings.llm_temperature, json_schema=schema)
        try:
            return parse_answer(reply.text), reply.model
        except AnswerParseError:
            log.warning("unreadable model reply, retrying once (%d chars)", len(reply.text))
        reply = self.model.chat(messages, max_tokens=self.settings.llm_max_tokens, temperature=0.0, json_schema=schema)
        try:
            return parse_answer(reply.text), reply.model
        except AnswerParseError as exc:
            raise ModelError("the model's reply could not be read as an answer, twice") from exc

    def ask(self, question: str, user: User) -> AskResponse:
        question = self.check_question(question)
        language = detect_language(question)
        labels = SECTION_LABELS[language]
        hits, retrieval_ms = self._retrieve(question, user)
        hits = within_budget(hits, self.settings.context_tokens)
        sources = [to_source(n, h, self.settings.snippet_chars) for n, h in enumerate(hits, start=1)]
        if not hits:
            # Nothing the user may see matches: say so rather than let the model improvise.
            return AskResponse(
                question=question, language=language, answer=Answer(conclusion=labels["not_found"]), sources=[],
                model=None, grounded=False, notice=labels["not_found"], timings=Timings(retrieval_ms=retrieval_ms),
            )
        start = time.perf_counter()
        answer, model_name = self._generate(question, hits, language)
        generation_ms = (time.perf_counter() - start) * 1000
        answer, dropped = verify_citations(answer, len(sources))
        if dropped:
            log.info("dropped %d citation numbers that referred to no source", dropped)
        grounded = has_valid_citation(answer)
        return AskResponse(
            question=question,
            language=language,
            answer=answer,
            sources=sources,
            model=model_name,
            grounded=grounded,
            notice=None if grounded else labels["no_citation"],
            timings=Timings(retrieval_ms=round(retrieval_ms, 1), generation_ms=round(generation_ms, 1)),
        )
