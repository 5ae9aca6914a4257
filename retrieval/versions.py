"""Retrieval prefers what is in force: superseded, draft, expired and not yet effective versions step back (their
score times a weight, or left out), unless the question names their version ("what did the 2018 law say", "v2").

Applied to a ranking once it is final: after fusion for the Retriever's search (the demotion then acts on the one
score that combines dense and keyword evidence, and min-max normalisation inside fusion cannot undo it, as it would a
list demoted before it), and to the dense and keyword lists a caller asks for alone.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingestion.version_marks import asked_markers
from ingestion.versions import VersionInfo
from retrieval.access import may_see
from retrieval.settings import RetrievalSettings
from retrieval.snapshot import Snapshot


def named_versions(question: str, versions: Mapping[str, VersionInfo]) -> set[str]:
    """Doc ids of versions, in families of more than one, whose year, date or version number the question names."""
    asked = asked_markers(question)
    if not asked:
        return set()
    return {i for i, v in versions.items() if v.family_size > 1 and asked & set(v.markers)}


def standing(info: VersionInfo, named: set[str], named_families: set[str]) -> str:
    """A document's status for this question: a version the question names stands as current, and the current
    version of its family steps back as superseded would."""
    if info.doc_id in named:
        return "current"
    if info.family in named_families and info.status == "current":
        return "superseded"
    return info.status


def _weights(settings: RetrievalSettings) -> dict[str, float]:
    return {"superseded": settings.version_superseded_weight, "draft": settings.version_draft_weight,
            "upcoming": settings.version_draft_weight, "expired": settings.version_expired_weight}


def prefer_in_force(ranked: list[tuple[str, float]], snapshot: Snapshot, question: str,
                    settings: RetrievalSettings) -> list[tuple[str, float]]:
    """The ranking with every version not in force demoted (or left out), best first again."""
    if settings.version_mode == "off" or not snapshot.versions or not ranked:
        return ranked
    named = named_versions(question, snapshot.versions)
    families = {snapshot.versions[i].family for i in named}
    weights = _weights(settings)
    out = []
    for chunk, score in ranked:
        info = snapshot.versions.get(snapshot.doc_of.get(chunk, chunk))
        status = standing(info, named, families) if info else "current"
        if status == "current":
            out.append((chunk, score))
        elif settings.version_mode == "demote":
            out.append((chunk, score * weights[status]))
    return sorted(out, key=lambda item: (-item[1], item[0]))


def version_metadata(doc: str, snapshot: Snapshot, groups: list[str], named: set[str]) -> dict[str, Any]:
    """What a hit carries about its version: status, label, dates, family, and the version in force that supersedes
    it, named only to a caller who may read that document. `named`: the versions the question names
    (named_versions)."""
    info = snapshot.versions.get(doc)
    if info is None:
        return {}
    meta: dict[str, Any] = {"version_status": info.status, "version_family": info.family,
                            "version_family_size": info.family_size}
    for key, value in (("version_label", info.label), ("version_effective", info.effective),
                       ("version_end", info.end)):
        if value:
            meta[key] = value
    newer = snapshot.versions.get(info.superseded_by or "")
    if newer is not None and may_see(sorted(snapshot.doc_groups.get(newer.doc_id, set())), groups):
        meta["superseded_by"] = newer.doc_id
        meta["superseded_by_title"] = newer.title
        if newer.effective:
            meta["superseded_by_effective"] = newer.effective
    if doc in named:
        meta["version_asked"] = True  # the question names this version: an answer about it is what was asked
    return meta
