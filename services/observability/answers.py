"""What the ask pipeline reports when it is done with a question: metrics and one audit record. The pipeline calls
this from the one place every front door passes (services/answering/record.py), so API, stream, OpenAI-compatible,
web and Slack answers are all counted and audited alike."""
from __future__ import annotations

from services.observability.audit import AuditLog, audit_record
from services.observability.metrics import (
    ANSWERS,
    DEGRADED,
    MODEL_FIRST_TOKEN_SECONDS,
    MODEL_GENERATION_SECONDS,
    RETRIEVAL_SECONDS,
    SEARCHES,
    TOKENS_OUT,
)
from services.schemas import AskResponse, Outcome

# Grounding's per-point fields are ours, not the model's: left out when estimating what the model wrote.
_GROUNDING_FIELDS = {"points": {"__all__": {"supported", "overlap", "similarity"}}}


def observe_retrieval(ms: float) -> None:
    RETRIEVAL_SECONDS.observe(ms / 1000)


class AnswerRecorder:
    def __init__(self, audit: AuditLog, collection: str | None = None):
        self.audit = audit  # the process's one audit log (services/container.py)
        self.collection = collection  # the collection this process answers from, for analytics per collection

    def answered(self, *, user, question: str, conversation_id: str | None, sources: list,
                 response: AskResponse | None = None, error: Exception | None = None,
                 outcome: Outcome = Outcome.FAILED) -> None:
        """`response` is the AskResponse given (None when the question was cancelled or failed before one)."""
        if response is not None:
            sources = response.sources
            outcome = response.outcome
        ANSWERS.labels(outcome).inc()
        cited: list[int] = []
        quality: dict = {}
        if response is not None:
            timings = response.timings
            quality = {"first_token_ms": timings.first_token_ms,
                       "answer_ms": round(timings.retrieval_ms + timings.generation_ms, 1),
                       "grounding_rate": response.grounding.rate}
        if outcome is Outcome.DEGRADED:
            DEGRADED.labels(type(error).__name__ if error else "unknown").inc()
        if outcome is Outcome.ANSWERED and response is not None:
            from ingestion.chunk import estimate_tokens

            timings = response.timings
            MODEL_GENERATION_SECONDS.observe(timings.generation_ms / 1000)
            if timings.model_first_token_ms is not None:
                MODEL_FIRST_TOKEN_SECONDS.observe(timings.model_first_token_ms / 1000)
            TOKENS_OUT.inc(estimate_tokens(response.answer.model_dump_json(exclude=_GROUNDING_FIELDS)))
            cited = sorted({n for p in response.answer.points for n in p.citations})
        self.audit.append(audit_record(user=user, question=question, conversation_id=conversation_id,
                                       outcome=outcome, sources=sources, cited=cited,
                                       model=response.model if response is not None else None,
                                       collection=self.collection, quality=quality))

    def searched(self, *, user, question: str, sources: list) -> None:
        SEARCHES.inc()
        self.audit.append(audit_record(user=user, question=question, conversation_id=None, outcome="search",
                                       sources=sources, cited=[]))
