"""GET /web/config.json: what the chat page needs from the settings before the first question: the question limit
(the page counts characters against it instead of cutting), the model's display name, and the welcome text and
example questions of the collection the page asks (PERIMETER_WELCOME_FILE; the sample corpus. in demo mode)."""
from __future__ import annotations

from pathlib import Path

import yaml
from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, ValidationError

from services.api.deps import SettingsDep
from services.settings import Settings

DEMO_WELCOME = Path(__file__).resolve().parent / "demo_welcome.yaml"  # for the sample corpus (samples/acme)

router = APIRouter(tags=["web"], include_in_schema=False)


class Welcome(BaseModel):
    """One collection's entry in the welcome file."""

    welcome: str | None = Field(None, max_length=2000)
    examples: list[str] = Field(default_factory=list, max_length=12)


class PageConfig(BaseModel):
    max_question_chars: int
    model_name: str | None = Field(description="the model's display name (PERIMETER_MODEL_DISPLAY_NAME), or null: "
                                               "the page then shows the name each answer comes with")
    collection: str
    welcome: str | None = None
    examples: list[str] = Field(default_factory=list)


def welcome_for(settings: Settings) -> Welcome:
    """The configured collection's welcome, or an empty one; a malformed file is an error that names it."""
    path = settings.web.welcome_file or (DEMO_WELCOME if settings.auth.demo_mode else None)
    if path is None:
        return Welcome()
    try:
        entries = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(entries, dict):
            raise ValueError("expected {collection: {welcome, examples}}")
        return Welcome.model_validate(entries.get(settings.storage.collection) or {})
    except (OSError, yaml.YAMLError, ValueError, ValidationError) as exc:
        raise HTTPException(500, f"PERIMETER_WELCOME_FILE ({path}) is unusable: {exc}") from None


@router.get("/web/config.json", response_model=PageConfig)
def page_config(settings: SettingsDep) -> PageConfig:
    welcome = welcome_for(settings)
    return PageConfig(max_question_chars=settings.limits.max_question_chars,
                      model_name=settings.web.model_display_name, collection=settings.storage.collection,
                      welcome=welcome.welcome, examples=welcome.examples)
