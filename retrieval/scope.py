"""A search's scope: the part of the collection one assistant searches (services/assistants.py). It narrows what the
caller's groups let them see, never widens it: the scope's row mask is ANDed with the access mask, and each hit's
stored record is checked against both."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import Any

from ingestion.documents import ATTACHMENT_MARK


@dataclass(frozen=True)
class DocumentScope:
    """`sources`: names of sources.yaml's sources (a chunk's `source_name`); `documents`: glob patterns matched against
    a document's path or URI, or its file name alone (`leave-policy*`). A chunk is in scope when it matches either.
    Both empty: the whole collection."""
    sources: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.sources and not self.documents

    def matches(self, source: str, source_name: str) -> bool:
        if self.everything:
            return True
        if source_name and source_name in self.sources:
            return True
        if not source:
            return False
        # A mail's attachment (MAIL#attachment/N/NAME) is in scope by its own name or path, or by its mail's.
        places = (source, source.split(ATTACHMENT_MARK, 1)[0]) if ATTACHMENT_MARK in source else (source,)
        return any(fnmatchcase(place, p) or fnmatchcase(PurePosixPath(place).name, p)
                   for place in places for p in self.documents)

    def admits(self, metadata: Mapping[str, Any]) -> bool:
        """A chunk's stored record (Chroma metadata: `source`, `source_name`) in scope?"""
        return self.matches(str(metadata.get("source") or ""), str(metadata.get("source_name") or ""))
