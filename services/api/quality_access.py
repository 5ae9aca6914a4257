"""Who may call the quality loop's routes (services/api/routes/analytics.py, evaluation.py): the rules of
services/quality/access.py as FastAPI dependencies."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from services.api.deps import ContainerDep, UserDep
from services.identity import User
from services.quality.access import is_analyst, may_see_analytics

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="perimeter"'}


def analytics_reader(user: UserDep, container: ContainerDep) -> User:
    """An admin or an analyst: 401 for nobody signed in, 403 for anyone else."""
    if may_see_analytics(user, container.settings.quality):
        return user
    if user.is_anonymous:
        raise HTTPException(401, "sign in as an admin or analyst", headers=CHALLENGE)
    raise HTTPException(403, f"'{user.name}' may not read analytics")


def analyst(user: UserDep, container: ContainerDep) -> User:
    """A member of an analysts group (PERIMETER_ANALYSTS_GROUPS): question texts are theirs only."""
    if is_analyst(user, container.settings.quality):
        return user
    if user.is_anonymous:
        raise HTTPException(401, "sign in as an analyst", headers=CHALLENGE)
    raise HTTPException(403, f"'{user.name}' may not read question texts (analysts only: "
                             f"{', '.join(container.settings.quality.analysts_groups)})")


ReaderDep = Annotated[User, Depends(analytics_reader)]
AnalystDep = Annotated[User, Depends(analyst)]
