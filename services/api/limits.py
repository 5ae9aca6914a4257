"""Per-user rate limits for the question-answering routes: the process's RateLimiter (services/rate_limit.py, owned
by the container) counts each question per user; over the limit → 429 with Retry-After. When Redis cannot be reached
the limit fails open — abuse limits must never stop people getting answers."""
from __future__ import annotations

import logging

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from services.api.deps import ContainerDep, UserDep
from services.container import Container
from services.observability.metrics import RATE_LIMITED

log = logging.getLogger(__name__)


def count_question(container: Container, key: str) -> int | None:
    """Counts one question of `key` (a `User.key`); the seconds to wait when it is over the per-user limit (counted in
    perimeter_rate_limited_requests), else None. Every front door that takes questions calls it."""
    if container.settings.limits.rate_limit_per_minute <= 0:
        return None
    wait = container.rate_limiter.retry_after(key)
    if wait is not None:
        RATE_LIMITED.inc()
    return wait


async def rate_limit(request: Request, user: UserDep, container: ContainerDep) -> None:
    """Router-level dependency of the question-answering routes (services/api/app.py), keyed by the signed-in user
    (`User.key`: sign-in method + name, so an API key or Slack user named like a person has its own window)."""
    limits = container.settings.limits
    # GET /v1/models (clients poll it) is free
    if limits.rate_limit_per_minute <= 0 or request.method == "GET":
        return
    wait = await run_in_threadpool(count_question, container, user.key)
    if wait is not None:
        log.info("rate limit: %s is over %d questions a minute", user.name, limits.rate_limit_per_minute)
        raise HTTPException(429, f"too many questions: at most {limits.rate_limit_per_minute} a minute; "
                                 f"try again in {wait} s", headers={"Retry-After": str(wait)})
