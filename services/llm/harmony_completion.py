"""gpt-oss over a raw completion endpoint (vLLM's or llama.cpp's `/v1/completions`): we render harmony ourselves and
parse the model's tokens with openai-harmony, keeping only the final channel."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from prompts.harmony import FinalChannelStream, HarmonyParseError, render_prompt, stop_strings
from services.llm.base import ChatReply, UnreadableReply
from services.llm.completions import CompletionEndpoint
from services.llm.openai_chat import server_ready

log = logging.getLogger(__name__)


@contextmanager
def _unreadable():
    try:
        yield
    except HarmonyParseError as exc:
        raise UnreadableReply(str(exc)) from exc


class HarmonyCompletionModel:
    def __init__(self, base_url: str, *, model: str = "local", api_key: str | None = None, timeout_s: float = 120.0,
                 reasoning_effort: str = "low", transport: httpx.BaseTransport | None = None):
        self.endpoint = CompletionEndpoint(base_url, api_key=api_key, timeout_s=timeout_s, transport=transport)
        self.base_url = self.endpoint.base_url
        self.name = model
        self.timeout_s = timeout_s
        self.reasoning_effort = reasoning_effort
        self._api_key = api_key

    def _payload(self, messages, max_tokens: int, temperature: float, json_schema: dict | None) -> dict:
        return {
            "model": self.name,
            "prompt": render_prompt(messages, json_schema, self.reasoning_effort),
            "max_tokens": max_tokens,  # analysis + final: leave room for both
            "temperature": temperature,
            "seed": 0,
            "stop": stop_strings(),
            "skip_special_tokens": False,  # vLLM: keep <|channel|> & co., or the channels cannot be told apart
        }

    def _log_hidden(self, stream: FinalChannelStream) -> None:
        # Sizes only, and only at debug: the analysis channel's text is never logged.
        log.debug("harmony completion: %d chars of analysis dropped, %d chars final", stream.hidden_chars,
                  len(stream.text))

    def chat(self, messages, *, max_tokens: int, temperature: float, json_schema: dict | None = None) -> ChatReply:
        text, model = self.endpoint.complete(self._payload(messages, max_tokens, temperature, json_schema))
        stream = FinalChannelStream()
        with _unreadable():
            for _ in stream.feed(text):
                pass
            for _ in stream.finish():
                pass
        self._log_hidden(stream)
        return ChatReply(text=stream.text, model=model or self.name)

    def stream(self, messages, *, max_tokens: int, temperature: float,
               json_schema: dict | None = None) -> Iterator[str]:
        parser = FinalChannelStream()
        pieces = self.endpoint.stream(self._payload(messages, max_tokens, temperature, json_schema))
        try:
            with _unreadable():
                for piece in pieces:
                    yield from parser.feed(piece)
                yield from parser.finish()
        finally:
            pieces.close()
        self._log_hidden(parser)

    def ready(self) -> bool:
        return server_ready(self.base_url, self._api_key)
