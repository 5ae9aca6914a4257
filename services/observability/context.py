"""Per-request values every log line and audit record can read, without passing them through each call.

Set by the HTTP middleware (services/api/middleware.py) for the request it is serving; contextvars follow the request
into the worker threads FastAPI runs the pipeline in. Outside a request (CLI, Celery worker) they are unset.
"""
from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("perimeter_request_id", default=None)
front_door: ContextVar[str | None] = ContextVar("perimeter_front_door", default=None)

# A caller's own id is kept only when it is short and plain: it goes into logs and headers verbatim.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def accept_request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is sane (1-128 chars of letters, digits, . _ : -), else a fresh one."""
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def door_of(user_name: str) -> str:
    """Which front door a question came through: set per HTTP request; else a Slack user (answered by the worker)
    or the command line."""
    door = front_door.get()
    if door:
        return door
    return "slack" if user_name.startswith("slack:") else "cli"
