"""The API's own documentation (/docs, /redoc, /openapi.json) lists every route and field: outside demo mode only for
signed-in callers (401 for anyone else), unless PERIMETER_API_DOCS_PUBLIC opens it."""
from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from services.api.deps import get_user
from services.settings import Settings

OPENAPI_URL = "/openapi.json"


def docs_open(settings: Settings) -> bool:
    return settings.auth.demo_mode or settings.operations.api_docs_public


def api_docs_urls(settings: Settings) -> dict:
    """FastAPI's own (open) documentation routes, or none when create_app serves them behind sign-in instead."""
    return {} if docs_open(settings) else {"docs_url": None, "redoc_url": None, "openapi_url": None}


def add_signed_in_docs(app: FastAPI, settings: Settings) -> None:
    """The same three pages, each behind get_user (any signed-in caller), when FastAPI's open ones are off."""
    if docs_open(settings):
        return
    router = APIRouter(include_in_schema=False, dependencies=[Depends(get_user)])

    @router.get(OPENAPI_URL)
    def openapi(request: Request) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @router.get("/docs")
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI_URL, title=f"{app.title} - Swagger UI")

    @router.get("/redoc")
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=OPENAPI_URL, title=f"{app.title} - ReDoc")

    app.include_router(router)
