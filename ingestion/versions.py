"""Document families: which indexed documents are versions of one another, and which version is in force.

Computed for the whole collection at each publish (ingestion/keyword_index.py), so a new version, a rename or a
deleted current version leaves every family right: the previous version becomes current again by itself.

Evidence, in order of trust:
1. what is declared: front matter or `.perimeter-versions.yaml` beside the files (`family`, `supersedes`, `status`,
   `effective`, `end`, `version`, `review_by`), docx core properties (content status, version);
2. names: titles or file names that differ only by a year, date, amendment, version or draft marker
   (ingestion/version_marks.py), when their texts share something (look-alikes with one subject but other contents
   stay apart);
3. content overlap, the last resort: a document still alone that shares most of its text with another.
Then the operator's overrides (`perimeter versions`, the admin API), kept in DATA_DIR/versions-overrides.json.

Within a family the newest version that is neither a draft, nor expired, nor yet to take effect is current; the older
ones are superseded by it. Newest: effective date (declared, then the text's "effective …"/"自…起施行", then the
last amendment date, then a date or year in the name), then version number, then the time it was indexed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ingestion.version_marks import (
    NameMarks,
    amended_date,
    effective_date,
    end_date,
    name_marks,
    parse_date,
)

log = logging.getLogger(__name__)
FOLDER_FILE = ".perimeter-versions.yaml"
OVERRIDES_FILE = "versions-overrides.json"
NAME_MIN_OVERLAP = 0.15  # versions found by name must share at least this much text (look-alikes share less)
CONTENT_MIN_OVERLAP = 0.6  # documents alone after names: "shares most of its text"
_SHINGLE = 6
_SPACE = re.compile(r"\s+")


@dataclass
class DocumentFacts:
    """One indexed document as publish sees it."""

    doc_id: str
    source: str
    title: str
    text: str  # its chunks in order
    declared: dict[str, Any] = field(default_factory=dict)  # front matter, core properties, folder file
    source_name: str = ""
    ingested_at: str = ""
    file_sha256: str = ""


@dataclass
class VersionInfo:
    """What is recorded per document: in the search snapshot (versions.json) and the manifest."""

    doc_id: str
    source: str
    title: str
    family: str
    family_size: int
    label: str | None
    effective: str | None
    end: str | None
    status: str  # current / superseded / draft / expired / upcoming
    superseded_by: str | None  # doc id of the version in force, for a superseded (or expired) one
    review_by: str | None = None
    source_name: str = ""
    markers: list[str] = field(default_factory=list)  # what a question may name to ask for this version
    why: str = ""  # how it joined its family: declared, name, content, operator

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VersionInfo:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class Overrides:
    """The operator's decisions, by document source: applied after detection, kept across publishes."""

    current: list[str] = field(default_factory=list)  # these are current in their family
    split: list[str] = field(default_factory=list)  # these stand alone
    merge: list[list[str]] = field(default_factory=list)  # each list is one family

    @classmethod
    def load(cls, data_dir: Path) -> Overrides:
        path = data_dir / OVERRIDES_FILE
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(current=list(data.get("current", [])), split=list(data.get("split", [])),
                       merge=[list(m) for m in data.get("merge", [])])
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("ignoring unreadable %s: %s", path, exc)
            return cls()

    def save(self, data_dir: Path) -> None:
        path = data_dir / OVERRIDES_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)

    def mark_current(self, source: str) -> None:
        self.current = [s for s in self.current if s != source] + [source]

    def split_off(self, source: str) -> None:
        self.merge = [[s for s in group if s != source] for group in self.merge]
        self.merge = [g for g in self.merge if len(g) > 1]
        self.split = sorted({*self.split, source})

    def join(self, sources: list[str]) -> None:
        self.split = [s for s in self.split if s not in sources]
        self.merge.append(sorted(set(sources)))


# per member of a family: (document, effective date shown, date that orders it, version number, end, label, draft)
_Facts = tuple[DocumentFacts, date | None, date | None, tuple[int, ...] | None, date | None, str | None, bool]


class _Families:
    """Union-find over doc ids, remembering why two were joined."""

    def __init__(self, ids: Iterable[str]):
        self.parent = {i: i for i in ids}
        self.why: dict[str, str] = {}

    def find(self, i: str) -> str:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: str, b: str, why: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
            self.why.setdefault(a, why)
            self.why.setdefault(b, why)

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for i in self.parent:
            out.setdefault(self.find(i), []).append(i)
        return out


def _shingles(text: str) -> frozenset[str]:
    # The first 2,000 characters stand for the document: a publish reads every document, at 100k chunks too.
    flat = _SPACE.sub(" ", text[:2400].lower())[:2000]
    return frozenset(flat[i:i + _SHINGLE] for i in range(max(1, len(flat) - _SHINGLE + 1)))


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _sharing_pairs(shingles: dict[str, frozenset[str]]) -> list[tuple[str, str]]:
    """Pairs of documents that share many sampled shingles: the only ones worth an exact overlap, so that a publish
    of thousands of documents does not compare every pair (about one shingle in 16 is looked at). A shingle in more
    than 20 documents (boilerplate, common phrases) is not evidence. The sample follows hash(), salted per process:
    it only picks candidates, with a lenient bar (half the sample a 0.6 overlap would share); the decision is the
    exact overlap."""
    postings: dict[str, list[str]] = {}
    sampled = {i: [h for h in s if hash(h) % 16 == 0] for i, s in shingles.items()}
    for i, hashes in sampled.items():
        for h in hashes:
            postings.setdefault(h, []).append(i)
    shared: dict[tuple[str, str], int] = {}
    for ids in postings.values():
        if 1 < len(ids) <= 20:
            for n, a in enumerate(ids):
                for b in ids[n + 1:]:
                    key = (a, b) if a < b else (b, a)
                    shared[key] = shared.get(key, 0) + 1
    return sorted(pair for pair, count in shared.items()
                  if count >= CONTENT_MIN_OVERLAP * 0.5 * min(len(sampled[pair[0]]), len(sampled[pair[1]])))


def _stem(source: str) -> str:
    name = source.rstrip("/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def _names(doc: DocumentFacts) -> list[NameMarks]:
    return [name_marks(doc.title), name_marks(_stem(doc.source))]


def _refers_to(reference: str, doc: DocumentFacts) -> bool:
    ref = reference.strip().lower()
    name = doc.source.rsplit("/", 1)[-1].lower()
    return ref in {name, _stem(doc.source).lower(), doc.title.lower(), doc.source.lower(), doc.doc_id}


def _order_date(doc: DocumentFacts, marks: list[NameMarks]) -> tuple[date | None, date | None]:
    """(the effective date to show, the date that orders versions)."""
    shown = parse_date(doc.declared.get("effective")) or effective_date(doc.text)
    if shown:
        return shown, shown
    amended = amended_date(doc.text)
    named = next((m.on for m in marks if m.on), None)
    year = next((m.year for m in marks if m.year), None)
    return named, amended or named or (date(year, 1, 1) if year else None)


def group_families(docs: list[DocumentFacts], overrides: Overrides | None = None) -> tuple[_Families, dict[str, str]]:
    """Doc ids joined into families; and for each source its doc id."""
    overrides = overrides or Overrides()
    families = _Families(d.doc_id for d in docs)
    by_source = {d.source: d.doc_id for d in docs}
    shingles = {d.doc_id: _shingles(d.text) for d in docs}
    split = {by_source[s] for s in overrides.split if s in by_source}

    declared: dict[str, list[str]] = {}
    for d in docs:
        if d.doc_id in split:
            continue
        if name := d.declared.get("family"):
            declared.setdefault(str(name).strip().lower(), []).append(d.doc_id)
        for ref in d.declared.get("supersedes") or []:
            for other in docs:
                if other.doc_id != d.doc_id and other.doc_id not in split and _refers_to(str(ref), other):
                    families.join(d.doc_id, other.doc_id, "declared")
    for named in declared.values():
        for member in named[1:]:
            families.join(named[0], member, "declared")

    by_subject: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for d in docs:
        if d.doc_id in split:
            continue
        for kind, marks in zip(("title", "file"), _names(d), strict=True):
            if len(marks.subject) >= 2:
                by_subject.setdefault((kind, marks.subject), []).append((d.doc_id, marks.marked))
    for alike in by_subject.values():
        for n, (a, a_marked) in enumerate(alike):
            for b, b_marked in alike[n + 1:]:
                # differ only by markers: one of them at least carries one; and not look-alikes of other content
                if (a_marked or b_marked) and overlap(shingles[a], shingles[b]) >= NAME_MIN_OVERLAP:
                    families.join(a, b, "name")

    groups = families.groups()
    alone = {d.doc_id for d in docs if len(groups[families.find(d.doc_id)]) == 1 and d.doc_id not in split}
    sha = {d.doc_id: d.file_sha256 for d in docs}
    for a, b in _sharing_pairs({i: s for i, s in shingles.items() if i not in split}):
        if ((a in alone or b in alone) and sha[a] != sha[b]  # an identical copy is a copy, not a version
                and overlap(shingles[a], shingles[b]) >= CONTENT_MIN_OVERLAP):
            families.join(a, b, "content")
    for group in overrides.merge:
        ids = [by_source[s] for s in group if s in by_source]
        for member in ids[1:]:
            families.join(ids[0], member, "operator")
    return families, by_source


def detect_versions(docs: list[DocumentFacts], overrides: Overrides | None = None,
                    today: date | None = None) -> dict[str, VersionInfo]:
    """Every document's family and status (doc id → VersionInfo)."""
    overrides = overrides or Overrides()
    today = today or date.today()
    families, by_source = group_families(docs, overrides)
    chosen = {by_source[s] for s in overrides.current if s in by_source}
    by_id = {d.doc_id: d for d in docs}
    out: dict[str, VersionInfo] = {}
    for members in families.groups().values():
        facts: dict[str, _Facts] = {}
        for i in members:
            d = by_id[i]
            marks = _names(d)
            shown, order = _order_date(d, marks)
            number = next((m.number for m in marks if m.number), None)
            end = parse_date(d.declared.get("end")) or end_date(d.text)
            declared_label = str(d.declared.get("version") or "") or None
            label = declared_label or next((m.label for m in marks if m.label), None)
            label = label or (shown.isoformat() if shown else None)
            draft = any(m.draft for m in marks)
            facts[i] = (d, shown, order, number, end, label, draft)

        def newest(i: str, facts: dict[str, _Facts] = facts) -> tuple[Any, ...]:
            d, _, order, number, *_ = facts[i]
            return (order or date.min, number or (), d.ingested_at, d.source)

        status: dict[str, str] = {}
        for i, (d, shown, _, _, end, _, draft) in facts.items():
            declared = d.declared.get("status")
            if declared in ("draft", "expired", "superseded", "upcoming"):
                status[i] = declared
            elif draft and declared != "current":
                status[i] = "draft"
            elif end and end < today:
                status[i] = "expired"
            elif shown and shown > today and declared != "current":
                status[i] = "upcoming"
        candidates = [i for i in members if i not in status]
        operator = [i for i in candidates if i in chosen] or [i for i in members if i in chosen]
        declared_current = [i for i in candidates if by_id[i].declared.get("status") == "current"]
        ranked = sorted(operator or declared_current or candidates, key=newest, reverse=True)
        current = ranked[0] if ranked else None
        for i in members:
            # an identical copy of the version in force (the same file in two folders) is in force too
            if i == current or (current and by_id[i].file_sha256 and i not in status
                                and by_id[i].file_sha256 == by_id[current].file_sha256):
                status[i] = "current"
            elif i not in status:
                status[i] = "superseded"
        family = _family_id(members, by_id)
        for i in members:
            d, shown, order, _, end, label, _ = facts[i]
            later = current if current and status[i] in ("superseded", "expired") and \
                newest(current) > newest(i) else None
            if status[i] == "superseded" and current and later is None:
                later = current  # declared or chosen: superseded by the one in force whatever their dates
            markers = sorted({str(x) for m in _names(d) for x in (m.year, m.label) if x}
                             | ({str(order.year)} if order else set()) | ({str(label)} if label else set()))
            out[i] = VersionInfo(
                doc_id=i, source=d.source, title=d.title, family=family, family_size=len(members), label=label,
                effective=shown.isoformat() if shown else None, end=end.isoformat() if end else None,
                status=status[i], superseded_by=later,
                review_by=str(d.declared["review_by"]) if d.declared.get("review_by") else None,
                source_name=d.source_name, markers=[m.lower() for m in markers],
                why=("operator" if i in chosen else families.why.get(i, "")) if len(members) > 1 else "")
    return out


def _family_id(members: list[str], by_id: dict[str, DocumentFacts]) -> str:
    """Named by its oldest source (stable while that one stays)."""
    first = min(by_id[i].source for i in members)
    return "fam-" + hashlib.sha256(first.encode("utf-8")).hexdigest()[:10]
