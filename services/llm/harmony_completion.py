"""gpt-oss over a raw completion endpoint (vLLM's or llama.cpp's `/v1/completions`): we render harmony ourselves and
parse the model's tokens with openai-harmony, keeping only the final channel."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from prompts.harmony import FinalChannelStream, HarmonyParseError, render_prompt, stop_strings
from services.llm.base import TRANSIENT_STATUSES, ChatReply, ModelTimeout, ModelUnavailable, UnreadableReply
from services.llm.openai_chat import server_ready

log = logging.getLogger(__name__)


class HarmonyCompletionModel:
    def __init__(self, base_url: str, *, model: str = "local", api_key: str | None = None, timeout_s: float = 120.0,
                 reasoning_effort: str = "low", transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.name = model
        self.timeout_s = timeout_s
        self.reasoning_effort = reasoning_effort
        self._api_key = api_key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(headers=headers, timeout=timeout_s, transport=transport)
        root = self.base_url if self.base_url.endswith("/v1") else self.base_url + "/v1"
        self.completions_url = root + "/completions"

    def _payload(self, messages, max_tokens: int, temperature: float, json_schema: dict | None, stream: bool) -> dict:
        return {
            "model": self.name,
            "prompt": render_prompt(messages, json_schema, self.reasoning_effort),
            "max_tokens": max_tokens,  # analysis + final: leave room for both
            "temperature": temperature,
            "seed": 0,
            "stop": stop_strings(),
            "stream": stream,
            "skip_special_tokens": False,  # vLLM: keep <|channel|> & co., or the channels cannot be told apart
        }

    @contextmanager
    def _errors(self):
        try:
            yield
        except httpx.TimeoutException as exc:
            raise ModelTimeout(f"the model did not answer within {self.timeout_s:g} s") from exc
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            raise ModelUnavailable(f"the model server answered HTTP {status}",
                                   transient=status in TRANSIENT_STATUSES) from exc
        except httpx.HTTPError as exc:
            raise ModelUnavailable(f"cannot reach the model server at {self.base_url} ({type(exc).__name__})",
                                   transient=True) from exc
        except HarmonyParseError as exc:
            raise UnreadableReply(str(exc)) from exc

    def _log_hidden(self, stream: FinalChannelStream) -> None:
        # Sizes only, and only at debug: the analysis channel's text is never logged.
        log.debug("harmony completion: %d chars of analysis dropped, %d chars final", stream.hidden_chars,
                  len(stream.text))

    def chat(self, messages, *, max_tokens: int, temperature: float, json_schema: dict | None = None) -> ChatReply:
        with self._errors():
            response = self._http.post(self.completions_url,
                                       json=self._payload(messages, max_tokens, temperature, json_schema, False))
            response.raise_for_status()
            body = response.json()
            stream = FinalChannelStream()
            for _ in stream.feed(body["choices"][0].get("text") or ""):
                pass
            for _ in stream.finish():
                pass
        self._log_hidden(stream)
        return ChatReply(text=stream.text, model=body.get("model") or self.name)

    def stream(self, messages, *, max_tokens: int, temperature: float,
               json_schema: dict | None = None) -> Iterator[str]:
        payload = self._payload(messages, max_tokens, temperature, json_schema, True)
        parser = FinalChannelStream()
        with self._errors(), self._http.stream("POST", self.completions_url, json=payload) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                choices = json.loads(data).get("choices") or [{}]
                yield from parser.feed(choices[0].get("text") or "")
            yield from parser.finish()
        self._log_hidden(parser)

    def ready(self) -> bool:
        return server_ready(self.base_url, self._api_key)
