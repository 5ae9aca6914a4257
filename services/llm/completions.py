"""A raw completion endpoint (vLLM's or llama.cpp's `/v1/completions`): a prompt we rendered ourselves goes in, the
model's text comes out in one piece or as it is written. Every HTTP failure becomes a ModelError (base.py). Used by
the models that render their own prompt: harmony for gpt-oss, the chat template for a begun reply."""
from __future__ import annotations

import json
from collections.abc import Generator
from contextlib import contextmanager

import httpx

from services.llm.base import TRANSIENT_STATUSES, ModelTimeout, ModelUnavailable


class CompletionEndpoint:
    def __init__(self, base_url: str, *, api_key: str | None = None, timeout_s: float = 120.0,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(headers=headers, timeout=timeout_s, transport=transport)
        root = self.base_url if self.base_url.endswith("/v1") else self.base_url + "/v1"
        self.url = root + "/completions"

    @contextmanager
    def errors(self):
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

    def complete(self, payload: dict) -> tuple[str, str | None]:
        """The whole text and the model's name as the server gave it (None: not given)."""
        with self.errors():
            response = self._http.post(self.url, json={**payload, "stream": False})
            response.raise_for_status()
            body = response.json()
        return body["choices"][0].get("text") or "", body.get("model")

    def stream(self, payload: dict) -> Generator[str, None, None]:
        """The text in the pieces the server sends (server-sent events); closing the iterator closes the connection,
        which stops the server writing."""
        with self.errors(), self._http.stream("POST", self.url, json={**payload, "stream": True}) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                choices = json.loads(data).get("choices") or [{}]
                if text := choices[0].get("text"):
                    yield text
