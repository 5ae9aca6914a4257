"""Browser sign-in with the company's OpenID provider: the authorization code flow with PKCE (S256), run by Authlib's
Starlette client (state, nonce, code verifier and ID token checks are Authlib's, not ours).

    GET  /auth/login?next=/admin   → the provider's login page
    GET  /auth/callback            ← the provider: the code exchanged, the ID token checked, a session started
    POST /auth/logout              the session ended here (and the provider's logout URL returned)
    GET  /auth/session             who the page is signed in as, the CSRF token it must send, where to sign in

The session cookie (Starlette's SessionMiddleware, signed with PERIMETER_SSO_SESSION_SECRET: HttpOnly, SameSite=Lax,
Secure unless PERIMETER_SSO_COOKIE_SECURE=0) carries only a random session id and, during a login, Authlib's state;
the session itself is in Redis (services/auth/browser_sessions.py). A request made with the cookie that changes
something must send the session's CSRF token in X-CSRF-Token (services/api/deps.get_user checks it)."""
from __future__ import annotations

import hmac
from urllib.parse import urlencode

from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import StarletteOAuth2App
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.middleware.sessions import SessionMiddleware

from services.api.deps import ContainerDep, cookie_session, get_user
from services.auth import NotSignedIn
from services.auth.browser_sessions import BrowserSession, has_groups_claim, user_from_claims
from services.settings import Settings

SESSION_COOKIE = "perimeter_session"
CSRF_HEADER = "X-CSRF-Token"
router = APIRouter(tags=["sign-in"])


class SignedIn(BaseModel):
    """What the page needs to know about its sign-in."""

    signed_in: bool
    user: str | None = None
    groups: list[str] = Field(default_factory=list)
    role: str | None = None
    via: str | None = Field(None, description="demo, proxy, oidc, api-key, admin-token")
    browser_session: bool = Field(False, description="signed in by the session cookie (sign-out applies)")
    csrf_token: str | None = Field(None, description=f"send it as {CSRF_HEADER} on POST/PUT/PATCH/DELETE")
    sso: bool = Field(description="browser sign-in with the company's provider is on")
    login_url: str | None = None
    admin_page_off: bool = Field(description="demo mode without PERIMETER_ADMIN_TOKEN: nobody can use the admin page")
    demo: bool


class SignedOut(BaseModel):
    signed_out: bool
    provider_logout_url: str | None = Field(None, description="end the sign-in at the provider too")


def add_browser_sign_in(app: FastAPI, settings: Settings) -> None:
    """The routes always (they say when sign-in is off); the session cookie only when it is on."""
    app.include_router(router)
    if settings.sso.enabled:
        app.add_middleware(SessionMiddleware, secret_key=settings.sso.session_secret_value or "",
                           session_cookie=SESSION_COOKIE, max_age=settings.sso.session_ttl_s, same_site="lax",
                           https_only=settings.sso.cookie_secure)


def _client(container) -> StarletteOAuth2App:
    if not container.settings.sso.enabled:
        raise HTTPException(404, "browser sign-in is not configured (PERIMETER_SSO_ISSUER, PERIMETER_SSO_CLIENT_ID)")
    return container.sso_client


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _callback_url(request: Request, settings: Settings) -> str:
    if settings.sso.public_url:
        return settings.sso.public_url.rstrip("/") + "/auth/callback"
    return str(request.url_for("sso_callback"))


@router.get("/auth/login", include_in_schema=False, response_class=RedirectResponse)
async def sso_login(request: Request, container: ContainerDep, next: str = "/"):
    client = _client(container)
    request.session["next"] = _safe_next(next)
    try:
        return await client.authorize_redirect(request, _callback_url(request, container.settings))
    except Exception as exc:  # discovery failed: the provider is down or the issuer is wrong
        raise HTTPException(503, f"the identity provider cannot be reached: {exc}") from exc


@router.get("/auth/callback", include_in_schema=False, name="sso_callback", response_class=RedirectResponse)
async def sso_callback(request: Request, container: ContainerDep):
    client = _client(container)
    try:
        token = await client.authorize_access_token(request)  # state, PKCE verifier, ID token (signature, nonce)
        claims = dict(token.get("userinfo") or {})
        if not has_groups_claim(claims, container.settings):  # many providers put groups at userinfo only
            claims.update(await client.userinfo(token=token))
        user = user_from_claims(claims, container.settings)
    except OAuthError as exc:
        raise HTTPException(401, f"sign-in failed: {exc.description or exc.error}") from exc
    except NotSignedIn as exc:
        raise HTTPException(401, f"sign-in failed: {exc.reason}") from exc
    session = await run_in_threadpool(container.browser_sessions.start, user, token)
    target = _safe_next(request.session.get("next"))
    request.session.clear()  # a new session id at every sign-in: no fixation
    request.session["sid"] = session.id
    return RedirectResponse(target, status_code=303)


@router.post("/auth/logout", response_model=SignedOut)
async def sso_logout(request: Request, container: ContainerDep) -> SignedOut:
    session_id = request.session.get("sid") if "session" in request.scope else None
    if not isinstance(session_id, str):
        return SignedOut(signed_out=False)
    sessions = container.browser_sessions
    session = await run_in_threadpool(sessions.get, session_id)
    if session is not None and not hmac.compare_digest(request.headers.get(CSRF_HEADER, "").encode(),
                                                       session.csrf.encode()):
        raise HTTPException(403, f"sign-out needs the page's {CSRF_HEADER} header")
    await run_in_threadpool(sessions.end, session_id)
    request.session.clear()
    return SignedOut(signed_out=True, provider_logout_url=await _provider_logout(request, container, session))


async def _provider_logout(request: Request, container, session: BrowserSession | None) -> str | None:
    """The provider's end-session URL (RP-initiated logout), coming back to the chat page; None without one."""
    if session is None:
        return None
    try:
        endpoint = (await container.sso_client.load_server_metadata()).get("end_session_endpoint")
    except Exception:  # the provider is down: signed out here all the same
        return None
    if not endpoint:
        return None
    back = container.settings.sso.public_url or str(request.base_url)
    query = {"post_logout_redirect_uri": back.rstrip("/") + "/", "client_id": container.settings.sso.client_id}
    if session.id_token:
        query["id_token_hint"] = session.id_token
    return f"{endpoint}?{urlencode(query)}"


@router.get("/auth/session", response_model=SignedIn)
def signed_in(request: Request, container: ContainerDep) -> SignedIn:
    """Never 401: the page asks it first to learn whether to send the employee to sign in."""
    settings = container.settings
    common = dict(sso=settings.sso.enabled, demo=settings.auth.demo_mode,
                  admin_page_off=settings.auth.demo_mode and not settings.auth.admin_token,
                  login_url="/auth/login" if settings.sso.enabled else None)
    try:
        user = get_user(request)
    except HTTPException:
        return SignedIn(signed_in=False, **common)
    session = cookie_session(request)
    return SignedIn(signed_in=True, user=user.name, groups=list(user.groups), role=user.role, via=user.via,
                    browser_session=session is not None, csrf_token=session.csrf if session else None, **common)
