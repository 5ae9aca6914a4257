"""The per-user rate limit's counter: a fixed one-minute window per key in Redis (INCR, then EXPIRE), shared by every
API process. When Redis cannot be reached it fails open for a few seconds: the request is answered, a warning is
logged (once per outage) and perimeter_rate_limit_store_errors_total counts it. The container owns the one limiter of
a process (services/container.py); services/api/limits.py applies it to the doors."""
from __future__ import annotations

import logging
import math
import threading
import time

import redis

from services.observability.metrics import RATE_LIMIT_ERRORS

log = logging.getLogger(__name__)
PREFIX = "perimeter:ratelimit"


class RateLimiter:
    def __init__(self, client: redis.Redis, per_window: int, window_s: int = 60, retry_store_after_s: float = 5.0):
        """`client`: the container's (services/redis_clients.py: a short connect timeout, so that a Redis that is
        down costs an answer milliseconds)."""
        self.per_window, self.window_s = per_window, window_s
        self.client = client
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
