"""ASGI middleware for every request: a request id, JSON access logs and latency metrics (RequestContextMiddleware),
and a cap on the request body (BodySizeLimitMiddleware, 413). Pure ASGI rather than BaseHTTPMiddleware, so streamed
answers pass through untouched and context variables reach the code that serves the request."""
from __future__ import annotations

import logging
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.observability import context
from services.observability.logging import configure_logging
from services.observability.metrics import BODY_TOO_LARGE, HTTP_SECONDS

log = logging.getLogger("perimeter.access")
REQUEST_ID_HEADER = "X-Request-ID"


def front_door(path: str, headers: Headers) -> str:
    """The door a question comes through, for the audit log. The web page calls /v1/ask/stream from its own origin
    (browsers mark that with Sec-Fetch-Site; informational only — the audit's `user` is the identity that counts)."""
    if path == "/v1/chat/completions":
        return "openai"
    if path == "/v1/ask/stream":
        return "web" if headers.get("sec-fetch-site") == "same-origin" else "stream"
    if path in ("/v1/ask", "/v1/search"):
        return "api"
    return "http"


def route_template(scope: Scope) -> str:
    """The matched route's template ("/v1/documents/{doc_id}"), never the raw path: metric labels stay bounded."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, log_format: str | None = "json", log_level: str = "INFO"):
        self.app, self.log_format, self.log_level = app, log_format, log_level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            # Served (uvicorn has set up its loggers by now): every line from here on is ours, JSON by default.
            if self.log_format:
                configure_logging(self.log_format, self.log_level)
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        rid = context.accept_request_id(headers.get("x-request-id"))
        rid_token = context.request_id.set(rid)
        door_token = context.front_door.set(front_door(scope["path"], headers))
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            HTTP_SECONDS.labels(scope["method"], route, str(status)).observe(seconds)
            user = (scope.get("state") or {}).get("user")
            log.info("%s %s %d", scope["method"], route, status,
                     extra={"method": scope["method"], "route": route, "path": scope["path"], "status": status,
                            "duration_ms": round(seconds * 1000, 1), "user": getattr(user, "name", None)})
            context.front_door.reset(door_token)
            context.request_id.reset(rid_token)


class BodySizeLimitMiddleware:
    """Bodies over `max_bytes` get 413 before the app sees them: by Content-Length when given, otherwise (chunked
    uploads) by reading the body up to the limit, then handing the app what was read."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        BODY_TOO_LARGE.inc()
        response = JSONResponse({"detail": f"the request body is larger than {self.max_bytes} bytes"}, 413,
                                headers={"Connection": "close"})
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None:
            if not length.isdigit():
                await JSONResponse({"detail": "invalid Content-Length"}, 400)(scope, receive, send)
            elif int(length) > self.max_bytes:
                await self._too_large(scope, receive, send)
            else:  # the server delivers no more than Content-Length bytes
                await self.app(scope, receive, send)
            return
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
