"""The aggregates store: the audit log's questions and the feedback file's ratings as rows, so that analytics are
SQL (GROUP BY day, door, outcome, document) instead of a pass over JSON files per request. SQLite in DATA_DIR by
default, PostgreSQL when PERIMETER_ANALYTICS_DB_URL names one: the same SQLAlchemy Core statements on both.

The files stay the record; this store follows them. `refresh` reads what was appended since the last refresh (a byte
offset per file, kept in the store) and starts over when a file was replaced or shortened (the retention purge
rewrites them), so it never counts a line twice nor misses one."""
from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    insert,
    select,
    update,
)

log = logging.getLogger(__name__)
metadata = MetaData()

questions = Table(
    "pq_questions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Float, nullable=False, index=True),
    Column("day", String(10), nullable=False, index=True),
    Column("door", String(32), nullable=False),
    Column("collection", String(200)),
    Column("outcome", String(16), nullable=False),
    Column("user_name", Text),  # blanked by the retention purge, with the question
    Column("question", Text),
    Column("groups", Text),  # the asker's access groups, JSON: the unanswered queue searches as them
    Column("first_token_ms", Float),
    Column("answer_ms", Float),
    Column("grounding_rate", Float),
)
question_sources = Table(
    "pq_question_sources", metadata,
    Column("question_id", Integer, ForeignKey("pq_questions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("doc_id", String(64), nullable=False),
    Column("uri", Text),
    Column("cited", Boolean, nullable=False),
)
ratings = Table(
    "pq_feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Float, nullable=False, index=True),
    Column("day", String(10), nullable=False, index=True),
    Column("collection", String(200)),
    Column("rating", String(8), nullable=False),
    Column("user_name", Text),
    Column("question", Text),
    Column("answer_id", String(32)),
    Column("doc_ids", Text, nullable=False, default="[]"),  # the sources the rated answer showed, JSON
)
offsets = Table(
    "pq_offsets", metadata,
    Column("name", String(16), primary_key=True),
    Column("inode", BigInteger, nullable=False),
    Column("position", BigInteger, nullable=False),  # bytes read so far
)


def day_of(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


@dataclass
class Refreshed:
    questions: int = 0
    ratings: int = 0


class AggregateStore:
    """The store of one process (services/container.py owns it)."""

    def __init__(self, url: str):
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine: Engine = create_engine(url, future=True, pool_pre_ping=True)
        metadata.create_all(self.engine)
        # One refresh at a time in this process (two would read the same lines); across processes the offsets row is
        # locked (FOR UPDATE on PostgreSQL; SQLite lets one writer in).
        self._refreshing = threading.Lock()

    def refresh(self, audit_file: Path, feedback_file: Path) -> Refreshed:
        """Take in the lines appended to both files since the last refresh."""
        done = Refreshed()
        with self._refreshing:
            done.questions = self._follow("audit", audit_file, self._add_question)
            done.ratings = self._follow("feedback", feedback_file, self._add_rating)
        return done

    def _follow(self, name: str, path: Path, add) -> int:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return 0
        added = 0
        with self.engine.begin() as db:
            row = db.execute(select(offsets).where(offsets.c.name == name).with_for_update()).first()
            start = row.position if row is not None and row.inode == info.st_ino and row.position <= info.st_size else 0
            if start == 0 and row is not None:  # replaced or shortened (purged): read it again from the start
                self._forget(db, name)
            with open(path, "rb") as f:
                f.seek(start)
                data = f.read()
            end = data.rfind(b"\n") + 1  # a line still being written is read at the next refresh
            for line in data[:end].splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    log.warning("%s: an unreadable line skipped", path)
                    continue
                added += add(db, record)
            values = {"inode": info.st_ino, "position": start + end}
            if row is None:
                db.execute(insert(offsets).values(name=name, **values))
            else:
                db.execute(update(offsets).where(offsets.c.name == name).values(**values))
        return added

    @staticmethod
    def _forget(db, name: str) -> None:
        if name == "audit":
            db.execute(delete(question_sources))
            db.execute(delete(questions))
        else:
            db.execute(delete(ratings))

    @staticmethod
    def _add_question(db, record: dict) -> int:
        outcome = record.get("outcome")
        if outcome in (None, "refused", "search"):  # refusals and searches are not questions answered
            return 0
        ts = float(record.get("ts") or 0)
        qid = db.execute(insert(questions).values(
            ts=ts, day=day_of(ts), door=str(record.get("door") or "?")[:32], collection=record.get("collection"),
            outcome=str(outcome)[:16], user_name=record.get("user"), question=record.get("question"),
            groups=json.dumps(record.get("groups") or []), first_token_ms=record.get("first_token_ms"),
            answer_ms=record.get("answer_ms"), grounding_rate=record.get("grounding_rate"))).inserted_primary_key[0]
        cited = set(record.get("cited") or [])
        shown = [{"question_id": qid, "doc_id": s["doc_id"], "uri": s.get("uri"), "cited": s.get("n") in cited}
                 for s in record.get("sources") or [] if s.get("doc_id")]
        if shown:
            db.execute(insert(question_sources), shown)
        return 1

    @staticmethod
    def _add_rating(db, record: dict) -> int:
        if record.get("rating") not in ("up", "down"):
            return 0
        ts = float(record.get("at") or 0)
        db.execute(insert(ratings).values(
            ts=ts, day=day_of(ts), collection=record.get("collection"), rating=record["rating"],
            user_name=record.get("user"), question=record.get("question"), answer_id=record.get("answer_id"),
            doc_ids=json.dumps([d for d in record.get("sources") or [] if isinstance(d, str)])))
        return 1

    def blank_before(self, cutoff_ts: float) -> int:
        """Forget the texts and names of questions and ratings older than `cutoff_ts` (the retention purge)."""
        with self.engine.begin() as db:
            n = db.execute(update(questions).where(questions.c.ts < cutoff_ts, questions.c.question.is_not(None))
                           .values(question=None, user_name=None)).rowcount
            n += db.execute(update(ratings).where(ratings.c.ts < cutoff_ts, ratings.c.question.is_not(None))
                            .values(question=None, user_name=None)).rowcount
        return n

    def close(self) -> None:
        self.engine.dispose()
