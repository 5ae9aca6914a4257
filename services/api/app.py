"""The FastAPI application: one pipeline built at start-up, routers per resource."""
from __future__ import annotations

from fastapi import FastAPI

from services.api.routes import admin, ask, health, openai_compat, slack, stream
from services.api.routes import documents, feedback
from services.ask import AskPipeline
from services.settings import Settings, get_settings
from services.web.router import router as web_router


def create_app(settings: Settings | None = None, pipeline: AskPipeline | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Perimeter",
        version="0.1.0",
        description="Answers from your company's own documents, with numbered citations; nothing leaves the network.",
    )
    if pipeline is None:
        from services.components import build_pipeline

        pipeline = build_pipeline(settings)
    app.state.settings = settings
    app.state.pipeline = pipeline
    app.include_router(health.router)
    app.include_router(ask.router)
    app.include_router(stream.router)
    app.include_router(openai_compat.router)
    app.include_router(admin.router)
    for router in (documents.router, feedback.router, web_router):  # web page at "/" (services/web)
        app.include_router(router)
    app.include_router(slack.router)
    return app
