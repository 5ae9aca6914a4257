"""A search hit: one chunk with its text, metadata and rank score."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class Hit:
    id: str
    text: str
    metadata: Mapping[str, Any]  # as Chroma stores it: read, never changed in place
    score: float
