"""The web page's settings: browser sign-in with the company's OpenID provider (PERIMETER_SSO_*) and the conversations
kept on the server for each signed-in user (PERIMETER_HISTORY_*). Sections of services/settings.Settings, kept here so
that module stays readable. Secrets come from the environment or from a file the environment names (a mounted
Kubernetes/Docker secret), never from a YAML file."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ingestion.settings import Section


def _secret(value: str | None, path: Path | None, variable: str) -> str | None:
    """A secret given directly, or read from the file named by `variable`_FILE (trailing newline dropped)."""
    if value:
        return value
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError as exc:
        raise ValueError(f"{variable}_FILE: cannot read {path}: {exc}") from exc


class SsoSettings(Section):
    """Browser sign-in: OpenID Connect authorization code flow with PKCE against the company's provider (Keycloak,
    Entra ID, Okta, Dex...). On when issuer and client id are set. Who the user is and their groups come from the
    claims PERIMETER_AUTH_OIDC_USER_CLAIM / _GROUPS_CLAIM, admins from PERIMETER_AUTH_ADMIN_GROUPS, as for bearer
    tokens."""

    model_config = SettingsConfigDict(env_prefix="PERIMETER_SSO_")

    issuer: str | None = Field(None, description="the provider's issuer URL; its /.well-known/openid-configuration "
                                                 "is read at the first sign-in")
    client_id: str | None = None
    client_secret: str | None = Field(None, description="the client's secret (or PERIMETER_SSO_CLIENT_SECRET_FILE)")
    client_secret_file: Path | None = None
    scopes: str = Field("openid profile email", description="asked of the provider; add the scope that puts the "
                                                            "groups claim in the tokens if yours needs one")
    session_secret: str | None = Field(None, description="signs the session cookie (or "
                                                         "PERIMETER_SSO_SESSION_SECRET_FILE); 32+ random characters")
    session_secret_file: Path | None = None
    cookie_secure: bool = Field(True, description="mark the session cookie Secure (sent over HTTPS only); off only "
                                                  "for a test on plain http")
    session_ttl_s: int = Field(8 * 3600, ge=60, description="a browser sign-in lasts at most this long, refreshed "
                                                           "or not")
    public_url: str | None = Field(None, description="Perimeter's URL as browsers reach it (https://perimeter.corp); "
                                                     "the callback is PUBLIC_URL/auth/callback. Unset: from the "
                                                     "request")
    timeout_s: float = Field(10.0, gt=0, description="calls to the provider (discovery, token, userinfo)")

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id)

    @property
    def client_secret_value(self) -> str | None:
        return _secret(self.client_secret, self.client_secret_file, "PERIMETER_SSO_CLIENT_SECRET")

    @property
    def session_secret_value(self) -> str | None:
        return _secret(self.session_secret, self.session_secret_file, "PERIMETER_SSO_SESSION_SECRET")

    @property
    def metadata_url(self) -> str:
        return f"{(self.issuer or '').rstrip('/')}/.well-known/openid-configuration"


class HistorySettings(Section):
    """The conversations of each signed-in user, kept in Redis (services/conversation_archive.py)."""

    model_config = SettingsConfigDict(env_prefix="PERIMETER_HISTORY_")

    retention_days: float = Field(30.0, gt=0, description="a conversation not continued for this long is deleted")
    max_conversations: int = Field(200, ge=1, description="a user's oldest conversations beyond this are deleted")
    max_turns: int = Field(50, ge=1, description="turns kept per conversation (the oldest go first)")
