"""A chat model that can be handed the start of its reply. The embedded 1.5B model, asked for the text answer form,
left the question's restatement out of every answer (25/25 on bench.answer); begun with "Question:" it writes one.
Chat endpoints cannot continue a reply (llama-cpp-python's starts a new turn after an assistant message), so a
request whose last message is the assistant's is rendered with the model's own chat template and sent to the raw
completion endpoint of the same server (unconstrained: the text form has no schema); every other request goes to
the chat endpoint unchanged. The pieces
returned are the continuation only: the caller (services/answering/generate.py) holds the start it gave."""
from __future__ import annotations

from collections.abc import Iterator

from services.llm.base import ChatModel, ChatReply, with_model
from services.llm.chat_template import ChatTemplate
from services.llm.completions import CompletionEndpoint


def begun(messages: list[dict[str, str]]) -> str | None:
    """The reply's start when the messages end with one (an assistant message last), else None."""
    return messages[-1]["content"] if messages and messages[-1].get("role") == "assistant" else None


class BegunReplyModel:
    continues_reply = True  # services/answering/generate.py sends a begun reply only to a model that says so

    def __init__(self, chat_model: ChatModel, template: ChatTemplate, endpoint: CompletionEndpoint):
        self.chat_model = chat_model
        self.template = template
        self.endpoint = endpoint
        self.name = chat_model.name

    def _chat(self) -> ChatModel:
        return with_model(self.chat_model, self.name)  # with_model renames this object, not the one it wraps

    def _payload(self, messages, max_tokens: int, temperature: float) -> dict:
        return {"model": self.name, "prompt": self.template.render(messages[:-1], begun=messages[-1]["content"]),
                "max_tokens": max_tokens, "temperature": temperature, "seed": 0,
                "stop": [self.template.eos] if self.template.eos else []}

    def chat(self, messages, *, max_tokens: int, temperature: float, json_schema: dict | None = None) -> ChatReply:
        if begun(messages) is None:
            return self._chat().chat(messages, max_tokens=max_tokens, temperature=temperature,
                                     json_schema=json_schema)
        text, model = self.endpoint.complete(self._payload(messages, max_tokens, temperature))
        return ChatReply(text=text, model=model or self.name)

    def stream(self, messages, *, max_tokens: int, temperature: float,
               json_schema: dict | None = None) -> Iterator[str]:
        if begun(messages) is None:
            return self._chat().stream(messages, max_tokens=max_tokens,  # type: ignore[attr-defined]
                                       temperature=temperature, json_schema=json_schema)
        return self.endpoint.stream(self._payload(messages, max_tokens, temperature))

    def ready(self) -> bool:
        return self.chat_model.ready()
