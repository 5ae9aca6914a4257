"""FastAPI dependencies: the pipeline built at start-up, and the caller's identity (services/auth decides who)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from services.ask import AskPipeline
from services.auth import Authenticator, NotSignedIn, SignInUnavailable
from services.identity import User
from services.settings import Settings


def get_pipeline(request: Request) -> AskPipeline:
    return request.app.state.pipeline


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def authenticator(request: Request) -> Authenticator:
    """One Authenticator per app (and per settings object, should a test swap app.state.settings)."""
    settings = request.app.state.settings
    current = getattr(request.app.state, "authenticator", None)
    if current is None or current.settings is not settings:
        current = Authenticator(settings)
        request.app.state.authenticator = current
    return current


def get_user(request: Request) -> User:
    """The signed-in caller (proxy headers, OIDC token, API key, admin token), or the demo user in demo mode.
    401 with WWW-Authenticate when nobody is signed in; 503 when a credential cannot be checked right now."""
    try:
        user = authenticator(request).resolve(request.headers.items(), request.client.host if request.client else None)
    except NotSignedIn as exc:
        raise HTTPException(401, exc.reason, headers={"WWW-Authenticate": exc.challenge}) from exc
    except SignInUnavailable as exc:
        raise HTTPException(503, f"sign-in cannot be checked right now: {exc}") from exc
    request.state.user = user
    return user


def require_admin(request: Request, user: Annotated[User, Depends(get_user)]) -> User:
    """An admin: 401 for the anonymous demo user (sign in first), 403 for a signed-in user who is not one."""
    if user.is_admin:
        return user
    if user.is_anonymous:
        if not authenticator(request).methods:
            raise HTTPException(503, "the admin API is disabled: set PERIMETER_ADMIN_TOKEN (or sign in through a "
                                     "proxy/OIDC as a member of PERIMETER_AUTH_ADMIN_GROUPS)")
        raise HTTPException(401, "admin credential required (Authorization: Bearer <token>)",
                            headers={"WWW-Authenticate": 'Bearer realm="perimeter"'})
    raise HTTPException(403, f"'{user.name}' is not an admin")


Admin = Annotated[User, Depends(require_admin)]
