"""Who may see what of the quality loop. Question texts are personal data: admins see aggregates (counts, times,
rates, documents); only a member of an analysts group (PERIMETER_ANALYSTS_GROUPS, default perimeter-analysts) sees
the texts of questions, and the askers' names only when PERIMETER_ANALYTICS_SHOW_USERS allows it."""
from __future__ import annotations

from services.identity import User
from services.quality.settings import QualitySettings


def is_analyst(user: User, settings: QualitySettings) -> bool:
    """A signed-in member of an analysts group (the anonymous demo user never is, whatever its groups)."""
    return not user.is_anonymous and bool(set(user.groups) & set(settings.analysts_groups))


def may_see_analytics(user: User, settings: QualitySettings) -> bool:
    return user.is_admin or is_analyst(user, settings)


def shows_users(user: User, settings: QualitySettings) -> bool:
    return is_analyst(user, settings) and settings.analytics_show_users
