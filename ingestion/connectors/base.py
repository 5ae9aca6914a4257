"""What every connector shares: the common fields of a configured source, the items it yields, secrets by reference.

A connector yields SourceItems: a stable URI (the document's identity in the index), the groups that may read it, a
local file to read (a connector that fetches over the network keeps a copy in its work folder, so that the sync plan
compares content hashes exactly as for folders), and where a citation should send a reader (page URL, mail subject
and date, path).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Keys that would hold a secret in clear: sources.yaml names an environment variable or a file instead.
CLEAR_SECRET_KEYS = {"password", "token", "secret", "header_value", "api_key", "bearer"}


class SourcesError(ValueError):
    pass


class SourceConfig(BaseModel):
    """Fields every source type has. Each type's model (connectors/<type>.py) adds its own and forbids unknown ones,
    so that a misspelt field is an error naming the source and the field, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
    type: str = "folder"
    collection: str = "default"
    groups: list[str] = Field(default_factory=lambda: ["all"], min_length=1)
    interval_minutes: float | None = Field(None, gt=0, description="scheduled re-index (celery beat); none = manual")
    owner: str | None = Field(None, description="who writes its documents (the unanswered-questions queue)")

    @model_validator(mode="before")
    @classmethod
    def no_clear_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            clear = sorted(k for k in data if str(k) in CLEAR_SECRET_KEYS)
            if clear:
                raise ValueError(f"'{clear[0]}' may not be written in sources.yaml: name an environment variable "
                                 f"('{clear[0]}_env: NAME') or a file ('{clear[0]}_file: PATH') instead")
        return data

    @field_validator("groups")
    @classmethod
    def clean_groups(cls, groups: list[str]) -> list[str]:
        cleaned = sorted({g.strip() for g in groups if g.strip()})
        if not cleaned:
            raise ValueError("a source needs at least one access group")
        return cleaned

    def resolve_paths(self, base: Path) -> None:
        """Make relative local paths relative to the sources file's folder (types with local paths override)."""


@dataclass(frozen=True)
class SourceItem:
    uri: str  # stable identity of the document; stored as the chunks' `source`
    path: Path  # a local file to read
    groups: tuple[str, ...]
    location: str = ""  # where a citation sends the reader (page URL, "subject — date", share path); "" = the uri


class Connector(Protocol):
    def items(self) -> Iterator[SourceItem]: ...


def read_secret(source: str, field: str, env: str | None, file: Path | None) -> str | None:
    """A secret named by `<field>_env` or `<field>_file`; None when neither is set. A name given but empty or
    missing is an error: a sync must not quietly run unauthenticated."""
    if env:
        value = os.environ.get(env)
        if not value:
            raise SourcesError(f"source '{source}': environment variable {env} ({field}_env) is not set")
        return value
    if file:
        try:
            return file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SourcesError(f"source '{source}': cannot read {field}_file {file}: {exc.strerror or exc}") from exc
    return None


def relative_to(base: Path, path: Path | None) -> Path | None:
    return path if path is None or path.is_absolute() else base / path
