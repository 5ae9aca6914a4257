"""A source's version label as every door shows it (superseded, draft, expired, not yet in effect; and the version
in force that replaces it), in the question's language."""
from __future__ import annotations

from prompts.schema import SECTION_LABELS
from services.schemas import Source


def source_label(source: Source, language: str) -> str:
    """"superseded, replaced by “X”" / "已被取代，已被《X》取代": empty for a version in force or a document without
    versions. Document titles inside it are escaped by each door like any title."""
    if source.status in (None, "current"):
        return ""
    labels = SECTION_LABELS.get(language, SECTION_LABELS["en"])
    parts = [labels[f"status_{source.status}"]]
    if source.superseded_by:
        parts.append(labels["superseded_by"].format(title=source.superseded_by))
    separator = "，" if language == "zh" else ", "
    return separator.join(parts)
