"""The directory section of the settings (README, "Directory groups"): where the company's LDAP / Active Directory is,
how to find a user in it, and how long its answers are kept. In its own module so that services/settings.py stays
short; Settings registers it as `settings.directory`."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ingestion.settings import Section


class DirectorySettings(Section):
    """Groups from the directory for users signed in through the proxy, OIDC or Slack. Unset url = off: the groups
    are the ones the door supplies."""

    model_config = SettingsConfigDict(env_prefix="PERIMETER_DIRECTORY_")

    url: str | None = Field(None, description="ldap://host:389 or ldaps://host:636; unset = no directory")
    bind_dn: str | None = Field(None, description="the service account that searches (unset = anonymous)")
    bind_password: str | None = Field(None, description="its password (or bind_password_file)")
    bind_password_file: Path | None = Field(None, description="a file holding the bind password")
    user_base: str = Field("", description="where users are searched, e.g. ou=people,dc=example,dc=com")
    user_filter: str = Field("(|(uid={name})(mail={name}))", description="{name}: the door's user name or e-mail "
                             "(escaped); AD: (|(sAMAccountName={name})(userPrincipalName={name})(mail={name}))")
    group_base: str = Field("", description="where groups are searched (default user_base)")
    group_filter: str = Field("(|(objectClass=groupOfNames)(objectClass=group))",
                              description="what a group is (groupOfNames, AD group)")
    member_attribute: str = Field("member", description="the group attribute listing member DNs (users and groups)")
    group_name_attribute: str = Field("cn", description="the group attribute that is the Perimeter group's name")
    nesting_depth: int = Field(10, ge=0, le=50, description="how many levels of groups within groups are followed")
    base_groups: list[str] = Field(["all"], description="groups every user the directory knows also gets")
    cache_ttl_s: float = Field(300.0, gt=0, description="how long a user's groups are kept before asking again: "
                               "a change in the directory reaches Perimeter within this time")
    timeout_s: float = Field(5.0, gt=0, description="connect and search timeout")
