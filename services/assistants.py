"""Assistants: one knowledge area each (HR, IT, regulations…), with the part of the collection it searches, extra
instructions appended to the fixed answer rules, a disclaimer per language shown with every answer, example
questions, the groups that may use it, and optionally the model name asked for on the model server (with vLLM that
picks a LoRA adapter served as `--lora-modules NAME=PATH`).

They are defined in a YAML file (PERIMETER_ASSISTANTS_FILE), read again when it changes. Without the file there are
no assistants and every door answers as before, from everything the caller may read. An assistant narrows, never
widens: its scope is ANDed with the caller's access (retrieval/scope.py), and a caller outside its groups is refused
(AssistantForbidden, 403 at every door)."""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from retrieval.scope import DocumentScope
from services.identity import User

log = logging.getLogger(__name__)
ANY_LANGUAGE = "*"  # a disclaimer or instructions given as one text: for every language


class AssistantsError(ValueError):
    """The assistants file cannot be used (unreadable YAML, a wrong field, two assistants of one name)."""


class UnknownAssistant(LookupError):
    """No assistant of that name (404)."""


class AssistantForbidden(PermissionError):
    """The caller's groups do not include one the assistant is for (403)."""


def _per_language(value: Any) -> Any:
    """`text` or `{en: text, zh: text}`: one text is for every language."""
    if value is None:
        return {}
    return {ANY_LANGUAGE: value} if isinstance(value, str) else value


class Assistant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$",
                      description="what callers name: the API's `assistant`, the OpenAI door's model, Slack's prefix")
    title: str = Field("", description="shown in pickers (default: the name)")
    description: str = ""
    sources: list[str] = Field(default_factory=list, description="names of sources.yaml's sources it searches")
    documents: list[str] = Field(default_factory=list, description="glob patterns over document paths or file names")
    instructions: dict[str, str] = Field(default_factory=dict, description="appended to the answer rules, per "
                                         "language (one text: every language)")
    disclaimer: dict[str, str] = Field(default_factory=dict, description="shown with every answer, per language")
    examples: list[str] = Field(default_factory=list, description="example questions shown to its users")
    groups: list[str] = Field(default_factory=list, description="who may use it (any one group); empty: everyone")
    model: str | None = Field(None, description="the model name asked for on the model server (vLLM: a LoRA adapter)")

    @field_validator("instructions", "disclaimer", mode="before")
    @classmethod
    def _one_text_for_all(cls, value: Any) -> Any:
        return _per_language(value)

    @field_validator("instructions", "disclaimer")
    @classmethod
    def _known_languages(cls, texts: dict[str, str]) -> dict[str, str]:
        unknown = set(texts) - {"en", "zh", ANY_LANGUAGE}
        if unknown:
            raise ValueError(f"languages are en and zh (or one text for both), not {', '.join(sorted(unknown))}")
        return {k: v.strip() for k, v in texts.items() if v.strip()}

    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def scope(self) -> DocumentScope | None:
        """What it searches; None: the whole collection (within the caller's access, as always)."""
        scope = DocumentScope(tuple(self.sources), tuple(self.documents))
        return None if scope.everything else scope

    def may_use(self, user: User) -> bool:
        return not self.groups or not set(self.groups).isdisjoint(user.groups)

    def disclaimer_in(self, language: str) -> str | None:
        return _text_in(self.disclaimer, language)

    def instructions_in(self, language: str) -> str:
        return _text_in(self.instructions, language) or ""


def _text_in(texts: dict[str, str], language: str) -> str | None:
    """The text for `language`, else the one for every language, else any: a disclaimer is never left out."""
    return texts.get(language) or texts.get(ANY_LANGUAGE) or next(iter(texts.values()), None)


class AssistantsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assistants: list[Assistant] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> AssistantsFile:
        names = [a.name for a in self.assistants]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"two assistants are named {', '.join(twice)}")
        return self


def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    """`assistants[1] (it).disclaimer` from pydantic's location, naming the assistant when it has a name."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            items = raw.get("assistants") if isinstance(raw, dict) else None
            if isinstance(items, list) and part < len(items) and isinstance(items[part], dict) and \
                    items[part].get("name"):
                out += f" ({items[part]['name']})"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_assistants(path: Path) -> list[Assistant]:
    """The file's assistants, in order (the first one a caller may use is their default). Raises AssistantsError
    naming the file, the assistant and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AssistantsError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise AssistantsError(f"{path}: not valid YAML ({exc})") from None
    try:
        return AssistantsFile.model_validate(raw).assistants
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e['loc'], raw)}: {e['msg']}" for e in exc.errors())
        raise AssistantsError(f"{path}: {problems}") from None


class AssistantCatalog:
    """The assistants of one file, read again when the file changes (its size or modification time). A change that
    does not validate is logged and reported (`error`) while the last good assistants stay in use; a file that is bad
    from the start fails at start-up (`check`)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.error: str | None = None
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._assistants: list[Assistant] = []

    def check(self) -> None:
        """Read the file now: raises AssistantsError when it cannot be used."""
        if self.path is not None:
            self._assistants, self._seen = load_assistants(self.path), self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat() if self.path else None
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size) if stat else None

    def all(self) -> list[Assistant]:
        if self.path is None:
            return []
        stamp = self._stamp()
        if stamp != self._seen:
            with self._lock:
                if stamp != self._seen:
                    try:
                        self._assistants, self.error = load_assistants(self.path), None
                    except AssistantsError as exc:
                        log.error("assistants file not reloaded, keeping the %d assistants in use: %s",
                                  len(self._assistants), exc)
                        self.error = str(exc)
                    self._seen = stamp
        return list(self._assistants)

    def usable_by(self, user: User) -> list[Assistant]:
        """The assistants `user` may use, in the file's order (the first is their default)."""
        return [a for a in self.all() if a.may_use(user)]

    def choose(self, name: str | None, user: User) -> Assistant | None:
        """The assistant `name` for `user`; no name: their default (the first they may use), or None when there is
        none (then the answer comes from everything they may read, as without assistants). Raises UnknownAssistant,
        AssistantForbidden."""
        assistants = self.all()
        if not name:
            return next((a for a in assistants if a.may_use(user)), None)
        found = next((a for a in assistants if a.name == name), None)
        if found is None:
            raise UnknownAssistant(f"no assistant is named '{name}'")
        if not found.may_use(user):
            raise AssistantForbidden(f"'{user.name}' may not use the assistant '{name}'")
        return found
