"""Who may read the operational endpoints. /healthz stays open: a liveness probe learns nothing from it.

- /metrics: the metrics token (PERIMETER_METRICS_TOKEN; Prometheus sends it with `authorization: {credentials: …}`),
  a scraper address on PERIMETER_METRICS_ALLOW_FROM, or an admin. Anyone else: 401 (no or a bad credential) or 403.
- /readyz: everyone gets its status code (200 ready, 503 not: what orchestrators' probes read) and `ready`/`degraded`;
  its details (chunk count, model name and state, errors) only those same operators.

In demo mode nobody signs in, so there everyone is an operator, unless a token or an allow-list is set.
"""
from __future__ import annotations

import hmac
from functools import lru_cache

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from services.api.deps import authenticator, get_container
from services.auth import NotSignedIn, SignInUnavailable
from services.auth.proxy import TrustedPeers

# What /readyz shows everyone: the same as its status code says. Any other key (added later too) is a detail.
PUBLIC_READINESS = ("ready", "degraded")


@lru_cache(maxsize=16)
def _scrapers(entries: tuple[str, ...]) -> TrustedPeers:
    return TrustedPeers(list(entries))


def _sent_metrics_token(request: Request, token: str) -> bool:
    scheme, _, credential = request.headers.get("authorization", "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(credential.strip().encode(), token.encode())


def operator(request: Request) -> str | None:
    """How the caller may read operational details: "metrics-token", "scraper", "demo" or "admin"; None when they
    may not. Never raises: /readyz must answer probes whatever they send. A caller who signs in is remembered on the
    request (access log, refusal audit)."""
    settings = get_container(request).settings
    if settings.operations.metrics_token and _sent_metrics_token(request, settings.operations.metrics_token):
        return "metrics-token"
    peer = request.client.host if request.client else None
    if settings.operations.metrics_allow_from and peer in _scrapers(tuple(settings.operations.metrics_allow_from)):
        return "scraper"
    if settings.auth.demo_mode and not (settings.operations.metrics_token or settings.operations.metrics_allow_from):
        return "demo"
    try:
        user = authenticator(request).resolve(request.headers.items(), peer)
    except (NotSignedIn, SignInUnavailable):
        return None
    request.state.user = user
    return "admin" if user.is_admin else None


def metrics_reader(request: Request) -> None:
    """Dependency of /metrics (services/observability/http.py)."""
    if operator(request):
        return
    user = getattr(request.state, "user", None)
    if user is None:
        raise HTTPException(401, "metrics need the metrics token (Authorization: Bearer <PERIMETER_METRICS_TOKEN>), "
                                 "a scraper address on PERIMETER_METRICS_ALLOW_FROM, or an admin",
                            headers={"WWW-Authenticate": 'Bearer realm="perimeter"'})
    raise HTTPException(403, f"'{user.name}' may not read metrics (admins, the metrics token or listed scrapers may)")


def readiness_details(request: Request) -> bool:
    """Dependency of /readyz: may this caller see the details? Never refuses."""
    return operator(request) is not None


def readiness_shown(body: dict, details: bool) -> dict:
    """The readiness body as this caller may see it: all of it for an operator, else only PUBLIC_READINESS."""
    return body if details else {key: body[key] for key in PUBLIC_READINESS if key in body}


async def readiness_for(request: Request, body: dict) -> dict:
    """What /readyz shows this caller of its full `body` (services/api/routes/health.py). Signing in may read a JWKS
    or a keys file: off the event loop."""
    return readiness_shown(body, await run_in_threadpool(readiness_details, request))
