"""A model's own chat template (the Jinja text a GGUF file carries, `tokenizer.chat_template`), rendered here so a
prompt can end part-way into the assistant's reply: the model then continues a reply we began. Rendered as
transformers renders it (sandboxed Jinja, trim_blocks and lstrip_blocks)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache, cached_property
from pathlib import Path

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment


class ChatTemplateError(ValueError):
    pass


def _raise(message: str):
    raise TemplateError(message)


@dataclass(frozen=True)
class ChatTemplate:
    source: str
    eos: str = ""  # the end-of-turn token's text: where the model's reply stops

    @cached_property  # compiled once per template, not at every answer
    def _template(self):
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        env.globals["raise_exception"] = _raise
        return env.from_string(self.source)

    def render(self, messages: list[dict[str, str]], *, begun: str = "") -> str:
        """The prompt for the assistant's next reply; with `begun`, that reply already starts with it. No BOS token:
        llama.cpp adds it when the model wants one."""
        try:
            prompt = self._template.render(messages=messages, add_generation_prompt=True, bos_token="",
                                           eos_token=self.eos)
        except TemplateError as exc:
            raise ChatTemplateError(f"the model's chat template cannot render these messages: {exc}") from exc
        return prompt + begun

    @classmethod
    def from_gguf(cls, path: Path) -> ChatTemplate | None:
        """The template in a GGUF file's metadata; None when the file has none. Reading the metadata means parsing
        the whole vocabulary (~11 s for Qwen's 152k tokens on a 2-core box), so what was read is kept beside the file
        (`<file>.template.json`, keyed on its size and mtime like the sha256 marker) for every later start."""
        return _from_gguf(str(path))


def _kept(path: Path) -> Path:
    return path.with_name(path.name + ".template.json")


def _key(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size} {stat.st_mtime_ns}"


@cache
def _from_gguf(name: str) -> ChatTemplate | None:
    path = Path(name)
    key = _key(path)  # the file as it is before it is read: a copy replaced meanwhile is read again next start
    try:
        kept = json.loads(_kept(path).read_text(encoding="utf-8"))
        if kept.get("key") == key:
            return ChatTemplate(**kept["template"]) if kept["template"] else None
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not kept yet, or from another file: read the file itself
    template = _read_gguf(path)
    try:
        _kept(path).write_text(json.dumps({"key": key, "template": asdict(template) if template else None}),
                               encoding="utf-8")
    except OSError:
        pass  # a read-only models dir: read again next time
    return template


def _read_gguf(path: Path) -> ChatTemplate | None:
    from gguf import GGUFReader  # llama.cpp's own reader of the file format

    reader = GGUFReader(path)
    template = reader.get_field("tokenizer.chat_template")
    if template is None:
        return None
    eos = ""
    eos_id, tokens = reader.get_field("tokenizer.ggml.eos_token_id"), reader.get_field("tokenizer.ggml.tokens")
    if eos_id is not None and tokens is not None:
        eos = tokens.contents(int(eos_id.contents()))
    return ChatTemplate(source=template.contents(), eos=eos)
