"""Who is asking: a name and the access groups that decide which documents they may see."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class User:
    name: str
    groups: list[str] = field(default_factory=lambda: ["all"])


# The embedded demo runs without sign-in; it sees what the group "all" sees, and says so at start-up.
DEMO_USER = User(name="demo", groups=["all"])
