"""Who is calling, in one place. The order:

1. a credential the caller sent (`Authorization: Bearer ...` or `X-API-Key: ...`): the admin token, an API key, or an
   OIDC JWT. A credential that does not check out is a 401, never a fall-back to proxy headers (in demo mode it
   counts as no credential: the caller is the demo user).
2. the identity headers of a trusted reverse proxy (only when the TCP peer is one of auth_trusted_proxies).
3. the demo user, only when demo_mode is on.
4. otherwise 401.
"""
from __future__ import annotations

import hmac
from collections.abc import Iterable

from services.auth.api_keys import ApiKeys, ApiKeysFileError
from services.auth.directory import Directory
from services.auth.errors import NotSignedIn, SignInUnavailable
from services.auth.oidc import OidcVerifier, looks_like_jwt
from services.auth.proxy import TrustedPeers, proxy_user
from services.identity import DEMO_USER, User
from services.settings import Settings

# The admin token (PERIMETER_ADMIN_TOKEN) is an admin service account: it runs admin actions and sees no documents.
ADMIN_TOKEN_USER = User(name="admin", groups=[], role="admin", via="admin-token")


def header_values(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Header pairs (repeats kept) → lower-case name → every value."""
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value)
    return values


class Authenticator:
    """Built once per app from the settings; resolve() is called per request."""

    def __init__(self, settings: Settings, directory: Directory | None = None):
        self.settings = settings
        self.directory = directory  # set: proxy and OIDC users get the directory's groups (auth/directory.py)
        self.peers = TrustedPeers(settings.auth.trusted_proxies)
        self.oidc = OidcVerifier(settings) if settings.auth.oidc_jwks else None
        self.api_keys = ApiKeys(settings.auth.api_keys_file) if settings.auth.api_keys_file else None

    @property
    def methods(self) -> list[str]:
        """The sign-in methods that are on, for start-up messages and for a 401's hint."""
        on = []
        if self.peers:
            on.append("proxy")
        if self.oidc:
            on.append("oidc")
        if self.settings.sso.enabled:
            on.append("sso")
        if self.api_keys:
            on.append("api-key")
        if self.settings.auth.admin_token:
            on.append("admin-token")
        return on

    def resolve(self, headers: Iterable[tuple[str, str]], peer: str | None) -> User:
        """The caller's identity; NotSignedIn (401) or SignInUnavailable (503) otherwise."""
        return self.with_directory(self._resolve(headers, peer))

    def with_directory(self, user: User) -> User:
        """With a directory, the user's groups are the directory's, whatever door signed them in (the browser's
        session cookie too): the same person sees the same documents everywhere."""
        if self.directory is not None:
            return self.directory.apply(user, list(self.settings.auth.admin_groups))
        return user

    def _resolve(self, headers: Iterable[tuple[str, str]], peer: str | None) -> User:
        values = header_values(headers)
        try:
            credential = self._credential(values)
            if credential is not None:
                return self._from_credential(credential)
        except NotSignedIn:
            if not self.settings.auth.demo_mode:
                raise
            # Demo mode: a credential that is not ours (the `openai` client always sends one) counts as none.
            return DEMO_USER
        if peer in self.peers:
            auth = self.settings.auth
            user = proxy_user(values.get(auth.user_header.lower(), []), values.get(auth.groups_header.lower(), []),
                              auth.admin_groups)
            if user is not None:
                return user
        if self.settings.auth.demo_mode:
            return DEMO_USER
        raise NotSignedIn("sign-in required: " + self._hint())

    @staticmethod
    def _credential(values: dict[str, list[str]]) -> str | None:
        authorization, api_key = values.get("authorization", []), values.get("x-api-key", [])
        if len(authorization) + len(api_key) > 1:
            raise NotSignedIn("send one credential: one Authorization or one X-API-Key header", "invalid_request")
        if api_key:
            return api_key[0].strip() or None
        if not authorization:
            return None
        scheme, _, token = authorization[0].strip().partition(" ")
        if scheme.lower() != "bearer":
            raise NotSignedIn("only Bearer credentials are accepted (Authorization: Bearer <token>)",
                              "invalid_request")
        return token.strip() or None

    def _from_credential(self, credential: str) -> User:
        token = self.settings.auth.admin_token
        if token and hmac.compare_digest(credential.encode(), token.encode()):
            return ADMIN_TOKEN_USER
        if self.api_keys is not None:
            try:
                account = self.api_keys.user(credential)
            except (OSError, ApiKeysFileError) as exc:
                raise SignInUnavailable(f"the API keys file cannot be read: {exc}") from exc
            if account is not None:
                return account
        if self.oidc is not None and looks_like_jwt(credential):
            return self.oidc.user(credential)
        raise NotSignedIn("the credential was not recognised", "invalid_token")

    def _hint(self) -> str:
        ways = {"proxy": "through the company sign-in proxy", "oidc": "Authorization: Bearer <OIDC token>",
                "sso": "in a browser at /auth/login",
                "api-key": "Authorization: Bearer <API key>", "admin-token": "Authorization: Bearer <admin token>"}
        listed = [ways[m] for m in self.methods]
        return "; ".join(listed) if listed else "no sign-in method is configured (see README, 'Sign-in')"
