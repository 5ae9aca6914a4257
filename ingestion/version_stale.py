"""The stale-content report: documents past their review date and families whose newest version is old
(admin API, `perimeter versions stale`, the perimeter_stale_documents gauge). Reads the version facts that
ingestion/versions.py decided; decides nothing about families itself."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ingestion.version_marks import parse_date
from ingestion.version_sources import add_months
from ingestion.versions import VersionInfo


@dataclass
class StaleItem:
    """A document past its review date, or a family whose newest version is old."""

    reason: str  # review_overdue / family_old
    source_name: str
    folder: str
    doc_id: str
    title: str
    source: str
    since: str  # the review date passed, or the newest version's date


def stale_report(versions: dict[str, VersionInfo], *, today: date, stale_months: int, review_months: int,
                 ingested: dict[str, str] | None = None) -> list[StaleItem]:
    """Per document: past its review date (declared `review_by`, its folder's interval, or `review_months` after it
    took effect or was indexed); per family: newest version's date older than `stale_months`. Drafts and superseded
    versions are not reviewed (their successor is)."""
    ingested = ingested or {}
    out: list[StaleItem] = []

    def item(reason: str, v: VersionInfo, since: date) -> StaleItem:
        folder = v.source.rsplit("/", 1)[0] if "/" in v.source else ""
        return StaleItem(reason, v.source_name, folder, v.doc_id, v.title, v.source, since.isoformat())

    for v in versions.values():
        if v.status not in ("current", "expired"):
            continue
        due = parse_date(v.review_by)
        base = parse_date(v.effective) or parse_date(ingested.get(v.doc_id, "")[:10])
        if due is None and review_months and base:
            due = add_months(base, review_months)
        if due and due < today:
            out.append(item("review_overdue", v, due))
    if stale_months:
        families: dict[str, list[VersionInfo]] = {}
        for v in versions.values():
            families.setdefault(v.family, []).append(v)
        limit = add_months(today, -stale_months)
        for members in families.values():
            dated = [(d, v) for v in members if v.status != "draft"
                     if (d := parse_date(v.effective) or _year_of(v.label))]
            if dated:
                newest, v = max(dated, key=lambda x: x[0])
                if newest < limit:
                    out.append(item("family_old", v, newest))
    return sorted(out, key=lambda s: (s.source_name, s.folder, s.reason, s.source))


def _year_of(label: str | None) -> date | None:
    m = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", label or "")
    return date(int(m[1]), 1, 1) if m else None
