"""Who is asking: a name, the access groups that decide which documents they may see, a role, and how they signed in."""
from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("user", "admin")


@dataclass(frozen=True)
class User:
    name: str
    groups: list[str] = field(default_factory=lambda: ["all"])
    role: str = "user"  # "user" or "admin" (admin: the /v1/admin/* actions; documents still by groups only)
    via: str = "demo"  # how they were identified: demo, proxy, oidc, api-key, admin-token, slack...

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def key(self) -> str:
        """Who this is across sign-in methods: an API key named like a person is not that person (conversations, rate
        limits)."""
        return f"{self.via}:{self.name}"

    @property
    def is_anonymous(self) -> bool:
        """The demo identity: nobody signed in (only ever handed out when demo_mode is on)."""
        return self.via == "demo"


def role_for(groups: list[str], admin_groups: list[str]) -> str:
    """A signed-in employee is admin when one of their groups is an admin group (PERIMETER_AUTH_ADMIN_GROUPS)."""
    return "admin" if set(groups) & set(admin_groups) else "user"


# The embedded demo runs without sign-in; it sees what the group "all" sees, and says so at start-up.
DEMO_USER = User(name="demo", groups=["all"])
