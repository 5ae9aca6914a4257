"""The append-only audit log: one JSON line per question — who asked (name, groups, how they signed in), through which
front door, when, the question, and which numbered sources were shown and cited (doc ids and paths). Never the answer's
text, the sources' text or snippets, nor anything of the model's analysis channel. And one line per refused request
(refusal_record: 401, 403, 413, 422, 429, a 404 on a document or an answer): who, what, the outcome, never the body.

Each record is one os.write on a file descriptor opened with O_APPEND, so lines from the API and the Celery worker
(Slack answers) interleave whole; the file is created 0600 because questions can be sensitive.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from services.data_dir import append_private
from services.observability import context
from services.observability.metrics import AUDIT_FAILURES

log = logging.getLogger(__name__)


def audit_path(settings) -> Path:
    return settings.operations.audit_file or settings.storage.data_dir / "audit.jsonl"


class AuditLog:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, record: dict) -> bool:
        """Write one record; a failure is logged and counted (perimeter_audit_write_failures_total) but does not
        fail the answer."""
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        try:
            with self._lock:
                append_private(self.path, line)  # 0600 in a 0700 folder when created
            return True
        except OSError as exc:
            AUDIT_FAILURES.inc()
            log.error("audit record not written to %s: %s", self.path, exc)
            return False


def audit_record(*, user, question: str, conversation_id: str | None, outcome: str, sources: list,
                 cited: list[int], model: str | None = None, collection: str | None = None,
                 quality: dict | None = None) -> dict:
    """The record for one question. `sources` are the numbered sources the user was shown (services.schemas.Source);
    only their number, doc id and path are kept. `quality`: what analytics count (services/quality): the times to the
    first token and to the whole answer, and the share of points grounded."""
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "ts": round(time.time(), 3),
        "request_id": context.request_id.get(),
        "user": user.name,
        "groups": list(user.groups),
        "auth": getattr(user, "via", None),
        "door": context.door_of(user.name),
        "question": question,
        "conversation_id": conversation_id,
        "outcome": outcome,
        "model": model,
        "sources": [{"n": s.id, "doc_id": s.doc_id, "uri": s.uri} for s in sources],
        "cited": cited,
        "collection": collection,
        **(quality or {}),
    }


# Why a request was refused, by status (services/api/refusals.py decides which refusals are audited).
REFUSAL_REASONS = {401: "not_signed_in", 403: "forbidden", 404: "not_found", 413: "too_large", 422: "invalid",
                   429: "rate_limited"}


def refusal_record(*, user, peer: str | None, credential: str | None, method: str, route: str | None, path: str,
                   target: dict | None, status: int) -> dict:
    """The record for one refused request. `user` is who signed in (None when nobody did: `peer` and the kind of
    `credential` sent say who tried); `target` holds the ids it was about (doc_id, answer_id, job_id). No request
    body, no query string, no credential value: a refused question or comment is not kept either."""
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "ts": round(time.time(), 3),
        "request_id": context.request_id.get(),
        "user": getattr(user, "name", None),
        "groups": list(getattr(user, "groups", []) or []),
        "auth": getattr(user, "via", None),
        "peer": peer,
        "credential": credential,
        "door": context.front_door.get() or "http",
        "method": method,
        "route": route,
        "path": path[:300],
        "target": target or {},
        "outcome": "refused",
        "status": status,
        "reason": REFUSAL_REASONS.get(status, str(status)),
    }
