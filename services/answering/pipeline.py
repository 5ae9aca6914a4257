"""The one ask pipeline every front door calls, in stages with typed hand-offs:

    retrieve (Retrieved) ─▶ decide: not found? (no model call) ─▶ generate (Token…, Generated; degraded when the
    model fails) ─▶ check citations (Checked) ─▶ ground (Grounded) ─▶ record (answer id, audit, metrics) ─▶ AskResponse

`answer_stream` yields the events of services/answering/events.py; `answer` runs the same stream and returns its
final answer. When the model is down, slow or unreadable the answer degrades to the ranked sources with a notice; it
never fails the request."""
from __future__ import annotations

import threading
import time
from collections.abc import Generator

from retrieval.search import Retriever
from services.answering.check import GroundingRules, check_citations, ground
from services.answering.decide import degraded, is_relevant, not_found
from services.answering.events import Event, Final, Sources
from services.answering.generate import Generated, generate
from services.answering.prompt import Prompt, prompt_for
from services.answering.record import AnswerLog
from services.answering.retrieve import Retrieved, check_question, retrieve, search_sources, to_source
from services.answering.vectors import StoredVectors
from services.assistants import Assistant
from services.conversations import ConversationStore, Turn, conversation_store
from services.grounding import Thresholds
from services.identity import User
from services.issued_answers import IssuedAnswers, issued_answers
from services.llm.base import ChatModel, ModelError, with_model
from services.observability.answers import AnswerRecorder
from services.observability.audit import AuditLog, audit_path
from services.schemas import AskResponse, SearchResponse, Timings
from services.settings import Settings


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
        self.recorder = recorder or AnswerRecorder(AuditLog(audit_path(settings)), settings.storage.collection)
        self.log = AnswerLog(self.recorder, self.issued, self.conversations)

    def check_question(self, question: str) -> str:
        return check_question(question, self.settings.limits.max_question_chars)

    def search(self, question: str, user: User) -> SearchResponse:
        """Retrieval alone (/v1/search, `perimeter search`)."""
        question = self.check_question(question)
        retrieval, budget = self.settings.retrieval, self.settings.context_tokens
        hits, retrieval_ms = search_sources(self.retriever, question, user, retrieval.top_k, budget)
        sources = [to_source(n, h, retrieval.snippet_chars) for n, h in enumerate(hits, start=1)]
        self.recorder.searched(user=user, question=question, sources=sources)
        return SearchResponse(question=question, sources=sources, timings=Timings(retrieval_ms=round(retrieval_ms, 1)))

    def retrieve(self, question: str, user: User, conversation_id: str | None = None,
                 history: list[Turn] | None = None, assistant: Assistant | None = None) -> Retrieved:
        """Stage 1. `history`: the earlier turns when the caller keeps them (OpenAI-compatible clients send them);
        otherwise the conversation store's for `conversation_id`. `assistant`: the one the door chose and allowed
        (services/assistants.AssistantCatalog.choose)."""
        started = time.perf_counter()
        question = self.check_question(question)
        conversation_id = conversation_id or self.conversations.new_id()
        if history is None:
            history = self.conversations.history(user.key, conversation_id)
        retrieval = self.settings.retrieval
        return retrieve(self.retriever, question, user, conversation_id, history, top_k=retrieval.top_k,
                        context_tokens=self.settings.context_tokens, snippet_chars=retrieval.snippet_chars,
                        started=started, assistant=assistant)

    def prompt(self, question: str, user: User) -> Prompt:
        """What the model would be sent for this question (benchmarks measure it)."""
        return prompt_for(self.retrieve(question, user), self.settings.model_quotes, self.settings.model_answer_form,
                          self.settings.answers.prompts_dir)

    def model_for(self, assistant: Assistant | None) -> ChatModel | None:
        """The model that answers for `assistant`: its model name on the configured server (the embedded server
        serves one model, so there the name is not sent)."""
        if self.model is None or assistant is None or not self.settings.llm.url:
            return self.model
        return with_model(self.model, assistant.model)

    def answer(self, question: str, user: User, conversation_id: str | None = None,
               history: list[Turn] | None = None, assistant: Assistant | None = None) -> AskResponse:
        """The answer, checked, grounded and recorded. Raises QuestionError for an unusable question."""
        final = None
        for event in self._events(question, user, conversation_id, history, streamed=False, cancel=None,
                                  assistant=assistant):
            if isinstance(event, Final):
                final = event.response
        if final is None:  # only a cancelled stream ends without one
            raise RuntimeError("the answer stream ended without an answer")
        return final

    def answer_stream(self, question: str, user: User, conversation_id: str | None = None,
                      history: list[Turn] | None = None, cancel: threading.Event | None = None,
                      assistant: Assistant | None = None) -> Generator[Event, None, None]:
        """Sources (the question, its language, conversation id and the Source list), then Token as the model
        writes, then Final (the AskResponse). The question is checked and retrieval runs at the first `next`, which
        raises QuestionError for an unusable question. Setting `cancel` (or closing this iterator) stops
        generation: the model stream is closed, and no Final comes."""
        return self._events(question, user, conversation_id, history, streamed=True, cancel=cancel,
                            assistant=assistant)

    def _events(self, question: str, user: User, conversation_id: str | None, history: list[Turn] | None, *,
                streamed: bool, cancel: threading.Event | None,
                assistant: Assistant | None = None) -> Generator[Event, None, None]:
        retrieved = self.retrieve(question, user, conversation_id, history, assistant)
        vectors = StoredVectors(self.retriever, retrieved.hits)
        relevant = is_relevant(retrieved, vectors, self.retriever.embedder,
                               min_overlap=self.settings.answers.not_found_min_overlap,
                               min_similarity=self.settings.on_topic_similarity)
        if not relevant:
            retrieved = retrieved.without_sources()
        with self.log.until_answered(retrieved) as recording:
            if not relevant:
                response = recording.answered(not_found(retrieved))
                yield Sources(retrieved.question, retrieved.language, retrieved.conversation_id, retrieved.sources)
                yield Final(response)
                return
            yield Sources(retrieved.question, retrieved.language, retrieved.conversation_id, retrieved.sources)
            try:
                prompt = prompt_for(retrieved, self.settings.model_quotes, self.settings.model_answer_form,
                                    self.settings.answers.prompts_dir)
                generated = yield from generate(self.model_for(assistant), prompt, self.settings.llm,
                                                streamed=streamed, started=retrieved.started, cancel=cancel)
            except ModelError as exc:
                yield Final(recording.answered(degraded(retrieved, exc, self.settings.answers.evidence_sentences),
                                               exc))
                return
            if generated is None:  # cancelled: recorded as such on the way out
                return
            yield Final(recording.answered(self._checked(retrieved, vectors, generated)))

    def _checked(self, retrieved: Retrieved, vectors: StoredVectors, generated: Generated) -> AskResponse:
        """Stages 4 and 5, and the turn kept for follow-ups."""
        answers = self.settings.answers
        checked = check_citations(generated.answer, len(retrieved.sources))
        rules = GroundingRules(Thresholds(answers.grounding_min_overlap, self.settings.supported_similarity,
                                          answers.quote_min_similarity),
                               answers.grounding_drop_unsupported, answers.grounding_fix_citations,
                               correct_facts=answers.quote_facts == "correct",
                               evidence_sentences=answers.evidence_sentences)
        grounded = ground(checked, [h.text for h in retrieved.hits], vectors, self.retriever.embedder, rules,
                          question=retrieved.question)
        # The turn as the model wrote it, without its quotes: a follow-up's prompt needs the answer, not the evidence.
        self.log.remember_turn(retrieved, checked.answer.model_dump_json(
            exclude_none=True, exclude={"points": {"__all__": {"quotes"}}}))
        return retrieved.response(
            grounded.answer, model=generated.model, grounded=grounded.grounded, grounding=grounded.grounding,
            notice=None if grounded.supported else retrieved.labels["no_citation"],
            timings=Timings(retrieval_ms=round(retrieved.retrieval_ms, 1),
                            generation_ms=round(generated.generation_ms, 1), **generated.first_token))

