"""Sign-in with an OIDC access/ID token: `Authorization: Bearer <JWT>` from the company's identity provider (Keycloak,
Entra ID, Okta, Dex...). PyJWT checks the signature against the provider's JWKS (a file, or a URL inside the
perimeter, cached and refreshed on an unknown key id), the issuer, the audience and the expiry. The user's name and
groups come from configurable claims."""
from __future__ import annotations

import threading
from pathlib import Path

import jwt

from services.auth.errors import NotSignedIn, SignInUnavailable
from services.identity import User, role_for
from services.settings import Settings


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and all(token.split("."))


def claim_at(claims: dict, path: str):
    """A claim by name, or by dotted path into nested objects ("realm_access.roles")."""
    if path in claims:
        return claims[path]
    value: object = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def groups_from(value) -> list[str]:
    """A groups claim as a list; providers send a list, some a space- or comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(str(g).strip() for g in value if str(g).strip()))


class JwksFile:
    """A JWKS JSON file, read again when it changes (key rotation without a restart)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: jwt.PyJWKSet | None = None

    def keys(self) -> jwt.PyJWKSet:
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise SignInUnavailable(f"cannot read the JWKS file {self.path}: {exc}") from exc
        with self._lock:
            if self._keys is None or self._stamp != (stat.st_mtime_ns, stat.st_size):
                try:
                    self._keys = jwt.PyJWKSet.from_json(self.path.read_text(encoding="utf-8"))
                except (OSError, ValueError, jwt.PyJWKSetError, jwt.InvalidKeyError) as exc:
                    raise SignInUnavailable(f"the JWKS file {self.path} holds no usable key: {exc}") from exc
                self._stamp = (stat.st_mtime_ns, stat.st_size)
            return self._keys

    def signing_key(self, token: str) -> jwt.PyJWK:
        keys = self.keys()
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is None:
            if len(keys.keys) == 1:
                return keys.keys[0]
            raise NotSignedIn("the token names no key (kid) and the JWKS holds several", "invalid_token")
        try:
            return keys[kid]
        except KeyError as exc:
            raise NotSignedIn("the token was signed with a key the JWKS does not hold", "invalid_token") from exc


class JwksUrl:
    """A JWKS served over HTTP(S) by the identity provider, fetched with PyJWKClient and cached."""

    def __init__(self, url: str, timeout_s: float = 5.0):
        self.client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=timeout_s)

    def signing_key(self, token: str) -> jwt.PyJWK:
        try:
            return self.client.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            raise SignInUnavailable(f"cannot fetch the identity provider's keys: {exc}") from exc
        except jwt.PyJWKClientError as exc:
            raise NotSignedIn(f"the token's signing key is unknown: {exc}", "invalid_token") from exc


def jwks_source(location: str) -> JwksFile | JwksUrl:
    if location.startswith(("http://", "https://")):
        return JwksUrl(location)
    return JwksFile(Path(location.removeprefix("file://")))


class OidcVerifier:
    def __init__(self, settings: Settings):
        if not (settings.auth.oidc_jwks and settings.auth.oidc_issuer and settings.auth.oidc_audience):
            raise ValueError("OIDC needs PERIMETER_AUTH_OIDC_JWKS, _ISSUER and _AUDIENCE")
        self.keys = jwks_source(settings.auth.oidc_jwks)
        self.issuer = settings.auth.oidc_issuer
        self.audience = settings.auth.oidc_audience
        self.algorithms = list(settings.auth.oidc_algorithms)
        self.leeway = settings.auth.oidc_leeway_s
        self.user_claim = settings.auth.oidc_user_claim
        self.groups_claim = settings.auth.oidc_groups_claim
        self.admin_groups = list(settings.auth.admin_groups)

    def claims(self, token: str) -> dict:
        """The token's verified claims; NotSignedIn for a bad signature, issuer, audience, expiry or shape."""
        try:
            key = self.keys.signing_key(token)
            return jwt.decode(token, key, algorithms=self.algorithms, audience=self.audience, issuer=self.issuer,
                              leeway=self.leeway, options={"require": ["exp", "iss", "aud"]})
        except jwt.ExpiredSignatureError as exc:
            raise NotSignedIn("the token has expired", "invalid_token") from exc
        except jwt.InvalidTokenError as exc:  # signature, issuer, audience, algorithm, malformed
            raise NotSignedIn(f"the token was refused: {exc}", "invalid_token") from exc

    def user(self, token: str) -> User:
        claims = self.claims(token)
        name = claim_at(claims, self.user_claim) or claims.get("sub")
        if not isinstance(name, str) or not name.strip():
            raise NotSignedIn(f"the token has no '{self.user_claim}' or 'sub' claim", "invalid_token")
        groups = groups_from(claim_at(claims, self.groups_claim))
        return User(name=name.strip(), groups=groups, role=role_for(groups, self.admin_groups), via="oidc")
