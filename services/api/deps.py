"""FastAPI dependencies: the pipeline built at start-up, and the caller's identity."""
from __future__ import annotations

from fastapi import Request

from services.ask import AskPipeline
from services.identity import DEMO_USER, User
from services.settings import Settings


def get_pipeline(request: Request) -> AskPipeline:
    return request.app.state.pipeline


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_user() -> User:
    # Sign-in (proxy headers, OIDC) replaces this; until then every caller is the demo user of group "all".
    return DEMO_USER
