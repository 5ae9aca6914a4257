"""Groups from the company directory (LDAP / Active Directory), so that one person has the same groups at every door.

A user signed in through the proxy, OIDC or Slack is looked up by the name (or e-mail) the door gives; their groups
are the directory groups they belong to, directly or through groups within groups (followed level by level with plain
searches, which every LDAP server answers), plus `base_groups`. Answers are kept `cache_ttl_s` seconds: a user removed
from a group loses its documents at most that long after.

The directory's groups REPLACE the door's (why: the same person must see the same documents whether they come through
the proxy, an OIDC token or Slack, and a door's own list - a header, a token claim minted hours ago, the Slack users
file - may be stale or differ; the directory is the one place access is managed). A user the directory does not know
gets no groups: signed in, but sees no document. A directory that cannot be reached is a 503 for anyone whose groups
are not cached, never a fall-back to the door's groups.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from services.auth.errors import SignInUnavailable
from services.identity import User, role_for
from services.settings_directory import DirectorySettings

DIRECTORY_DOORS = ("proxy", "oidc", "slack")  # API keys and the admin token are service accounts, not employees


@dataclass(frozen=True)
class CachedGroups:
    name: str  # as the door gave it (user name or e-mail), lower-cased
    dn: str | None  # the directory entry found; None = the directory does not know this user
    groups: tuple[str, ...]
    fetched_at: float  # time.time() of the lookup
    expires_at: float  # on the cache's clock


class Directory:
    """The directory client and its cache (one per process, owned by the Container)."""

    def __init__(self, settings: DirectorySettings, clock: Callable[[], float] = time.monotonic):
        if not settings.url:
            raise ValueError("the directory needs PERIMETER_DIRECTORY_URL")
        self.settings = settings
        self.clock = clock
        self.timeout = max(1, math.ceil(settings.timeout_s))  # ldap3 packs its socket timeouts as whole seconds
        self.server = ldap3.Server(settings.url, connect_timeout=self.timeout, get_info=ldap3.NONE)
        self._cache: dict[str, CachedGroups] = {}
        self._lock = threading.Lock()

    def lookup(self, name: str) -> CachedGroups:
        """The user's groups, from the cache while fresh, else from the directory."""
        key = name.strip().lower()
        now = self.clock()
        if not key:  # a door that knows no name or e-mail for this user (a Slack user without one)
            return CachedGroups(key, None, (), time.time(), now)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached.expires_at > now:
            return cached
        dn, groups = self._search(key)
        entry = CachedGroups(key, dn, groups, time.time(), now + self.settings.cache_ttl_s)
        with self._lock:
            self._cache[key] = entry
        return entry

    def apply(self, user: User, admin_groups: list[str], looked_up_as: str | None = None) -> User:
        """The user with the directory's groups in place of the door's (and the role those groups give)."""
        if user.via not in DIRECTORY_DOORS:
            return user
        entry = self.lookup(user.name if looked_up_as is None else looked_up_as)
        groups = list(entry.groups)
        return replace(user, groups=groups, role=role_for(groups, admin_groups))

    def cached(self) -> list[CachedGroups]:
        """The cache as it is now, expired entries included (the admin API shows what would be served)."""
        with self._lock:
            return sorted(self._cache.values(), key=lambda e: e.name)

    def forget(self, name: str | None = None) -> int:
        """Drop one user's cached groups (or all): the next request asks the directory. How many were dropped."""
        with self._lock:
            if name is None:
                dropped = len(self._cache)
                self._cache.clear()
                return dropped
            return 1 if self._cache.pop(name.strip().lower(), None) else 0

    def _password(self) -> str | None:
        if self.settings.bind_password_file is not None:
            try:
                return self.settings.bind_password_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SignInUnavailable(f"cannot read the directory's bind password file: {exc}") from exc
        return self.settings.bind_password

    def _search(self, name: str) -> tuple[str | None, tuple[str, ...]]:
        s = self.settings
        try:
            with ldap3.Connection(self.server, user=s.bind_dn, password=self._password(), auto_bind=True,
                                  receive_timeout=self.timeout, read_only=True) as conn:
                conn.search(s.user_base, s.user_filter.replace("{name}", escape_filter_chars(name)),
                            search_scope=ldap3.SUBTREE, attributes=[], size_limit=2)
                if len(conn.entries) != 1:  # nobody, or a name that is not unique: not a person we can vouch for
                    return None, ()
                dn = conn.entries[0].entry_dn
                return dn, tuple(sorted({*s.base_groups, *self._groups_of(conn, dn)}))
        except LDAPException as exc:
            raise SignInUnavailable(f"the directory cannot be reached or refused the search: {exc}") from exc

    def _groups_of(self, conn: ldap3.Connection, dn: str) -> set[str]:
        """Names of the groups `dn` is in, directly or through nested groups (breadth first, cycles stopped)."""
        s = self.settings
        names: set[str] = set()
        seen: set[str] = set()
        members = [dn]
        for _ in range(s.nesting_depth + 1):
            found = []
            for member in members:
                conn.search(s.group_base or s.user_base,
                            f"(&{s.group_filter}({s.member_attribute}={escape_filter_chars(member)}))",
                            search_scope=ldap3.SUBTREE, attributes=[s.group_name_attribute])
                for entry in conn.entries:
                    if entry.entry_dn.lower() in seen:
                        continue
                    seen.add(entry.entry_dn.lower())
                    found.append(entry.entry_dn)
                    names.update(str(v) for v in entry[s.group_name_attribute].values)
            if not found:
                break
            members = found
        return names
