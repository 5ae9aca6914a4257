"""Text that reaches a front door must be valid Unicode. JSON may escape a lone UTF-16 surrogate ("\\ud800"), which
Python decodes into a str that cannot be encoded as UTF-8; left in, it fails far from the door (the embedder's
tokenizer, Redis, the audit log) as a 500. So the doors refuse such text where it arrives, saying where it is.

Only JSON bodies can carry one: a form or URL is percent-encoded bytes, decoded as UTF-8 (invalid bytes never decode
into a surrogate), and headers are bytes."""
from __future__ import annotations

import json

from fastapi import HTTPException, Request


def lone_surrogate(value: object, where: str = "body") -> str | None:
    """Where in a decoded JSON value (keys included) a string holds a lone surrogate, e.g. "messages[0].content"; None
    when there is none."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"{where} (character {exc.start + 1}, U+{ord(value[exc.start]):04X})"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = lone_surrogate(key, f"{where} key") or lone_surrogate(item, f"{where}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found = lone_surrogate(item, f"{where}[{n}]")
            if found:
                return found
    return None


def invalid_unicode_message(where: str) -> str:
    return f"invalid Unicode in {where}: a lone UTF-16 surrogate; send the text as valid UTF-8"


async def valid_unicode_body(request: Request) -> None:
    """Router dependency of every door that takes JSON: 422 when any string of the body holds a lone surrogate.
    A body that is not JSON is left to the route's own validation."""
    body = await request.body()
    if not body:
        return
    try:
        value = json.loads(body)
    except ValueError:
        return
    where = lone_surrogate(value)
    if where:
        raise HTTPException(422, invalid_unicode_message(where))
