"""Stage 3, generate: the model's reply as a stream of `Token`s, then the parsed `Generated` answer. A plain answer
runs this same generator and ignores the tokens; it only asks the model for the reply in one piece (`chat`), which
a stream also does with a model that cannot stream.

A transient failure before the first piece is retried with doubling waits; after it, the failure stands. A reply
that cannot be read as an answer is asked for once more, at temperature 0. Setting `cancel` (or closing the
generator) stops generation: the model's stream is closed, so the server stops writing."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from prompts.parse import AnswerParseError, parse_answer
from prompts.schema import Answer
from services.answering.events import Token
from services.answering.prompt import Prompt
from services.llm.base import ChatModel, ModelError, UnreadableReply, with_retries
from services.settings import LlmSettings

log = logging.getLogger(__name__)
_END = object()


@dataclass(frozen=True)
class Reply:
    """The model's reply as written, and when its pieces came (perf_counter seconds; None: no piece came)."""
    text: str
    model: str
    sent: float | None = None  # the prompt sent (by the attempt that answered)
    first: float | None = None  # its first piece
    last: float | None = None  # its last piece


@dataclass(frozen=True)
class Generated:
    answer: Answer
    model: str
    generation_ms: float  # from asking the model to the answer parsed (a second ask included)
    first_token_ms: float | None = None  # streamed answers only: from the question to the model's first piece
    model_first_token_ms: float | None = None  # ... from sending the prompt to it
    model_ms: float | None = None  # ... from sending the prompt to the last piece

    @property
    def first_token(self) -> dict[str, float]:
        """The streamed timings that are known, as Timings fields."""
        return {k: v for k, v in (("first_token_ms", self.first_token_ms),
                                  ("model_first_token_ms", self.model_first_token_ms),
                                  ("model_ms", self.model_ms)) if v is not None}


def _open(model: ChatModel, prompt: Prompt, llm: LlmSettings, temperature: float,
          streamed: bool) -> tuple[Iterator[str], str]:
    """The reply's pieces and the model's name. In one piece (`chat`) for a plain answer or a model that cannot
    stream; a stream does not start the model until its first piece is asked for. A model that can continue a
    begun reply (services/llm/begun_reply.py) is handed the prompt's reply_start as the reply's beginning."""
    start = prompt.reply_start if getattr(model, "continues_reply", False) else ""
    messages = prompt.messages + [{"role": "assistant", "content": start}] if start else prompt.messages
    stream = getattr(model, "stream", None) if streamed else None
    if stream is None:
        whole = model.chat(messages, max_tokens=llm.max_tokens, temperature=temperature, json_schema=prompt.schema)
        return iter([start + whole.text]), whole.model
    pieces: Iterator[str] = stream(messages, max_tokens=llm.max_tokens, temperature=temperature,
                                   json_schema=prompt.schema)
    return (_begun_with(start, pieces) if start else pieces), model.name


def _begun_with(start: str, pieces: Iterator[str]) -> Generator[str, None, None]:
    """The model's pieces with the start we gave it joined to its first, so the reply reads whole and its first
    token is still timed when the model wrote it. Closing this closes the model's stream."""
    try:
        first = True
        for piece in pieces:
            yield start + piece if first else piece
            first = False
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


def reply(model: ChatModel, prompt: Prompt, llm: LlmSettings, temperature: float, *, streamed: bool,
          cancel: threading.Event | None = None) -> Generator[Token, None, Reply]:
    """Yields the reply's pieces as the model writes them; returns the whole reply. An unreadable reply (the server
    answered, not in the expected shape) returns as empty text, which parsing then refuses."""
    opened: list[Iterator[str]] = []

    def first_piece() -> tuple[float, str, object, float]:
        sent = time.perf_counter()
        pieces, name = _open(model, prompt, llm, temperature, streamed)
        opened.append(pieces)
        piece = next(pieces, _END)  # a failure up to here is retried
        return sent, name, piece, time.perf_counter()

    parts: list[str] = []
    try:
        sent, name, piece, first = with_retries(first_piece, llm.retries, llm.retry_backoff_s)
        pieces = opened[-1]
        while piece is not _END and not (cancel is not None and cancel.is_set()):
            parts.append(str(piece))
            yield Token(str(piece))
            piece = next(pieces, _END)
        last = time.perf_counter()
    except UnreadableReply as exc:
        log.warning("unreadable reply from the model server: %s", exc)
        return Reply(text="", model=model.name)
    finally:
        for pieces in opened:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()  # stops the server generating when the client went away
    return Reply(text="".join(parts), model=name, sent=sent, first=first if parts else None, last=last)


def _whole(tokens: Generator[Token, None, Reply]) -> Reply:
    """A reply nobody watches being written."""
    while True:
        try:
            next(tokens)
        except StopIteration as done:
            return done.value


def read_answer(model: ChatModel, prompt: Prompt, llm: LlmSettings, first: Reply) -> tuple[Answer, str]:
    """The reply parsed as an answer; an unreadable one is asked for once more, in one piece, at temperature 0."""
    try:
        return parse_answer(first.text), first.model
    except AnswerParseError:
        log.warning("unreadable model reply, retrying once (%d chars)", len(first.text))
    again = _whole(reply(model, prompt, llm, 0.0, streamed=False))
    try:
        return parse_answer(again.text), again.model
    except AnswerParseError as exc:
        raise ModelError("the model's reply could not be read as an answer, twice") from exc


def _ms(later: float | None, earlier: float | None) -> float | None:
    return round((later - earlier) * 1000, 1) if later is not None and earlier is not None else None


def generate(model: ChatModel | None, prompt: Prompt, llm: LlmSettings, *, streamed: bool, started: float,
             cancel: threading.Event | None = None) -> Generator[Token, None, Generated | None]:
    """Yields the reply's tokens; returns the parsed answer, or None when `cancel` was set. Raises ModelError when
    the model is missing, down, too slow, or unreadable twice. `started`: when the question arrived."""
    if model is None:
        raise ModelError("no model is configured")
    start = time.perf_counter()
    first = yield from reply(model, prompt, llm, llm.temperature, streamed=streamed, cancel=cancel)
    if cancel is not None and cancel.is_set():
        return None
    answer, name = read_answer(model, prompt, llm, first)
    generation_ms = (time.perf_counter() - start) * 1000
    if not streamed:  # only a stream knows when its first token came
        return Generated(answer=answer, model=name, generation_ms=generation_ms)
    return Generated(answer=answer, model=name, generation_ms=generation_ms,
                     first_token_ms=_ms(first.first, started), model_first_token_ms=_ms(first.first, first.sent),
                     model_ms=_ms(first.last, first.sent))
