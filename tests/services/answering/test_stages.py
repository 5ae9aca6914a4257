"""The ask pipeline's stages alone (services/answering/), with stand-in models that implement the ChatModel protocol,
and the whole pipeline on the sample index: a plain answer is the final event of the same stream."""
from __future__ import annotations

import json
import threading
import time

import pytest

from prompts.schema import Answer, Point
from retrieval.hits import Hit
from services.answering import AskPipeline, Final, Sources, Token
from services.answering.check import GroundingRules, check_citations, ground
from services.answering.decide import degraded, not_found
from services.answering.generate import Generated, generate
from services.answering.prompt import Prompt
from services.answering.record import AnswerLog
from services.answering.retrieve import Retrieved, to_source
from services.answering.vectors import StoredVectors
from services.conversations import ConversationStore
from services.grounding import Thresholds
from services.identity import User
from services.issued_answers import IssuedAnswers
from services.llm.base import ModelError, ModelTimeout, ModelUnavailable, UnreadableReply
from services.observability.answers import AnswerRecorder
from services.observability.audit import AuditLog
from services.schemas import Outcome, Source
from services.settings import LlmSettings
from tests.fakes import ScriptedModel, StreamingScriptedModel, reply

PROMPT = Prompt(messages=[{"role": "user", "content": "How do I report phishing?"}], schema={})
LLM = LlmSettings(retries=2, retry_backoff_s=0.0)
USER = User(name="alice", groups=["all"])


def run(stage):
    """A stage's events and its result."""
    events = []
    while True:
        try:
            events.append(next(stage))
        except StopIteration as done:
            return events, done.value


class FailingFirst(StreamingScriptedModel):
    """Fails `failures` times with `error` before writing anything, then answers."""

    def __init__(self, *replies: str, failures: int = 1, error: Exception | None = None, after_pieces: int = 0):
        super().__init__(*replies)
        self.failures, self.after_pieces = failures, after_pieces
        self.error = error or ModelUnavailable("restarting", transient=True)
        self.temperatures: list[float] = []

    def chat(self, messages, *, max_tokens, temperature, json_schema=None):
        self.temperatures.append(temperature)
        if self.failures and not self.after_pieces:
            self.failures -= 1
            raise self.error
        return super().chat(messages, max_tokens=max_tokens, temperature=temperature)

    def stream(self, messages, *, max_tokens, temperature, json_schema=None):
        sent = 0
        for piece in super().stream(messages, max_tokens=max_tokens, temperature=temperature):
            if self.failures and self.after_pieces and sent == self.after_pieces:
                self.failures -= 1
                raise self.error
            sent += 1
            yield piece


# --- generate -----------------------------------------------------------------------------------------------------

def test_a_plain_and_a_streamed_answer_of_the_same_reply_are_equal():
    text = reply(1, 2)
    plain_tokens, plain = run(generate(ScriptedModel(text), PROMPT, LLM, streamed=False, started=time.perf_counter()))
    streamed_tokens, streamed = run(generate(StreamingScriptedModel(text), PROMPT, LLM, streamed=True,
                                             started=time.perf_counter()))
    assert isinstance(plain, Generated) and isinstance(streamed, Generated)
    assert plain.answer == streamed.answer == Answer.model_validate_json(text)
    assert plain_tokens == [Token(text)] and len(streamed_tokens) > 1
    assert "".join(t.text for t in streamed_tokens) == text
    # Only a stream knows when its first token came.
    assert plain.first_token == {}
    assert set(streamed.first_token) == {"first_token_ms", "model_first_token_ms", "model_ms"}


def test_a_model_that_cannot_stream_streams_its_reply_in_one_piece():
    tokens, generated = run(generate(ScriptedModel(reply(1)), PROMPT, LLM, streamed=True, started=time.perf_counter()))
    assert tokens == [Token(reply(1))] and generated is not None and generated.model == "scripted"
    assert generated.first_token_ms is not None


@pytest.mark.parametrize("streamed", [False, True])
def test_a_transient_failure_before_the_first_piece_is_retried(streamed):
    model = FailingFirst(reply(1), failures=2)
    _, generated = run(generate(model, PROMPT, LLM, streamed=streamed, started=0.0))
    assert generated is not None and generated.answer.points[0].citations == [1]


def test_a_failure_after_the_first_piece_stands():
    model = FailingFirst(reply(1), reply(1), after_pieces=2)
    tokens = []
    with pytest.raises(ModelUnavailable):
        for token in generate(model, PROMPT, LLM, streamed=True, started=0.0):
            tokens.append(token)
    assert len(tokens) == 2 and len(model.calls) == 1


@pytest.mark.parametrize("error", [ModelTimeout("slow"), ModelUnavailable("bad request", transient=False)])
def test_timeouts_and_lasting_failures_are_not_retried(error):
    model = FailingFirst(reply(1), failures=1, error=error)
    with pytest.raises(ModelError):
        run(generate(model, PROMPT, LLM, streamed=False, started=0.0))
    assert len(model.temperatures) == 1


@pytest.mark.parametrize("streamed", [False, True])
def test_an_unreadable_reply_is_asked_for_once_more_at_temperature_0(streamed):
    model = FailingFirst("{\"points\": [", reply(3), failures=0)
    tokens, generated = run(generate(model, PROMPT, LLM, streamed=streamed, started=0.0))
    assert generated is not None and generated.answer.points[0].citations == [3]
    assert model.temperatures == [LLM.temperature, 0.0]
    assert "".join(t.text for t in tokens) == "{\"points\": ["  # the second ask is not streamed to the reader


def test_a_reply_in_the_wrong_shape_twice_is_a_model_error():
    model = FailingFirst(reply(1), failures=2, error=UnreadableReply("no final channel"))
    with pytest.raises(ModelError, match="twice"):
        run(generate(model, PROMPT, LLM, streamed=False, started=0.0))


def test_cancel_stops_generation_and_closes_the_model_stream():
    model = StreamingScriptedModel(reply(1) * 20, piece=2)
    cancel = threading.Event()
    stage = generate(model, PROMPT, LLM, streamed=True, started=0.0, cancel=cancel)
    next(stage)
    cancel.set()
    tokens, generated = run(stage)
    assert generated is None and tokens == [] and model.closed_early.is_set()


def test_no_model_is_a_model_error():
    with pytest.raises(ModelError, match="no model"):
        run(generate(None, PROMPT, LLM, streamed=False, started=0.0))


# --- decide, check citations, ground, record -----------------------------------------------------------------------

SOURCE_TEXTS = ["Report phishing with the Report Phish button in Outlook.", "The canteen opens at 8am."]


def retrieved(language: str = "en") -> Retrieved:
    hits = [Hit(id=f"c{n}", text=t, metadata={"title": f"doc {n}", "source": f"/docs/{n}.md", "doc_id": f"d{n}"},
                score=1.0 / n) for n, t in enumerate(SOURCE_TEXTS, start=1)]
    return Retrieved(question="How do I report phishing?", query="How do I report phishing?", language=language,
                     user=USER, conversation_id="c1", history=[], started=time.perf_counter(), retrieval_ms=5.0,
                     hits=hits, sources=[to_source(n, h, 120) for n, h in enumerate(hits, start=1)])


def test_not_found_shows_no_sources_and_says_so():
    response = not_found(retrieved("zh"))
    assert response.not_found and response.sources == [] and response.model is None
    assert response.outcome is Outcome.NOT_FOUND and response.notice == response.answer.conclusion


def test_degraded_keeps_the_ranked_sources_with_a_notice():
    response = degraded(retrieved(), ModelTimeout("slow"))
    assert response.degraded and [s.id for s in response.sources] == [1, 2] and response.notice
    assert response.outcome is Outcome.DEGRADED


def test_citations_to_no_source_are_dropped_then_points_are_grounded_in_what_they_cite():
    answer = Answer(points=[Point(text="Report phishing with the Report Phish button", citations=[2, 7]),
                            Point(text="Bonus gold bars for every report", citations=[1])])
    checked = check_citations(answer, source_count=2)
    assert checked.dropped == 1
    rules = GroundingRules(Thresholds(0.5, 0.9), drop_unsupported=False, fix_citations=True)
    grounded = ground(checked, SOURCE_TEXTS, StoredVectors(None, []), embedder=None, rules=rules)
    first, second = grounded.answer.points
    assert first.citations == [1] and first.model_citations == [2] and first.supported  # re-cited
    assert not second.supported and grounded.grounded and grounded.supported
    assert grounded.grounding.dropped_citations == 1 and grounded.grounding.recited_points == 1


def test_a_question_is_recorded_once_answered_or_not(tmp_path):
    audit = tmp_path / "audit.jsonl"
    answers = AnswerLog(AnswerRecorder(AuditLog(audit)), IssuedAnswers(60), ConversationStore())
    with answers.until_answered(retrieved()) as recording:
        response = recording.answered(degraded(retrieved(), ModelTimeout("slow")))
    assert response.answer_id
    with pytest.raises(RuntimeError), answers.until_answered(retrieved()):
        raise RuntimeError("grounding broke")
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [r["outcome"] for r in records] == ["degraded", "failed"] and records[1]["sources"]


# --- the whole pipeline --------------------------------------------------------------------------------------------

@pytest.mark.integration
def test_plain_answer_is_the_final_event_of_the_stream(sample_index):
    settings, _ = sample_index
    text = reply(1, 2)
    question = "How do I report a phishing email?"
    plain = AskPipeline(settings, _retriever(settings), ScriptedModel(text)).answer(question, USER, "conv-1")
    events = list(AskPipeline(settings, _retriever(settings), StreamingScriptedModel(text)).answer_stream(
        question, USER, "conv-2"))
    first, *tokens, last = events
    assert isinstance(first, Sources) and first.sources and all(isinstance(s, Source) for s in first.sources)
    assert tokens and all(isinstance(t, Token) for t in tokens) and isinstance(last, Final)
    streamed = last.response
    assert first.sources == streamed.sources == plain.sources and first.conversation_id == "conv-2"
    differs = {"timings", "answer_id", "conversation_id"}
    assert plain.model_dump(exclude=differs) == streamed.model_dump(exclude=differs)
    assert streamed.timings.model_first_token_ms is not None and plain.timings.model_first_token_ms is None


@pytest.mark.integration
def test_nothing_relevant_is_not_found_without_asking_the_model(sample_index):
    settings, _ = sample_index
    model = StreamingScriptedModel(reply(1))
    events = list(AskPipeline(settings, _retriever(settings), model).answer_stream(
        "What is the airspeed velocity of an unladen swallow?", USER))
    assert [type(e) for e in events] == [Sources, Final] and model.calls == []
    sources, final = events
    assert isinstance(sources, Sources) and isinstance(final, Final)
    assert sources.sources == [] and final.response.not_found


def _retriever(settings):
    from services.components import build_retriever

    return build_retriever(settings)
