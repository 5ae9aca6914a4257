"""What the user and the model are told about versions: each source's label (superseded, draft, …, in the question's
language), the line the prompt gives the model per source, and the note Perimeter adds to an answer whose sources hold
an earlier version beside the one in force (said by the pipeline, so it does not depend on the model saying it)."""
from __future__ import annotations

import re

from prompts.schema import SECTION_LABELS
from retrieval.hits import Hit

_SPACE = re.compile(r"\s+")
NOTE = {
    "en": ("Sources {old} and {new} are versions of one document: {new} “{new_title}” is in force{since}; {old} "
           "“{old_title}” is {old_status}. The rule changed: the answer follows the version in force."),
    "zh": ("来源{old}与{new}是同一文件的不同版本：{new}《{new_title}》现行有效{since}；"
           "{old}《{old_title}》{old_status}。规定已有变化，以现行版本为准。"),
}
ASKED_NOTE = {
    "en": ("Source {old} “{old_title}” is the earlier version you asked about ({old_status}). The rule changed: the "
           "version in force is {new} “{new_title}”{since}."),
    "zh": ("来源{old}《{old_title}》是您所问的旧版本（{old_status}）；"
           "现行版本为{new}《{new_title}》{since}，规定已有变化。"),
}


def prompt_status(hit: Hit, language: str) -> str:
    """The model's line for a source with versions: its status and effective date, so it can tell which is in force."""
    meta = hit.metadata
    status = meta.get("version_status")
    if not status or int(meta.get("version_family_size") or 1) < 2:
        return ""
    labels = SECTION_LABELS.get(language, SECTION_LABELS["en"])
    parts = [labels[f"status_{status}"]]
    if meta.get("version_effective"):
        parts.append(labels["effective"].format(date=meta["version_effective"]))
    if meta.get("superseded_by_title"):
        parts.append(labels["superseded_by"].format(title=meta["superseded_by_title"]))
    return ("，" if language == "zh" else ", ").join(parts)


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def versions_note(hits: list[Hit], language: str) -> str | None:
    """One sentence per family whose sources hold the version in force and an earlier one that reads differently."""
    language = language if language in NOTE else "en"
    labels = SECTION_LABELS[language]
    notes = []
    by_family: dict[str, list[tuple[int, Hit]]] = {}
    for n, hit in enumerate(hits, start=1):
        if hit.metadata.get("version_family"):
            by_family.setdefault(str(hit.metadata["version_family"]), []).append((n, hit))
    for members in by_family.values():
        current = next(((n, h) for n, h in members if h.metadata.get("version_status") == "current"), None)
        if current is None:
            continue
        for n, hit in members:
            if hit.metadata.get("version_status") not in ("superseded", "expired") or \
                    hit.metadata.get("doc_id") == current[1].metadata.get("doc_id") or \
                    _flat(hit.text) == _flat(current[1].text):
                continue
            effective = current[1].metadata.get("version_effective")
            since = ""
            if effective:
                since = f"（{labels['effective'].format(date=effective)}）" if language == "zh" else \
                    f" ({labels['effective'].format(date=effective)})"
            template = ASKED_NOTE if hit.metadata.get("version_asked") else NOTE
            notes.append(template[language].format(
                old=f"[{n}]", new=f"[{current[0]}]", old_title=hit.metadata.get("title", ""),
                new_title=current[1].metadata.get("title", ""), since=since,
                old_status=labels[f"status_{hit.metadata['version_status']}"]))
            break
    return " ".join(notes) or None
