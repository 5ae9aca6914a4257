"""A search hit: one chunk with its text, metadata and rank score."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Hit:
    id: str
    text: str
    metadata: dict
    score: float
