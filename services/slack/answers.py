"""What a posted Slack answer was about and where it was posted, kept in Redis by its answer id, so a 👍/👎 click
(which carries only that id) is stored with the question and the sources it rated, and only from where the answer
was read."""
from __future__ import annotations

import json

import redis

from services.slack.users import is_direct_message

_KEY = "perimeter:slack:answer:{}"
_KEEP_S = 30 * 24 * 3600  # feedback on an answer older than a month is stored without its question


def remember_answer(client: redis.Redis, answer_id: str, record: dict) -> None:
    """`client`: the process's (services/container.py)."""
    client.set(_KEY.format(answer_id), json.dumps(record, ensure_ascii=False), ex=_KEEP_S)


def recall_answer(client: redis.Redis, answer_id: str) -> dict:
    raw = client.get(_KEY.format(answer_id))
    return json.loads(raw) if raw else {}


def received(answer: dict, user_id: str, channel: str) -> bool:
    """Did Slack user `user_id`, clicking in `channel`, receive this remembered answer? Everyone in the channel it
    was posted to read it; in a direct message, its asker alone. An answer no longer (or never) kept is nobody's.
    Answers remembered without their channel (by an older worker) go by Slack's signature on the click alone."""
    if not answer:
        return False
    posted_in = answer.get("channel")
    if posted_in is None:
        return True
    if channel != posted_in:
        return False
    return not is_direct_message(posted_in) or user_id == answer.get("slack_user")
