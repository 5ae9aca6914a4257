"""The numbers of the analytics page, computed in SQL over the aggregates store (services/quality/store.py), for a
period and a collection. Percentiles: the median, and the 95th by nearest rank (the smallest value with at least 95 %
of the values at or below it), over the questions that have the time."""
from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select

from services.quality.schemas import Analytics, DayCount, Filters, Percentiles, QuestionGroup, SourceCount
from services.quality.store import AggregateStore, question_sources, questions, ratings

TOP = 10


def _where(table, filters: Filters) -> list:
    clauses = []
    if filters.since:
        clauses.append(table.c.day >= filters.since)
    if filters.until:
        clauses.append(table.c.day <= filters.until)
    if filters.collection:
        clauses.append(table.c.collection == filters.collection)
    return clauses


def nearest_rank(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _percentiles(values: list[float]) -> Percentiles:
    if not values:
        return Percentiles()
    return Percentiles(n=len(values), p50_ms=round(statistics.median(values), 1),
                       p95_ms=round(nearest_rank(values, 0.95) or 0.0, 1))


@dataclass
class Asked:
    """One unanswered or 👎 question, as the store holds it."""
    text: str
    user: str | None
    not_found: bool
    doc_ids: list[str]
    groups: list[str] | None = None  # the asker's, for questions that showed no source (not found)


def unanswered(store: AggregateStore, filters: Filters) -> list[Asked]:
    """Questions that got "not found", and questions whose answer got 👎 (their texts: for analysts only)."""
    with store.engine.connect() as db:
        q = questions.c
        found = db.execute(select(q.id, q.question, q.user_name, q.groups).where(
            q.outcome == "not_found", q.question.is_not(None), *_where(questions, filters))).all()
        shown: dict[int, list[str]] = {}
        if found:
            for qid, doc in db.execute(select(question_sources.c.question_id, question_sources.c.doc_id).where(
                    question_sources.c.question_id.in_([r.id for r in found]))):
                shown.setdefault(qid, []).append(doc)
        down = db.execute(select(ratings.c.question, ratings.c.user_name, ratings.c.doc_ids).where(
            ratings.c.rating == "down", ratings.c.question.is_not(None), *_where(ratings, filters))).all()
    return ([Asked(r.question, r.user_name, True, shown.get(r.id, []), json.loads(r.groups or "[]")) for r in found]
            + [Asked(r.question, r.user_name, False, json.loads(r.doc_ids or "[]")) for r in down])


def group_texts(texts: list[str], embed: Callable[[list[str]], list[list[float]]], threshold: float) -> list[list[int]]:
    """Indexes of `texts` in groups of near-identical questions (cosine similarity of their embeddings at least
    `threshold` to the group's first question), largest group first; identical texts always share a group."""
    if not texts:
        return []
    distinct = list(dict.fromkeys(t.strip() for t in texts))
    vectors = np.asarray(embed(distinct), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    leaders: list[int] = []
    group_of: dict[str, int] = {}
    for n, text in enumerate(distinct):
        sims = vectors[leaders] @ vectors[n] if leaders else np.zeros(0)
        best = int(np.argmax(sims)) if len(sims) else -1
        if best >= 0 and sims[best] >= threshold:
            group_of[text] = best
        else:
            group_of[text] = len(leaders)
            leaders.append(n)
    groups: list[list[int]] = [[] for _ in leaders]
    for i, text in enumerate(texts):
        groups[group_of[text.strip()]].append(i)
    return sorted(groups, key=len, reverse=True)


def question_groups(asked: list[Asked], embed, threshold: float, *, texts: bool, users: bool) -> list[QuestionGroup]:
    out = []
    for members in group_texts([a.text for a in asked], embed, threshold)[:TOP]:
        items = [asked[i] for i in members]
        out.append(QuestionGroup(
            count=len(items), not_found=sum(a.not_found for a in items),
            thumbs_down=sum(not a.not_found for a in items),
            questions=list(dict.fromkeys(a.text for a in items)) if texts else None,
            askers=sorted({a.user for a in items if a.user}) if texts and users else None))
    return out


def analytics(store: AggregateStore, filters: Filters, documents: Iterable[tuple[str, str]], embed, *,
              threshold: float, texts: bool, users: bool) -> Analytics:
    """The page's numbers. `documents`: (doc id, uri) of the collection's index, for "never cited"; `embed` groups
    near-identical questions; `texts`/`users`: whether question texts and askers are shown (services/quality/access)."""
    q = questions.c
    report = Analytics(filters=filters, texts_shown=texts)
    where = _where(questions, filters)
    with store.engine.connect() as db:
        report.outcomes = {o: n for o, n in db.execute(select(q.outcome, func.count()).where(*where)
                                                       .group_by(q.outcome))}
        report.questions = sum(report.outcomes.values())
        report.per_door = {d: n for d, n in db.execute(select(q.door, func.count()).where(*where).group_by(q.door))}
        report.per_day = [DayCount(day=d, door=door, questions=n) for d, door, n in db.execute(
            select(q.day, q.door, func.count()).where(*where).group_by(q.day, q.door).order_by(q.day, q.door))]
        report.first_token = _percentiles([v for (v,) in db.execute(
            select(q.first_token_ms).where(*where, q.first_token_ms.is_not(None)))])
        report.full_answer = _percentiles([v for (v,) in db.execute(
            select(q.answer_ms).where(*where, q.outcome == "answered", q.answer_ms.is_not(None)))])
        rate = db.execute(select(func.avg(q.grounding_rate)).where(*where, q.grounding_rate.is_not(None))).scalar()
        report.grounding_rate = round(float(rate), 4) if rate is not None else None
        votes: dict[str, int] = dict(db.execute(select(ratings.c.rating, func.count()).where(*_where(ratings, filters))
                                .group_by(ratings.c.rating)).all())
        cited = db.execute(
            select(question_sources.c.doc_id, func.max(question_sources.c.uri), func.count())
            .join(questions, questions.c.id == question_sources.c.question_id)
            .where(*where, question_sources.c.cited.is_(True))
            .group_by(question_sources.c.doc_id).order_by(func.count().desc(), question_sources.c.doc_id)).all()
    report.thumbs_up, report.thumbs_down = votes.get("up", 0), votes.get("down", 0)
    if report.thumbs_up + report.thumbs_down:
        report.thumbs_up_ratio = round(report.thumbs_up / (report.thumbs_up + report.thumbs_down), 4)
    report.cited_most = [SourceCount(doc_id=d, uri=u, cited=n) for d, u, n in cited[:TOP]]
    ever = {d for d, _, _ in cited}
    report.never_cited = sorted((SourceCount(doc_id=d, uri=u) for d, u in documents if d not in ever),
                                key=lambda s: s.uri or s.doc_id)
    report.top_unanswered = question_groups(unanswered(store, filters), embed, threshold, texts=texts, users=users)
    return report
