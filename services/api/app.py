"""The FastAPI application: one Container per app (services/container.py) whose pipeline is built at start-up,
routers per resource."""
from __future__ import annotations

from fastapi import Depends, FastAPI

from services.answering import AskPipeline
from services.api.api_docs import add_signed_in_docs, api_docs_urls
from services.api.errors import add_error_handlers
from services.api.limits import rate_limit
from services.api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from services.api.refusals import RefusalAuditMiddleware
from services.api.routes import (
    admin,
    analytics,
    ask,
    assistants,
    conversations,
    documents,
    evaluation,
    feedback,
    health,
    openai_compat,
    slack,
    stream,
    versions,
)
from services.auth import check_security
from services.container import Container
from services.modelserver import ModelSupervisor
from services.settings import Settings, get_settings
from services.web.router import router as web_router
from services.web.sign_in import add_browser_sign_in


def create_app(settings: Settings | Container | None = None, pipeline: AskPipeline | None = None,
               model_supervisor: ModelSupervisor | None = None) -> FastAPI:
    """The app over `settings`' Container (or the one given; the environment's settings when neither is).
    `pipeline`: a pipeline built elsewhere (a test's), which the container then serves. `model_supervisor`: the
    embedded model server `perimeter serve` runs, whose state /readyz and /healthz report."""
    if isinstance(settings, Container):
        container = settings
        if pipeline is not None or model_supervisor is not None:
            raise ValueError("give the pipeline and the model supervisor to the Container, not beside it")
    else:
        container = Container(settings or get_settings(), pipeline=pipeline, model_supervisor=model_supervisor)
    settings = container.settings
    check_security(settings)  # weak secrets or no sign-in outside demo mode: refuse to start (services/auth)
    app = FastAPI(
        title="Perimeter",
        version="0.1.0",
        description="Answers from your company's own documents, with numbered citations; nothing leaves the network.",
        **api_docs_urls(settings),  # off here when add_signed_in_docs serves them behind sign-in (services/api)
    )
    container.start()  # the pipeline built now, not in the first request
    app.state.container = container  # what every route's dependencies read (services/api/deps.py)
    add_error_handlers(app)  # QuestionError → 422 and the others, once for every route (services/api/errors.py)
    app.include_router(health.router)
    # Question-answering doors: per-user rate limit (services/api/limits.py; fails open when Redis is down).
    for router in (ask.router, stream.router, openai_compat.router):
        app.include_router(router, dependencies=[Depends(rate_limit)])
    app.include_router(admin.router)
    app.include_router(assistants.router)
    app.include_router(assistants.admin_router)
    app.include_router(versions.router)
    app.include_router(analytics.router)  # the quality loop (services/quality)
    app.include_router(evaluation.router)
    # The web page at "/" (services/web) and what it calls besides the question doors.
    for router in (documents.router, feedback.router, conversations.router, web_router):
        app.include_router(router)
    app.include_router(slack.router)
    add_browser_sign_in(app, settings)  # /auth/* and the session cookie (services/web/sign_in.py)
    add_signed_in_docs(app, settings)  # /docs, /redoc, /openapi.json for signed-in callers, outside demo mode
    if settings.operations.metrics_enabled:
        from services.observability.http import router as metrics_router

        app.include_router(metrics_router)
    # The last added runs first: request id, logs and latency around everything, then the body size cap.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.limits.max_body_bytes)
    app.add_middleware(RefusalAuditMiddleware)  # audits refusals (413s too) with the request id (services/api)
    app.add_middleware(RequestContextMiddleware, log_format=settings.operations.log_format,
                       log_level=settings.operations.log_level)
    return app
