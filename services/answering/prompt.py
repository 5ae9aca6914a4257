"""What the model is sent: the instructions and numbered sources in the question's language, the conversation's
earlier turns, and the JSON schema its reply must follow (none for the text form: prompts/text_answer.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prompts.build import PromptSource, build_messages, reply_start
from prompts.schema import answer_json_schema
from services.answering.retrieve import Retrieved
from services.answering.versions import prompt_status


@dataclass(frozen=True)
class Prompt:
    messages: list[dict[str, str]]
    schema: dict[str, Any] | None  # None: not constrained (the text form)
    reply_start: str = ""  # the text form's first label, handed to a model that can continue it (generate.py)


def prompt_for(retrieved: Retrieved, quotes: bool = True, answer_form: str = "json",
               prompts_dir: Path | None = None) -> Prompt:
    """With `quotes`, the model is asked to quote the sentence each point rests on (Settings.model_quotes);
    `answer_form` (Settings.model_answer_form): "json" with the schema, or "text" with none and no quotes;
    `prompts_dir`: instruction files to use instead of the packaged ones (PERIMETER_PROMPTS_DIR)."""
    sources = [PromptSource(number=n, title=str(h.metadata.get("title", "")), text=h.text, page=h.metadata.get("page"),
                            status=prompt_status(h, retrieved.language))
               for n, h in enumerate(retrieved.hits, start=1)]
    extra = retrieved.assistant.instructions_in(retrieved.language) if retrieved.assistant is not None else ""
    messages = build_messages(retrieved.question, sources, retrieved.language, quotes, extra, answer_form,
                              str(prompts_dir) if prompts_dir else None)
    earlier = [m for t in retrieved.history for m in ({"role": "user", "content": t.question},
                                                      {"role": "assistant", "content": t.answer})]
    schema = answer_json_schema(len(sources), quotes) if answer_form == "json" else None
    start = reply_start(retrieved.language, answer_form, str(prompts_dir) if prompts_dir else None)
    return Prompt(messages=messages[:1] + earlier + messages[1:], schema=schema, reply_start=start)
