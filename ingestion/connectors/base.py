"""What every connector shares: a source's common settings, the items it yields and the error it raises. Its own
module so that a connector (connectors/smb.py) and ingestion/sources.py, which picks the connector, need not import
each other."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field, field_validator


class SourceConfig(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
    type: str = "folder"
    path: Path
    collection: str = "default"
    groups: list[str] = Field(default_factory=lambda: ["all"], min_length=1)
    interval_minutes: float | None = Field(None, gt=0, description="scheduled re-index (celery beat); none = manual")

    @field_validator("groups")
    @classmethod
    def clean_groups(cls, groups: list[str]) -> list[str]:
        cleaned = sorted({g.strip() for g in groups if g.strip()})
        if not cleaned:
            raise ValueError("a source needs at least one access group")
        return cleaned


class SourcesError(ValueError):
    pass


@dataclass(frozen=True)
class SourceItem:
    uri: str  # stable identity of the document; stored as the chunks' `source`
    path: Path  # a local file to read
    groups: tuple[str, ...]


class Connector(Protocol):
    def items(self) -> Iterator[SourceItem]: ...
