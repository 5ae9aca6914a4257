"""How this product talks to Redis, decided in one place: the timeouts of every client and the pools they share.

Every Redis client of a process comes from its Container (services/container.py, `Container.redis`), over ONE
connection pool per URL (the rate limit may name a Redis of its own: PERIMETER_RATE_LIMIT_REDIS_URL). Celery's broker
connections are Celery's own (kombu), configured from the same PERIMETER_REDIS_URL.

Timeouts, the same for every use:
- connect, 0.5 s: Redis sits on the local network, so a server that does not accept within half a second is down, and
  the rate limit (which fails open) must cost an answer milliseconds when it is, not seconds.
- each command, 2 s: every command we send is small (INCR, SET NX, GET, a conversation's few turns, one job's hash or
  the last jobs kept); no reply in 2 s is a server in trouble. The rate limit then fails open, feedback answers 503,
  the job metrics report the store down, a worker's task retries or fails the file with the reason.
Replies are decoded (str): the job store reads them as text, and the JSON stores parse str as well as bytes.
"""
from __future__ import annotations

import redis

REDIS_CONNECT_TIMEOUT_S = 0.5
REDIS_TIMEOUT_S = 2.0


def redis_pool(url: str) -> redis.ConnectionPool:
    """A connection pool for `url` with the timeouts above (the container keeps one per URL)."""
    return redis.ConnectionPool.from_url(url, decode_responses=True, socket_timeout=REDIS_TIMEOUT_S,
                                         socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S)


def standalone_client(url: str) -> redis.Redis:
    """A client with a pool of its own, for a part built outside any container (a test's or a tool's)."""
    return redis.Redis(connection_pool=redis_pool(url))
