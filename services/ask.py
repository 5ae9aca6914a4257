"""The one ask pipeline every front door calls: search → relevant? → prompt → model → parse → check citations →
ground each point → AskResponse. When the model is down, slow or unreadable the answer degrades to the ranked sources
with a notice; it never fails the request."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from prompts.build import PromptSource, build_messages
from prompts.language import detect_language
from prompts.parse import AnswerParseError, parse_answer
from prompts.schema import SECTION_LABELS, Answer, answer_json_schema
from retrieval.context import assemble_context
from retrieval.hits import Hit
from retrieval.search import Retriever
from services.citations import verify_citations
from services.conversations import ConversationStore, Turn, conversation_store
from services.grounding import Thresholds, ground_answer, relevance
from services.identity import User
from services.issued_answers import IssuedAnswers, issued_answers
from services.llm.base import ChatModel, ChatReply, ModelError, UnreadableReply, with_retries
from services.observability import context
from services.observability.answers import AnswerRecorder, observe_retrieval
from services.observability.audit import AuditLog, audit_path
from services.schemas import AskResponse, GroundedAnswer, SearchResponse, Source, Timings
from services.settings import Settings

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question itself is unusable (empty, too long)."""


def snippet(text: str, limit: int, focus: int = 0) -> str:
    """At most `limit` characters of `text` from `focus` on (a merged source: where its best chunk starts)."""
    lead = "… " if text[:focus].strip() else ""
    text = " ".join(text[focus:].split())
    limit = max(1, limit - len(lead))
    if len(text) <= limit:
        return lead + text
    cut = text[:limit]
    for mark in ("。", ". ", "；", "; ", "，", ", ", " "):
        at = cut.rfind(mark)
        if at > limit * 0.6:
            return lead + cut[: at + len(mark)].rstrip() + " …"
    return lead + cut + "…"


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
        snippet=snippet(hit.text, snippet_chars, int(meta.get("focus") or 0)),
        score=round(hit.score, 6),
    )


@dataclass
class Prepared:
    """Everything decided before the model is called."""
    question: str
    language: str
    user: User
    conversation_id: str
    started: float
    retrieval_ms: float
    hits: list[Hit] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    schema: dict = field(default_factory=dict)
    source_vectors: list | None = None
    recorded: bool = False  # metrics and the audit record written (services/observability)

    @property
    def labels(self) -> dict[str, str]:
        return SECTION_LABELS[self.language]

    def response(self, answer: GroundedAnswer, **fields) -> AskResponse:
        fields.setdefault("timings", Timings(retrieval_ms=round(self.retrieval_ms, 1)))
        return AskResponse(question=self.question, language=self.language, sources=self.sources,
                           conversation_id=self.conversation_id, answer=answer, **fields)


class AskPipeline:
    def __init__(self, settings: Settings, retriever: Retriever, model: ChatModel | None,
                 conversations: ConversationStore | None = None, issued: IssuedAnswers | None = None,
                 recorder: AnswerRecorder | None = None):
        """The container (services/container.py) passes its own stores and recorder; left out, they are built here
        from the settings (a pipeline a test or a tool builds alone)."""
        self.settings = settings
        self.retriever = retriever
        self.model = model
        self.conversations = conversations or conversation_store(settings)
        self.issued = issued or issued_answers(settings)  # answer ids feedback may name (services/issued_answers.py)
        self.recorder = recorder or AnswerRecorder(AuditLog(audit_path(settings)))

    def check_question(self, question: str) -> str:
        question = question.strip()
        if not question:
            raise QuestionError("the question is empty")
        if len(question) > self.settings.limits.max_question_chars:
            raise QuestionError(f"the question is longer than {self.settings.limits.max_question_chars} characters")
        return question

    def _retrieve(self, question: str, user: User) -> tuple[list[Hit], float]:
        """The numbered sources (source n = element n-1) for both the prompt and the response."""
        start = time.perf_counter()
        # Twice top_k: duplicates are dropped and neighbouring chunks merged before top_k sources are kept.
        hits = self.retriever.search(question, user.groups, 2 * self.settings.retrieval.top_k)
        hits = assemble_context(hits, self.settings.context_tokens, max_sources=self.settings.retrieval.top_k)
        elapsed_ms = (time.perf_counter() - start) * 1000
        observe_retrieval(elapsed_ms)
        return hits, elapsed_ms

    def search(self, question: str, user: User) -> SearchResponse:
        question = self.check_question(question)
        hits, retrieval_ms = self._retrieve(question, user)
        sources = [to_source(n, h, self.settings.retrieval.snippet_chars) for n, h in enumerate(hits, start=1)]
        self.recorder.searched(user=user, question=question, sources=sources)
        return SearchResponse(question=question, sources=sources, timings=Timings(retrieval_ms=round(retrieval_ms, 1)))

    def _embed(self, texts: list[str]) -> list | None:
        try:
            return self.retriever.embedder.embed_documents(texts)
        except Exception as exc:  # grounding then falls back to lexical overlap alone
            log.warning("embedding for grounding failed: %s", exc)
            return None

    def _stored_vectors(self, prep: Prepared) -> list | None:
        """Per source, its chunks' vectors as indexed (re-embedding would cost ~90 ms a chunk); fetched once."""
        if prep.source_vectors is None and prep.hits:
            chunk_ids = [h.metadata.get("chunk_ids") or [h.id] for h in prep.hits]  # merged sources: several
            try:
                got = self.retriever.collection.get(ids=sorted({c for ids in chunk_ids for c in ids}),
                                                    include=["embeddings"])
                vectors = got["embeddings"]
                if vectors is None:  # never when asked for; handled below like any failure to read them
                    raise ValueError("Chroma returned no embeddings")
                by_id = dict(zip(got["ids"], vectors, strict=True))
                prep.source_vectors = [[by_id[c] for c in ids if c in by_id] for ids in chunk_ids]
                if not all(prep.source_vectors):
                    prep.source_vectors = None  # a chunk vanished (re-index): lexical overlap alone
            except Exception as exc:
                log.warning("stored vectors unavailable for grounding: %s", exc)
        return prep.source_vectors

    def _is_relevant(self, query: str, prep: Prepared) -> bool:
        """Is anything retrieved about the question? Term overlap first (free); the embedding only when it fails."""
        texts = [h.text for h in prep.hits]
        if relevance(query, texts)[0] >= self.settings.answers.not_found_min_overlap:
            return True
        vectors = self._stored_vectors(prep)
        try:
            question_vector = self.retriever.embedder.embed_query(query) if vectors is not None else None
        except Exception as exc:
            log.warning("question embedding for the relevance check failed: %s", exc)
            question_vector = None
        # Without vectors only the lexical test is known: do not call a question off-topic on half the evidence.
        if question_vector is None:
            return True
        return relevance(query, texts, question_vector, vectors)[1] >= self.settings.on_topic_similarity

    def prepare(self, question: str, user: User, conversation_id: str | None = None,
                history: list[Turn] | None = None) -> tuple[Prepared, AskResponse | None]:
        """Retrieve and build the prompt; the second value is the final response when the model must not be asked."""
        started = time.perf_counter()
        question = self.check_question(question)
        language = detect_language(question)
        conversation_id = conversation_id or self.conversations.new_id()
        if history is None:
            history = self.conversations.history(user.key, conversation_id)
        # A follow-up ("and for contractors?") is searched together with the question it follows.
        query = f"{history[-1].question} {question}" if history else question
        hits, retrieval_ms = self._retrieve(query, user)
        prep = Prepared(question=question, language=language, user=user, conversation_id=conversation_id,
                        started=started, retrieval_ms=retrieval_ms, hits=hits,
                        sources=[to_source(n, h, self.settings.retrieval.snippet_chars)
                                 for n, h in enumerate(hits, start=1)])
        if not hits or not self._is_relevant(query, prep):
            # Nothing the user may see is about this: say so rather than let the model improvise.
            notice = prep.labels["not_found"]
            prep.sources = []
            return prep, self._done(prep, prep.response(GroundedAnswer(conclusion=notice), model=None,
                                                        grounded=False, notice=notice, not_found=True))
        prompt_sources = [
            PromptSource(number=n, title=str(h.metadata.get("title", "")), text=h.text, page=h.metadata.get("page"))
            for n, h in enumerate(hits, start=1)
        ]
        messages = build_messages(question, prompt_sources, language)
        earlier = [m for t in history for m in ({"role": "user", "content": t.question},
                                                {"role": "assistant", "content": t.answer})]
        prep.messages = messages[:1] + earlier + messages[1:]
        prep.schema = answer_json_schema(len(prompt_sources))
        return prep, None

    def _chat(self, prep: Prepared, temperature: float):
        model = self.model
        if model is None:
            raise ModelError("no model is configured")
        try:
            return with_retries(
                lambda: model.chat(prep.messages, max_tokens=self.settings.llm.max_tokens,
                                   temperature=temperature, json_schema=prep.schema),
                self.settings.llm.retries, self.settings.llm.retry_backoff_s)
        except UnreadableReply as exc:  # read_reply asks once more
            log.warning("unreadable reply from the model server: %s", exc)
            return ChatReply(text="", model=model.name)

    def read_reply(self, prep: Prepared, text: str, model_name: str) -> tuple[Answer, str]:
        """Parse a reply; an unreadable one is asked for once more, at temperature 0."""
        try:
            return parse_answer(text), model_name
        except AnswerParseError:
            log.warning("unreadable model reply, retrying once (%d chars)", len(text))
        reply = self._chat(prep, 0.0)
        try:
            return parse_answer(reply.text), reply.model
        except AnswerParseError as exc:
            raise ModelError("the model's reply could not be read as an answer, twice") from exc

    def degraded(self, prep: Prepared, exc: ModelError) -> AskResponse:
        """The model failed: the ranked sources with their snippets still answer the search part of the question."""
        log.warning("degraded answer (%s): %s", type(exc).__name__, exc)
        notice = prep.labels["model_unavailable"]
        timings = Timings(retrieval_ms=round(prep.retrieval_ms, 1),
                          generation_ms=round((time.perf_counter() - prep.started) * 1000 - prep.retrieval_ms, 1))
        return self._done(prep, prep.response(GroundedAnswer(conclusion=notice), model=None, grounded=False,
                                              notice=notice, degraded=True, timings=timings), exc)

    def finish(self, prep: Prepared, answer: Answer, model_name: str, generation_ms: float,
               first_token: dict | None = None) -> AskResponse:
        answer, dropped = verify_citations(answer, len(prep.sources))
        if dropped:
            log.info("dropped %d citation numbers that referred to no source", dropped)
        source_vectors = self._stored_vectors(prep) if answer.points else None
        vectors = self._embed([p.text for p in answer.points]) if source_vectors else None
        grounded_answer, grounding = ground_answer(
            answer, [h.text for h in prep.hits],
            Thresholds(self.settings.answers.grounding_min_overlap, self.settings.supported_similarity),
            vectors, source_vectors if vectors else None, self.settings.answers.grounding_drop_unsupported,
            self.settings.answers.grounding_fix_citations)
        grounding.dropped_citations = dropped
        grounded = any(p.citations for p in grounded_answer.points)
        supported = any(p.supported for p in grounded_answer.points)
        self.conversations.add(prep.user.key, prep.conversation_id,
                               Turn(prep.question, answer.model_dump_json(exclude_none=True)))
        return self._done(prep, prep.response(
            grounded_answer, model=model_name, grounded=grounded, grounding=grounding,
            notice=None if supported else prep.labels["no_citation"],
            timings=Timings(retrieval_ms=round(prep.retrieval_ms, 1), generation_ms=round(generation_ms, 1),
                            **(first_token or {}))))

    def _issue_answer_id(self, prep: Prepared, response: AskResponse) -> str | None:
        """The id feedback on this answer names; what it rates is kept with it, for this user only."""
        try:
            return self.issued.issue(prep.user.key, {
                "question": prep.question, "conversation_id": prep.conversation_id, "model": response.model,
                "sources": [s.doc_id for s in response.sources], "door": context.door_of(prep.user.name)})
        except Exception as exc:  # the store (Redis) is down: this answer cannot be rated, but it is still given
            log.warning("answer id not kept, feedback on this answer will be refused: %s", exc)
            return None

    def _done(self, prep: Prepared, response: AskResponse, error: ModelError | None = None) -> AskResponse:
        """Every answer passes here once: its answer id, metrics and the audit record (services/observability)."""
        prep.recorded = True
        response.answer_id = self._issue_answer_id(prep, response)
        self.recorder.answered(user=prep.user, question=prep.question, conversation_id=prep.conversation_id,
                               sources=prep.sources, response=response, error=error)
        return response

    @contextmanager
    def _recorded_even_if_unfinished(self, prep: Prepared):
        """A question whose answer never came (client gone, error) is still audited, with the sources it was shown."""
        outcome = "failed"
        try:
            yield
            outcome = "cancelled"  # left without an answer: only a cancelled stream does
        except GeneratorExit:  # the stream was closed (the client went away)
            outcome = "cancelled"
            raise
        finally:
            if not prep.recorded:
                prep.recorded = True
                self.recorder.answered(user=prep.user, question=prep.question, conversation_id=prep.conversation_id,
                                       sources=prep.sources, outcome=outcome)

    def ask(self, question: str, user: User, conversation_id: str | None = None,
            history: list[Turn] | None = None) -> AskResponse:
        prep, early = self.prepare(question, user, conversation_id, history)
        if early is not None:
            return early
        start = time.perf_counter()
        with self._recorded_even_if_unfinished(prep):
            try:
                reply = self._chat(prep, self.settings.llm.temperature)
                answer, model_name = self.read_reply(prep, reply.text, reply.model)
            except ModelError as exc:
                return self.degraded(prep, exc)
            return self.finish(prep, answer, model_name, (time.perf_counter() - start) * 1000)

    def ask_stream(self, question: str, user: User, conversation_id: str | None = None,
                   history: list[Turn] | None = None,
                   cancel: threading.Event | None = None) -> Generator[tuple[str, object], None, None]:
        """("sources", Prepared: the question, its language, conversation id and sources), then ("token", text) as
        the model writes, then ("answer", AskResponse).
        Setting `cancel` (or closing this iterator) stops generation: the model stream is closed."""
        prep, early = self.prepare(question, user, conversation_id, history)
        with self._recorded_even_if_unfinished(prep):
            yield "sources", prep
            if early is not None:
                yield "answer", early
                return
            from services.streaming import stream_reply

            start = time.perf_counter()
            try:
                try:
                    text, model_name, first_token = yield from stream_reply(self, prep, cancel)
                except UnreadableReply as exc:  # read_reply asks once more
                    log.warning("unreadable streamed reply from the model server: %s", exc)
                    text, first_token = "", {}
                    model_name = self.model.name if self.model is not None else ""  # stream_reply checked it
                if cancel is not None and cancel.is_set():
                    return
                answer, model_name = self.read_reply(prep, text, model_name)
            except ModelError as exc:
                yield "answer", self.degraded(prep, exc)
                return
            yield "answer", self.finish(prep, answer, model_name, (time.perf_counter() - start) * 1000, first_token)
