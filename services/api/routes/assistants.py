"""The assistants (services/assistants.py): GET /v1/assistants lists those the caller may use, their default first
(what the web page's picker shows); GET /v1/admin/assistants lists all of them as configured, with the file they
come from and why a change to it was not taken (for the admin page)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.api.deps import AdminDep, AssistantsDep, UserDep, require_admin
from services.assistants import Assistant

router = APIRouter(prefix="/v1", tags=["assistants"])
admin_router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class AssistantCard(BaseModel):
    """What a user is shown of an assistant: never its groups, instructions or model."""
    name: str
    title: str
    description: str
    examples: list[str]
    disclaimer: dict[str, str] = Field(description="per language (`*`: every language)")


class AssistantList(BaseModel):
    assistants: list[AssistantCard] = Field(description="the caller's, in order: the first is their default")


class AssistantsConfig(BaseModel):
    file: Path | None = Field(description="PERIMETER_ASSISTANTS_FILE (none: no assistants)")
    error: str | None = Field(description="why the file's last change was not taken (the assistants listed are "
                                          "still the ones in use)")
    assistants: list[Assistant]


@router.get("/assistants", response_model=AssistantList)
def assistants(user: UserDep, catalog: AssistantsDep) -> AssistantList:
    return AssistantList(assistants=[
        AssistantCard(name=a.name, title=a.label, description=a.description, examples=a.examples,
                      disclaimer=a.disclaimer) for a in catalog.usable_by(user)])


@admin_router.get("/assistants", response_model=AssistantsConfig)
def assistants_config(_: AdminDep, catalog: AssistantsDep) -> AssistantsConfig:
    listed = catalog.all()
    return AssistantsConfig(file=catalog.path, error=catalog.error, assistants=listed)
