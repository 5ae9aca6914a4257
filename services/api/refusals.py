"""Refused requests leave an audit record, not only an access-log line: someone probing for documents, answers or
admin endpoints they may not have shows up where answers are audited (services/observability/audit.py), with who
(the signed-in user, or the peer and the kind of credential sent), what (route, path, the ids it named) and the
outcome. Never the body: a refused question or comment is not written anywhere.

Audited: 401, 403, 413, 422 and 429 on any route, and 404 where it means "not yours" — a document (the same 404 as
for one that does not exist) or an answer id that was not issued to the caller. Other 404s are wrong addresses.

Pure ASGI, placed between the request-id middleware (so records carry the request id) and the body size cap (so its
413s are seen)."""
from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.observability.audit import REFUSAL_REASONS, AuditLog, refusal_record

NOT_YOURS_404 = ("/v1/documents/", "/v1/feedback")


def note_target(request: Request, **ids: str) -> None:
    """Ids a refused request was about, for its audit record (identifiers only, never text the caller wrote)."""
    request.state.audit_target = {k: str(v)[:64] for k, v in ids.items()}


def is_audited_refusal(path: str, status: int) -> bool:
    if status == 404:
        return path.startswith(NOT_YOURS_404)
    return status in REFUSAL_REASONS


def credential_kind(headers: Headers) -> str | None:
    """The kind of credential a caller sent ("bearer", "api-key", "proxy-headers"), never the credential."""
    if "x-api-key" in headers:
        return "api-key"
    if "authorization" in headers:
        return headers["authorization"].strip().partition(" ")[0].lower()[:20] or "empty"
    if "x-forwarded-user" in headers:
        return "proxy-headers"
    return None


class RefusalAuditMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    @staticmethod
    def _log(scope: Scope) -> AuditLog:
        """The app's one audit log, the one answers are recorded in (services/container.py)."""
        return scope["app"].state.container.audit_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            if is_audited_refusal(scope["path"], status):
                self._audit(scope, status)

    def _audit(self, scope: Scope, status: int) -> None:
        state = scope.get("state") or {}
        route = getattr(scope.get("route"), "path", None)
        target = dict(state.get("audit_target") or {})
        target.update({k: str(v)[:64] for k, v in (scope.get("path_params") or {}).items()})
        client = scope.get("client")
        self._log(scope).append(refusal_record(
            user=state.get("user"), peer=client[0] if client else None,
            credential=credential_kind(Headers(scope=scope)), method=scope["method"], route=route, path=scope["path"],
            target=target, status=status))
