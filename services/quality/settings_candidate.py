"""A settings change as a candidate (`perimeter eval --candidate-env FILE`): another model server or model name, other
answer, retrieval or prompt settings, given as KEY=VALUE lines (the PERIMETER_* names of README's table), applied to
this command's settings only. The golden set is asked with them and compared with the last accepted run
(services/quality/gate.judge_settings); nothing is switched: the admin applies the change once it passed.

Only the sections that change how a question is answered from the same index may be overridden; a change of the
embedding model, the storage or the ingestion needs a re-index, which has its own candidate mode."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import ValidationError

from services.settings import FLAT_NAMES, SECTIONS, Settings

# `embedded` too: the embedded model's settings (its answer form, quotes, sources budget, threads) change answers,
# not the index.
ANSWERING_SECTIONS = frozenset({"retrieval", "answers", "llm", "embedded"})


class CandidateSettingsError(ValueError):
    pass


def _value(text: str) -> Any:
    """Lists and objects as JSON (as the environment gives them to pydantic-settings); everything else as text, which
    validation turns into numbers and booleans."""
    stripped = text.strip()
    if stripped[:1] in "[{":
        try:
            return json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise CandidateSettingsError(f"not valid JSON: {stripped!r} ({exc.msg})") from None
    return text


def read_overrides(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments, quotes and `export` as in a .env file); a key without a value is an error."""
    if not path.is_file():
        raise CandidateSettingsError(f"{path}: no such file")
    values = dotenv_values(path)
    empty = sorted(k for k, v in values.items() if v is None)
    if empty:
        raise CandidateSettingsError(f"{path}: no value for {', '.join(empty)}")
    if not values:
        raise CandidateSettingsError(f"{path}: no settings in it (KEY=VALUE lines, e.g. PERIMETER_LLM_MODEL=other)")
    return {k: v for k, v in values.items() if v is not None}


def candidate_settings(settings: Settings, overrides: dict[str, str]) -> tuple[Settings, dict[str, str]]:
    """`settings` with the overrides applied, and the changes as shown in the gate's list (secrets as "(set)")."""
    flat: dict[str, Any] = {}
    for key, text in overrides.items():
        name = key.lower().removeprefix("perimeter_")
        place = FLAT_NAMES.get(name)
        if place is None:
            raise CandidateSettingsError(f"{key}: not a Perimeter setting (README, the settings table)")
        if place[0] not in ANSWERING_SECTIONS:
            raise CandidateSettingsError(f"{key} is one of the {place[0]} settings; a candidate may change only "
                                         f"{', '.join(sorted(ANSWERING_SECTIONS))} settings (an embedding or "
                                         "storage change needs a re-index: `perimeter reindex --candidate`)")
        flat[name] = _value(text)
    variables = {FLAT_NAMES[name][1]: SECTIONS[FLAT_NAMES[name][0]].variable(FLAT_NAMES[name][1]) for name in flat}
    try:
        changed = settings.with_values(**flat)
    except ValidationError as exc:  # named by the variable the admin wrote, as at start-up
        raise CandidateSettingsError("; ".join(
            f"{variables.get(str(e['loc'][0]), e['loc'][0]) if e['loc'] else ''}: {e['msg']} (got {e['input']!r})"
            for e in exc.errors())) from None
    shown = changed.described()
    return changed, {variable: shown[variable] for variable in sorted(variables.values())}
