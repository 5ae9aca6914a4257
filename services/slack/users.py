"""Slack users → Perimeter identities: the same access groups hold in Slack as on the web, except where a whole
channel reads the answer."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import yaml

from services.identity import User


@lru_cache(maxsize=4)
def _mapping(path: str, mtime: float) -> dict[str, list[str]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): sorted({str(g) for g in (v or [])}) for k, v in (data.get("users") or {}).items()}


def slack_user(user_id: str, mapping_file: Path | None, default_groups: list[str]) -> User:
    """Groups from the mapping file (`users: {U123: [hr, all]}`), else the default groups for Slack users."""
    groups = default_groups
    if mapping_file and mapping_file.exists():
        groups = _mapping(str(mapping_file), mapping_file.stat().st_mtime).get(user_id) or default_groups
    return User(name=f"slack:{user_id}", groups=list(groups), via="slack")


@lru_cache(maxsize=4)
def _emails(path: str, mtime: float) -> dict[str, str]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): str(v).strip() for k, v in (data.get("emails") or {}).items() if v}


def slack_email(user_id: str, mapping_file: Path | None) -> str | None:
    """The e-mail the directory knows this Slack user by (`emails: {U123: alice@example.com}` in the users file);
    with a directory configured, a Slack user without one gets no groups."""
    if not (mapping_file and mapping_file.exists()):
        return None
    return _emails(str(mapping_file), mapping_file.stat().st_mtime).get(user_id)


def is_direct_message(channel_id: str) -> bool:
    """Slack's conversation ids: D… is a direct message with the bot; C… and G… are channels and group chats."""
    return channel_id.startswith("D")


def reading_in_channel(user: User, channel_groups: list[str]) -> User:
    """The asker as seen where every member of a channel reads the answer: only their groups that the channel may
    read (PERIMETER_SLACK_CHANNEL_GROUPS), never more than their own. Same name, so the thread stays theirs."""
    return replace(user, groups=[g for g in user.groups if g in set(channel_groups)])
