"""Service accounts (bots, scripts, an Open WebUI instance) sign in with an API key: `Authorization: Bearer <key>` or
`X-API-Key: <key>`. The keys file holds only the sha256 hex digest of each key, never the key:

    keys:
      - name: reporting-bot
        sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08   # printf %s "$KEY" | sha256sum
        groups: [all, finance]
        role: user        # or admin

The file is read again when it changes, so adding or revoking a key needs no restart."""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.identity import User


def key_digest(key: str) -> str:
    """What the keys file stores for `key`."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeyEntry(BaseModel):
    # extra="forbid": a `key:` field (a plain key written into the file by mistake) is an error, not ignored.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex sha256 digest of the key")
    groups: list[str] = Field(default_factory=list)
    role: Literal["user", "admin"] = "user"

    @field_validator("sha256", mode="before")
    @classmethod
    def lower_case(cls, value):
        return value.strip().lower() if isinstance(value, str) else value


class ApiKeysFileError(ValueError):
    pass


def load_api_keys(path: Path) -> dict[str, User]:
    """digest → service account. ApiKeysFileError names the file and what is wrong with it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ApiKeysFileError(f"cannot read the API keys file {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("keys", []), list):
        raise ApiKeysFileError(f"{path}: expected `keys: [{{name, sha256, groups, role}}, ...]`")
    accounts: dict[str, User] = {}
    for number, raw in enumerate(data.get("keys") or [], start=1):
        try:
            entry = ApiKeyEntry.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors())
            raise ApiKeysFileError(f"{path}, key {number}: {problems} (the file holds sha256 digests only)") from exc
        if entry.sha256 in accounts:
            raise ApiKeysFileError(f"{path}, key {number} ({entry.name}): the same digest is listed twice")
        accounts[entry.sha256] = User(name=entry.name, groups=list(dict.fromkeys(entry.groups)), role=entry.role,
                                      via="api-key")
    return accounts


class ApiKeys:
    """The keys file, read again when it changes."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._accounts: dict[str, User] = {}

    def accounts(self) -> dict[str, User]:
        stat = self.path.stat()
        with self._lock:
            if self._stamp != (stat.st_mtime_ns, stat.st_size):
                self._accounts = load_api_keys(self.path)
                self._stamp = (stat.st_mtime_ns, stat.st_size)
            return self._accounts

    def user(self, key: str) -> User | None:
        """The service account whose key this is, or None."""
        return self.accounts().get(key_digest(key))
