"""Any OpenAI-compatible chat endpoint (vLLM, llama.cpp's server, TGI's Messages API) via huggingface_hub."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import httpx
import httpx2
from huggingface_hub import InferenceClient, constants, set_client_factory
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError, OfflineModeIsEnabled

from services.llm.base import TRANSIENT_STATUSES, ChatReply, ModelTimeout, ModelUnavailable

_HUB_HOSTS = ("huggingface.co", "hf.co", urlparse(constants.ENDPOINT).hostname or "huggingface.co")


def _block_hub(request: httpx2.Request) -> None:
    """HF_HUB_OFFLINE makes huggingface_hub refuse every request, our own model server's too. We keep the intent
    (never reach the Hub) and let requests to servers inside the perimeter through."""
    host = request.url.host or ""
    if any(host == h or host.endswith("." + h) for h in _HUB_HOSTS):
        raise OfflineModeIsEnabled(f"Cannot reach {request.url}: Perimeter never contacts the Hugging Face Hub")


def _perimeter_client() -> httpx2.Client:
    return httpx2.Client(event_hooks={"request": [_block_hub]}, follow_redirects=False, timeout=None)


set_client_factory(_perimeter_client)


def response_format(style: str, schema: dict) -> dict | None:
    """How each server family takes a JSON schema to constrain the answer."""
    if style == "llamacpp":
        return {"type": "json_object", "schema": schema}
    if style == "openai":  # vLLM
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    if style == "tgi":
        return {"type": "json", "value": schema}
    if style == "none":
        return None
    raise ValueError(f"unknown response format style '{style}' (llamacpp, openai, tgi or none)")


class OpenAIChatModel:
    def __init__(self, base_url: str, *, model: str = "local", api_key: str | None = None, timeout_s: float = 120.0,
                 response_format_style: str = "llamacpp"):
        self.base_url = base_url.rstrip("/")
        self.name = model
        self.timeout_s = timeout_s
        self.style = response_format_style
        response_format(self.style, {})  # fail at start-up, not at the first question
        self._client = InferenceClient(base_url=self.base_url, api_key=api_key, timeout=timeout_s)
        self._api_key = api_key

    @contextmanager
    def _errors(self):
        """Every failure of the server becomes ModelTimeout or ModelUnavailable (transient ones marked so)."""
        try:
            yield
        except InferenceTimeoutError as exc:
            raise ModelTimeout(f"the model did not answer within {self.timeout_s:g} s") from exc
        except HfHubHTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            raise ModelUnavailable(f"the model server answered HTTP {status or '?'}",
                                   transient=status in TRANSIENT_STATUSES) from exc
        except (ModelTimeout, ModelUnavailable, GeneratorExit):
            raise
        except Exception as exc:  # connection refused, reset, DNS: all mean the server is not there
            if "timeout" in type(exc).__name__.lower():
                raise ModelTimeout(f"the model did not answer within {self.timeout_s:g} s") from exc
            raise ModelUnavailable(f"cannot reach the model server at {self.base_url} ({type(exc).__name__})",
                                   transient=True) from exc

    def _extra(self, json_schema: dict | None) -> dict | None:
        if json_schema is not None and (fmt := response_format(self.style, json_schema)) is not None:
            return {"response_format": fmt}
        return None

    def chat(self, messages, *, max_tokens: int, temperature: float, json_schema: dict | None = None) -> ChatReply:
        with self._errors():
            out = self._client.chat_completion(
                messages, model=self.name, max_tokens=max_tokens, temperature=temperature, seed=0,
                extra_body=self._extra(json_schema),
            )
        message = out.choices[0].message
        # Reasoning servers (vLLM with gpt-oss) return the chain of thought apart: only `content` is the answer.
        return ChatReply(text=message.content or "", model=getattr(out, "model", None) or self.name)

    def stream(self, messages, *, max_tokens: int, temperature: float,
               json_schema: dict | None = None) -> Iterator[str]:
        with self._errors():
            chunks = self._client.chat_completion(
                messages, model=self.name, max_tokens=max_tokens, temperature=temperature, seed=0, stream=True,
                extra_body=self._extra(json_schema),
            )
            try:
                for chunk in chunks:
                    if chunk.choices and (piece := chunk.choices[0].delta.content):
                        yield piece  # delta.reasoning(_content) is the chain of thought: never passed on
            finally:
                close = getattr(chunks, "close", None)
                if close:
                    close()  # closes the HTTP stream, so the server stops generating

    def ready(self) -> bool:
        return server_ready(self.base_url, self._api_key)


def server_ready(base_url: str, api_key: str | None = None) -> bool:
    """An OpenAI-compatible server (or TGI) that lists its models or reports healthy."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    for path in ("/v1/models", "/health"):
        try:
            if httpx.get(base_url.rstrip("/") + path, headers=headers, timeout=3.0).status_code == 200:
                return True
        except httpx.HTTPError:
            continue
    return False
