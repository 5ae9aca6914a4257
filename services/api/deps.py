"""FastAPI dependencies, as `Annotated` aliases for route signatures: the process's Container (services/container.py,
built by create_app) and the parts it owns, and the caller's identity (services/auth decides who).

    def route(pipeline: PipelineDep, user: UserDep, settings: SettingsDep): ...
"""
from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from services.answering import AskPipeline
from services.assistants import AssistantCatalog
from services.auth import Authenticator, NotSignedIn, SignInUnavailable
from services.auth.browser_sessions import BrowserSession
from services.container import Container
from services.conversations import ConversationStore
from services.feedback_log import FeedbackLog
from services.identity import User
from services.issued_answers import IssuedAnswers
from services.settings import Settings
from services.worker.jobs import JobStore


def get_container(request: Request) -> Container:
    return request.app.state.container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_settings(container: ContainerDep) -> Settings:
    return container.settings


def get_pipeline(container: ContainerDep) -> AskPipeline:
    return container.pipeline


def get_assistants(container: ContainerDep) -> AssistantCatalog:
    return container.assistants


def get_job_store(container: ContainerDep) -> JobStore:
    return container.job_store


def get_issued_answers(container: ContainerDep) -> IssuedAnswers:
    return container.issued_answers


def get_feedback_log(container: ContainerDep) -> FeedbackLog:
    return container.feedback_log


def get_conversations(container: ContainerDep) -> ConversationStore:
    return container.conversations


SettingsDep = Annotated[Settings, Depends(get_settings)]
PipelineDep = Annotated[AskPipeline, Depends(get_pipeline)]
AssistantsDep = Annotated[AssistantCatalog, Depends(get_assistants)]
JobStoreDep = Annotated[JobStore, Depends(get_job_store)]
IssuedAnswersDep = Annotated[IssuedAnswers, Depends(get_issued_answers)]
FeedbackLogDep = Annotated[FeedbackLog, Depends(get_feedback_log)]
ConversationsDep = Annotated[ConversationStore, Depends(get_conversations)]


def authenticator(request: Request) -> Authenticator:
    """The process's one Authenticator (its key files and JWKS are cached there)."""
    return get_container(request).authenticator


# Methods that change nothing: a cookie-signed request of another kind must prove it comes from our page.
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def cookie_session(request: Request) -> BrowserSession | None:
    """The browser sign-in session the request's cookie names (services/web/sign_in.py), refreshed when due; None
    without one, when it ended, or when the request carries a credential of its own (which then decides)."""
    if "session" not in request.scope or "authorization" in request.headers or "x-api-key" in request.headers:
        return None
    session_id = request.session.get("sid")
    if not isinstance(session_id, str):
        return None
    session = get_container(request).browser_sessions.current(session_id)
    if session is None:
        request.session.clear()  # ended (logout, expiry, the provider refused): the cookie goes too
    return session


def get_user(request: Request) -> User:
    """The signed-in caller (API key, admin token or OIDC token sent with the request, the browser's sign-in cookie,
    proxy headers), or the demo user in demo mode. 401 with WWW-Authenticate when nobody is signed in; 403 for a
    cookie-signed change without the page's CSRF token; 503 when a credential cannot be checked right now."""
    try:
        session = cookie_session(request)
        if session is not None:
            if request.method not in SAFE_METHODS and not hmac.compare_digest(
                    request.headers.get("x-csrf-token", "").encode(), session.csrf.encode()):
                raise HTTPException(403, "this change needs the page's X-CSRF-Token header (GET /auth/session)")
            request.state.user = authenticator(request).with_directory(session.as_user())
            return request.state.user
        user = authenticator(request).resolve(request.headers.items(), request.client.host if request.client else None)
    except NotSignedIn as exc:
        raise HTTPException(401, exc.reason, headers={"WWW-Authenticate": exc.challenge}) from exc
    except SignInUnavailable as exc:
        raise HTTPException(503, f"sign-in cannot be checked right now: {exc}") from exc
    request.state.user = user
    return user


UserDep = Annotated[User, Depends(get_user)]


def require_admin(request: Request, user: UserDep) -> User:
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


AdminDep = Annotated[User, Depends(require_admin)]
Admin = AdminDep
