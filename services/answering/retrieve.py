"""Stage 1, retrieve: the question checked, the conversation's last turns, and the numbered sources the user may see
(source n = hit n-1, for both the prompt and the response)."""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingestion.tables import TABLE_LINE
from prompts.language import detect_language
from prompts.schema import SECTION_LABELS
from retrieval.context import assemble_context
from retrieval.hits import Hit
from retrieval.scope import DocumentScope
from retrieval.search import Retriever
from services.answering.versions import versions_note
from services.assistants import Assistant
from services.conversations import Turn
from services.identity import User
from services.observability.answers import observe_retrieval
from services.schemas import AskResponse, GroundedAnswer, Source, Timings


class QuestionError(ValueError):
    """The question itself is unusable (empty, too long)."""


def check_question(question: str, max_chars: int) -> str:
    question = question.strip()
    if not question:
        raise QuestionError("the question is empty")
    if len(question) > max_chars:
        raise QuestionError(f"the question is longer than {max_chars} characters")
    return question


def _one_line_but_tables(text: str) -> str:
    """Whitespace collapsed, except that the rows of a Markdown table stay rows (the web page draws them)."""
    out: list[str] = []
    for line in text.splitlines():
        if TABLE_LINE.match(line.strip()):
            out.append(("\n" if out else "") + line.strip() + "\n")
        elif line.split():
            out.append(" ".join(line.split()) + " ")
    return "".join(out).replace(" \n", "\n").strip()


def snippet(text: str, limit: int, focus: int = 0) -> str:
    """At most `limit` characters of `text` from `focus` on (a merged source: where its best chunk starts)."""
    lead = "… " if text[:focus].strip() else ""
    text = _one_line_but_tables(text[focus:]).replace("\n\n", "\n")
    if lead and text.startswith("|"):
        lead = "…\n"  # on a line of its own: a table's header row must stay a row
    limit = max(1, limit - len(lead))
    if len(text) <= limit:
        return lead + text
    cut = text[:limit]
    for mark in ("。", ". ", "；", "; ", "，", ", ", " "):
        at = cut.rfind(mark)
        if at > limit * 0.6:
            return lead + cut[: at + len(mark)].rstrip() + " …"
    return lead + cut + "…"


def _uri(source: str, parent: str) -> str:
    """A local file's path as a file:// URI; a mail attachment's as its mail's, with its own part (#attachment/…)."""
    if parent and source.startswith(parent):
        return _uri(parent, "") + source[len(parent):]
    return Path(source).as_uri() if source.startswith("/") else source


def _mail(meta: Mapping[str, Any]) -> str | None:
    """The mail an attachment came with, for a citation: its subject and the day it was sent."""
    if not meta.get("parent_source"):
        return None
    title = str(meta.get("mail_subject") or meta.get("mail_title") or "")
    day = str(meta.get("mail_date") or "")[:10]
    return ", ".join(p for p in (f"“{title}”" if title else "", day) if p) or None


def to_source(number: int, hit: Hit, snippet_chars: int) -> Source:
    meta = hit.metadata
    source = str(meta.get("source", ""))
    parent = str(meta.get("parent_source") or "")
    return Source(
        id=number,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title") or Path(source).name),
        uri=_uri(source, parent),
        page=meta.get("page"),
        heading=meta.get("heading"),
        snippet=snippet(hit.text, snippet_chars, int(meta.get("focus") or 0)),
        score=round(hit.score, 6),
        # Version facts (retrieval/versions.py); superseded_by only when the asker may read the newer version.
        status=meta.get("version_status"),
        version=meta.get("version_label"),
        effective=meta.get("version_effective"),
        superseded_by=meta.get("superseded_by_title"),
        superseded_by_doc_id=meta.get("superseded_by"),
        ocr=bool(meta.get("ocr")),
        attachment=str(meta["attachment"]) if meta.get("attachment") else None,
        location=str(meta["location"]) if meta.get("location") else None,  # set by connectors (ingestion/connectors)
        mail=_mail(meta),
        mail_doc_id=str(meta["parent_doc_id"]) if meta.get("parent_doc_id") else None,
    )


def search_sources(retriever: Retriever, query: str, user: User, top_k: int, context_tokens: int,
                   scope: DocumentScope | None = None) -> tuple[list[Hit], float]:
    """The hits the user may see (inside an assistant's `scope`), deduplicated, merged and cut to the budget; and how
    long that took (ms)."""
    start = time.perf_counter()
    # Twice top_k: duplicates are dropped and neighbouring chunks merged before top_k sources are kept.
    hits = retriever.search(query, user.groups, 2 * top_k, scope)
    hits = assemble_context(hits, context_tokens, max_sources=top_k)
    elapsed_ms = (time.perf_counter() - start) * 1000
    observe_retrieval(elapsed_ms)
    return hits, elapsed_ms


@dataclass(frozen=True)
class Retrieved:
    """Everything known before the model is asked."""
    question: str
    query: str  # what was searched: a follow-up together with the question it follows
    language: str
    user: User
    conversation_id: str
    history: list[Turn]
    started: float  # perf_counter when the question arrived
    retrieval_ms: float
    hits: list[Hit] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    assistant: Assistant | None = None  # the one answering: its scope was searched; its instructions, model, disclaimer

    @property
    def labels(self) -> dict[str, str]:
        return SECTION_LABELS[self.language]

    def without_sources(self) -> Retrieved:
        """Nothing retrieved is about the question: the user is shown none of it."""
        return replace(self, sources=[])

    @property
    def versions_note(self) -> str | None:
        """Perimeter's own note when an earlier version and the one in force are both among the sources."""
        return versions_note(self.hits, self.language) if self.sources else None

    def response(self, answer: GroundedAnswer, **fields: Any) -> AskResponse:
        fields.setdefault("timings", Timings(retrieval_ms=round(self.retrieval_ms, 1)))
        fields.setdefault("versions_note", self.versions_note)
        if self.assistant is not None:  # every answer of an assistant carries its disclaimer (not found too)
            fields.update(assistant=self.assistant.name, disclaimer=self.assistant.disclaimer_in(self.language))
        return AskResponse(question=self.question, language=self.language, sources=self.sources,
                           conversation_id=self.conversation_id, answer=answer, **fields)


def retrieve(retriever: Retriever, question: str, user: User, conversation_id: str, history: list[Turn], *,
             top_k: int, context_tokens: int, snippet_chars: int, started: float,
             assistant: Assistant | None = None) -> Retrieved:
    """`question` is already checked (check_question); `history` the conversation's earlier turns; `assistant`
    (already allowed for `user`) narrows the search to its scope."""
    # A follow-up ("and for contractors?") is searched together with the question it follows.
    query = f"{history[-1].question} {question}" if history else question
    scope = assistant.scope if assistant is not None else None
    hits, retrieval_ms = search_sources(retriever, query, user, top_k, context_tokens, scope)
    return Retrieved(question=question, query=query, language=detect_language(question), user=user,
                     conversation_id=conversation_id, history=history, started=started, retrieval_ms=retrieval_ms,
                     hits=hits, sources=[to_source(n, h, snippet_chars) for n, h in enumerate(hits, start=1)],
                     assistant=assistant)
