"""Per-user rate limits for the question-answering routes: a fixed one-minute window per user in Redis (INCR, then
EXPIRE), shared by every API process; over the limit → 429 with Retry-After. When Redis cannot be reached the limit
fails open: the request is answered, a warning is logged (once per outage) and
perimeter_rate_limit_store_errors_total counts it — abuse limits must never stop people getting answers."""
from __future__ import annotations

import logging
import math
import threading
import time
from typing import Annotated

import redis
from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from services.api.deps import get_settings, get_user
from services.identity import User
from services.observability.metrics import RATE_LIMIT_ERRORS, RATE_LIMITED
from services.settings import Settings

log = logging.getLogger(__name__)
PREFIX = "perimeter:ratelimit"


class RateLimiter:
    def __init__(self, redis_url: str, per_window: int, window_s: int = 60, retry_store_after_s: float = 5.0):
        self.per_window, self.window_s = per_window, window_s
        # Short timeouts: a slow Redis must cost an answer milliseconds, not seconds.
        self.client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.retry_store_after_s = retry_store_after_s
        self._down_until = 0.0
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Counts one request for `key`; the seconds to wait when it is over the limit, else None."""
        if self.per_window <= 0 or time.monotonic() < self._down_until:
            return None
        now = time.time()
        window = int(now // self.window_s)
        name = f"{PREFIX}:{key}:{window}"
        try:
            with self.client.pipeline(transaction=True) as p:
                p.incr(name)
                p.expire(name, self.window_s + 5)
                count = p.execute()[0]
        except redis.RedisError as exc:
            RATE_LIMIT_ERRORS.inc()
            with self._lock:
                if time.monotonic() >= self._down_until:
                    log.warning("rate limit store unreachable, not limiting for %.0f s (fail open): %s",
                                self.retry_store_after_s, exc)
                self._down_until = time.monotonic() + self.retry_store_after_s
            return None
        if count <= self.per_window:
            return None
        return max(1, math.ceil((window + 1) * self.window_s - now))


def limiter_for(request: Request, settings: Settings) -> RateLimiter:
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        limits = settings.limits
        limiter = RateLimiter(limits.rate_limit_redis_url or settings.redis.url, limits.rate_limit_per_minute)
        request.app.state.rate_limiter = limiter
    return limiter


def count_question(request: Request, settings: Settings, key: str) -> int | None:
    """Counts one question of `key` (a `User.key`); the seconds to wait when it is over the per-user limit (counted in
    perimeter_rate_limited_requests), else None. Every front door that takes questions calls it."""
    if settings.limits.rate_limit_per_minute <= 0:
        return None
    wait = limiter_for(request, settings).retry_after(key)
    if wait is not None:
        RATE_LIMITED.inc()
    return wait


async def rate_limit(request: Request, user: Annotated[User, Depends(get_user)],
                     settings: Annotated[Settings, Depends(get_settings)]) -> None:
    """Router-level dependency of the question-answering routes (services/api/app.py), keyed by the signed-in user
    (`User.key`: sign-in method + name, so an API key or Slack user named like a person has its own window)."""
    # GET /v1/models (clients poll it) is free
    if settings.limits.rate_limit_per_minute <= 0 or request.method == "GET":
        return
    wait = await run_in_threadpool(count_question, request, settings, user.key)
    if wait is not None:
        log.info("rate limit: %s is over %d questions a minute", user.name, settings.limits.rate_limit_per_minute)
        raise HTTPException(429, f"too many questions: at most {settings.limits.rate_limit_per_minute} a minute; "
                                 f"try again in {wait} s", headers={"Retry-After": str(wait)})
