"""What a posted Slack answer was about, kept in Redis by its answer id, so a 👍/👎 click (which carries only that
id) can be stored with the question and the sources it rated."""
from __future__ import annotations

import json

import redis

_KEY = "perimeter:slack:answer:{}"
_KEEP_S = 30 * 24 * 3600  # feedback on an answer older than a month is stored without its question


def remember_answer(redis_url: str, answer_id: str, record: dict) -> None:
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    client.set(_KEY.format(answer_id), json.dumps(record, ensure_ascii=False), ex=_KEEP_S)


def recall_answer(redis_url: str, answer_id: str) -> dict:
    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    raw = client.get(_KEY.format(answer_id))
    return json.loads(raw) if raw else {}
