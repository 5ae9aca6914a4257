"""Browser sign-in sessions, started by services/web/sign_in.py after the provider's callback. Each is kept in Redis
under a random id that the signed session cookie carries, so that logout and expiry end it on the server (a copied
cookie is worthless afterwards) and the provider's tokens never reach the browser. A session holds who the user is,
their groups, a CSRF token, and the provider's refresh token: when the access token runs out, the session is
refreshed at the provider and the groups read again (a removal from a group takes effect), or it ends when the
provider refuses or gave no refresh token. It never outlives PERIMETER_SSO_SESSION_TTL_S."""
from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass, replace

import httpx
import redis
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from services.auth.errors import NotSignedIn, SignInUnavailable
from services.auth.oidc import claim_at, groups_from
from services.identity import User, role_for
from services.settings import Settings

# A refresh is tried this long before the access token runs out, so a request never carries a dead one.
REFRESH_MARGIN_S = 10.0


@dataclass(frozen=True)
class BrowserSession:
    id: str
    user: str
    groups: list[str]
    role: str
    csrf: str
    expires_at: float  # the absolute end (session_ttl_s after sign-in)
    fresh_until: float  # the access token's expiry: after it, refresh or end
    access_token: str
    refresh_token: str | None = None
    id_token: str | None = None  # the hint the provider's logout wants

    def as_user(self) -> User:
        # via "oidc": the same person as with a bearer token of the same provider (conversations, rate limits).
        return User(name=self.user, groups=list(self.groups), role=self.role, via="oidc")


def user_from_claims(claims: dict, settings: Settings) -> User:
    """The employee the provider vouched for, named and grouped by the same claims as bearer tokens
    (PERIMETER_AUTH_OIDC_USER_CLAIM / _GROUPS_CLAIM)."""
    auth = settings.auth
    name = claim_at(claims, auth.oidc_user_claim) or claims.get("sub")
    if not isinstance(name, str) or not name.strip():
        raise NotSignedIn(f"the provider named nobody (no '{auth.oidc_user_claim}' or 'sub' claim)")
    groups = groups_from(claim_at(claims, auth.oidc_groups_claim))
    return User(name=name.strip(), groups=groups, role=role_for(groups, list(auth.admin_groups)), via="oidc")


def has_groups_claim(claims: dict, settings: Settings) -> bool:
    return claim_at(claims, settings.auth.oidc_groups_claim) is not None


class ProviderClient:
    """The provider's discovery document, token and userinfo endpoints, for refreshing a session (synchronous: the
    request that finds its session stale is already in a worker thread)."""

    def __init__(self, settings: Settings):
        self.sso = settings.sso
        self._metadata: dict | None = None
        self._lock = threading.Lock()

    def metadata(self) -> dict:
        with self._lock:
            if self._metadata is None:
                try:
                    reply = httpx.get(self.sso.metadata_url, timeout=self.sso.timeout_s)
                    reply.raise_for_status()
                    self._metadata = reply.json()
                except (httpx.HTTPError, ValueError) as exc:
                    raise SignInUnavailable(f"cannot read the provider's configuration: {exc}") from exc
            return self._metadata

    def refresh(self, refresh_token: str) -> dict:
        """New tokens; NotSignedIn when the provider refuses (revoked, expired, user disabled)."""
        try:
            with OAuth2Client(self.sso.client_id, self.sso.client_secret_value, timeout=self.sso.timeout_s) as client:
                return dict(client.refresh_token(self.metadata()["token_endpoint"], refresh_token=refresh_token))
        except OAuthError as exc:
            raise NotSignedIn(f"the provider ended the sign-in: {exc.error}") from exc
        except httpx.HTTPError as exc:
            raise SignInUnavailable(f"cannot reach the provider to refresh the sign-in: {exc}") from exc

    def userinfo(self, token: dict) -> dict:
        # The access token as a plain bearer header: Authlib's client would refuse a token that lives less than its
        # one-minute leeway, which some providers issue.
        try:
            reply = httpx.get(self.metadata()["userinfo_endpoint"], timeout=self.sso.timeout_s,
                              headers={"Authorization": f"Bearer {token['access_token']}"})
        except httpx.HTTPError as exc:
            raise SignInUnavailable(f"cannot reach the provider's userinfo: {exc}") from exc
        if reply.status_code in (401, 403):
            raise NotSignedIn("the provider refused the access token at userinfo")
        if reply.status_code != 200:
            raise SignInUnavailable(f"the provider's userinfo answered {reply.status_code}")
        return reply.json()


class BrowserSessions:
    def __init__(self, client: redis.Redis, settings: Settings, provider: ProviderClient | None = None):
        self._redis = client
        self.settings = settings
        self.provider = provider or ProviderClient(settings)

    @staticmethod
    def _key(session_id: str) -> str:
        # The id's digest: a copy of Redis does not hold usable cookie values.
        return f"perimeter:browser-session:{hashlib.sha256(session_id.encode()).hexdigest()}"

    def _save(self, session: BrowserSession) -> None:
        ttl = max(1, int(session.expires_at - time.time()))
        self._redis.set(self._key(session.id), json.dumps(asdict(session)), ex=ttl)

    def start(self, user: User, token: dict) -> BrowserSession:
        now = time.time()
        ttl = self.settings.sso.session_ttl_s
        session = BrowserSession(
            id=secrets.token_urlsafe(32), user=user.name, groups=list(user.groups), role=user.role,
            csrf=secrets.token_urlsafe(32), expires_at=now + ttl, fresh_until=_token_expiry(token, now),
            access_token=str(token.get("access_token") or ""), refresh_token=token.get("refresh_token"),
            id_token=token.get("id_token"))
        self._save(session)
        return session

    def get(self, session_id: str) -> BrowserSession | None:
        raw = self._redis.get(self._key(session_id))
        if raw is None:
            return None
        session = BrowserSession(**json.loads(raw))
        return session if session.expires_at > time.time() else None

    def current(self, session_id: str) -> BrowserSession | None:
        """The live session, refreshed at the provider when its access token ran out; None when it ended (logged
        out, expired, refused by the provider)."""
        session = self.get(session_id)
        if session is None or session.fresh_until - REFRESH_MARGIN_S > time.time():
            return session
        # One request refreshes; a request arriving meanwhile waits and reads the result (the provider may rotate
        # refresh tokens, so two refreshing at once would end the session).
        with self._redis.lock(self._key(session_id) + ":refresh", timeout=30, blocking_timeout=30):
            session = self.get(session_id)
            if session is None or session.fresh_until - REFRESH_MARGIN_S > time.time():
                return session
            try:
                return self._refreshed(session)
            except NotSignedIn:
                self.end(session_id)
                return None

    def _refreshed(self, session: BrowserSession) -> BrowserSession:
        if not session.refresh_token:
            raise NotSignedIn("the sign-in ran out and the provider gave no refresh token")
        token = self.provider.refresh(session.refresh_token)
        user = user_from_claims(self.provider.userinfo(token), self.settings)
        if user.name != session.user:
            raise NotSignedIn("the provider named another user on refresh")
        fresh = replace(session, groups=list(user.groups), role=user.role,
                        fresh_until=_token_expiry(token, time.time()), access_token=str(token["access_token"]),
                        refresh_token=token.get("refresh_token") or session.refresh_token,
                        id_token=token.get("id_token") or session.id_token)
        self._save(fresh)
        return fresh

    def end(self, session_id: str) -> BrowserSession | None:
        """Logout: the session is gone from the server; returns what it was (its ID token for the provider's
        logout)."""
        session = self.get(session_id)
        self._redis.delete(self._key(session_id))
        return session


def _token_expiry(token: dict, now: float) -> float:
    if token.get("expires_at"):
        return float(token["expires_at"])
    return now + float(token.get("expires_in") or 300)
