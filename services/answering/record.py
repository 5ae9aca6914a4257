"""Stage 6, record: every question is recorded once, answered or not. An answer gets its answer id (what feedback
names), metrics and an audit record (services/observability); a question whose answer never came (the client left,
an error) is still audited, with the sources it was shown."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from services.answering.retrieve import Retrieved
from services.conversations import ConversationStore, Turn
from services.issued_answers import IssuedAnswers
from services.observability import context
from services.observability.answers import AnswerRecorder
from services.schemas import AskResponse, Outcome

log = logging.getLogger(__name__)


class Recording:
    """One question's record, written once."""

    def __init__(self, answer_log: AnswerLog, retrieved: Retrieved):
        self.answer_log, self.retrieved = answer_log, retrieved
        self.done = False

    def answered(self, response: AskResponse, error: Exception | None = None) -> AskResponse:
        self.done = True
        return self.answer_log.answered(self.retrieved, response, error)

    def unfinished(self, outcome: Outcome) -> None:
        if not self.done:
            self.done = True
            self.answer_log.unfinished(self.retrieved, outcome)


class AnswerLog:
    def __init__(self, recorder: AnswerRecorder, issued: IssuedAnswers, conversations: ConversationStore):
        self.recorder, self.issued, self.conversations = recorder, issued, conversations

    def remember_turn(self, retrieved: Retrieved, answer_json: str) -> None:
        """The answer as the model wrote it (citations checked), for the conversation's follow-ups."""
        self.conversations.add(retrieved.user.key, retrieved.conversation_id, Turn(retrieved.question, answer_json))

    def _issue_answer_id(self, retrieved: Retrieved, response: AskResponse) -> str | None:
        """The id feedback on this answer names; what it rates is kept with it, for this user only."""
        try:
            return self.issued.issue(retrieved.user.key, {
                "question": retrieved.question, "conversation_id": retrieved.conversation_id,
                "model": response.model, "sources": [s.doc_id for s in response.sources],
                "door": context.door_of(retrieved.user.name), "collection": self.recorder.collection})
        except Exception as exc:  # the store (Redis) is down: this answer cannot be rated, but it is still given
            log.warning("answer id not kept, feedback on this answer will be refused: %s", exc)
            return None

    def _keep_shown(self, retrieved: Retrieved, response: AskResponse) -> None:
        """The answer as shown, in the user's conversation history (what the web page lists and reopens)."""
        try:
            self.conversations.record(retrieved.user.key, retrieved.conversation_id, retrieved.question, response)
        except Exception as exc:  # the store (Redis) is down: the answer is still given, the history misses it
            log.warning("conversation history not kept for this answer: %s", exc)

    def answered(self, retrieved: Retrieved, response: AskResponse, error: Exception | None = None) -> AskResponse:
        response.answer_id = self._issue_answer_id(retrieved, response)
        self._keep_shown(retrieved, response)
        self.recorder.answered(user=retrieved.user, question=retrieved.question,
                               conversation_id=retrieved.conversation_id, sources=retrieved.sources,
                               response=response, error=error)
        return response

    def unfinished(self, retrieved: Retrieved, outcome: Outcome) -> None:
        self.recorder.answered(user=retrieved.user, question=retrieved.question,
                               conversation_id=retrieved.conversation_id, sources=retrieved.sources, outcome=outcome)

    @contextmanager
    def until_answered(self, retrieved: Retrieved) -> Iterator[Recording]:
        """Records the question as failed (an error) or cancelled (left without an answer) unless it was answered."""
        recording = Recording(self, retrieved)
        outcome = Outcome.FAILED
        try:
            yield recording
            outcome = Outcome.CANCELLED  # left without an answer: only a cancelled stream does
        except GeneratorExit:  # the stream was closed (the client went away)
            outcome = Outcome.CANCELLED
            raise
        finally:
            recording.unfinished(outcome)
