"""Perimeter's settings: one object of typed sections, each read from the environment with the `PERIMETER_` names
of README's settings table (the names are those of the flat settings that came before the sections: none changed).

    settings.retrieval.top_k      PERIMETER_TOP_K
    settings.llm.url              PERIMETER_LLM_URL
    settings.auth.demo_mode       PERIMETER_DEMO_MODE

The sections that ingestion and retrieval read live in those packages (ingestion/settings.py, retrieval/settings.py)
so that their classes take a section instead of loose arguments; the rest are here. `Settings(top_k=3)` and
`settings.with_values(top_k=3)` take the flat names too (one name for a value in code, tests and the environment).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from ingestion.embedder import similarity_thresholds
from ingestion.settings import EmbeddingSettings, IngestionSettings, Section, StorageSettings
from retrieval.settings import RetrievalSettings
from services.quality.settings import QualitySettings
from services.settings_directory import DirectorySettings
from services.settings_model import EmbeddedModelSettings, LlmSettings
from services.web.settings import WebSettings
from services.web_settings import HistorySettings, SsoSettings

ConversationStoreKind = Literal["memory", "redis"]
QuoteFacts = Literal["flag", "correct"]
LogFormat = Literal["json", "text"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class AnswerSettings(Section):
    """What makes an answer: relevance and grounding checks, conversations, feedback."""

    grounding_min_overlap: float = Field(0.5, ge=0, le=1, description="share of a point's terms found in a cited "
                                                                       "source that makes it supported")
    grounding_min_similarity: float | None = Field(
        None, ge=-1, le=1, description="embedding similarity to a cited source that makes a point supported; unset "
        "= the embedding model's own (0.6 for MiniLM, 0.92 for e5)")
    grounding_drop_unsupported: bool = Field(False, description="drop unsupported points instead of marking them")
    grounding_fix_citations: bool = Field(True, description="re-cite a point whose cited sources hold too few of its "
                                                            "terms to the source that holds enough of them")
    quote_min_similarity: float = Field(0.85, ge=0.5, le=1, description="how close a quote of the model's must be "
                                        "to a source's words to be found by the fuzzy match (after exact and "
                                        "spacing/punctuation-blind matching failed)")
    quote_facts: QuoteFacts = Field("correct", description="a point whose number, date, amount or duration its quote "
                                    "contradicts: flag (marked unsupported) or correct (the quote's figure written "
                                    "in, the model's text kept in model_text)")
    prompts_dir: Path | None = Field(None, description="prompt files (instructions_en.md, quotes_zh.md, …) used "
                                     "instead of those in prompts/; the files it lacks stay prompts/' own")
    evidence_sentences: int = Field(3, ge=0, le=10, description="the extractive fallback: sentences of the top "
                                    "sources shown when no quote was found or the model failed (0 = none)")
    not_found_min_overlap: float = Field(0.15, ge=0, le=1, description="below this question-term overlap AND the "
                                         "similarity below, nothing retrieved is relevant")
    not_found_min_similarity: float | None = Field(
        None, ge=-1, le=1, description="unset = the embedding model's own (0.35 for MiniLM, 0.84 for e5)")
    conversation_turns: int = Field(3, ge=0, le=20, description="earlier turns a follow-up question sees")
    conversation_ttl_s: float = Field(3600.0, gt=0)
    conversation_store: ConversationStoreKind = Field("memory", description="memory: this process only (the demo); "
                                                      "redis: shared by all API and worker processes")
    feedback_file: Path | None = Field(None, description="JSON lines of 👍/👎 feedback (default "
                                                          "DATA_DIR/feedback.jsonl)")
    feedback_window_s: float = Field(7 * 24 * 3600.0, gt=0, description="how long an answer can be rated: its id is "
                                     "kept this long, for the user it was given to (services/issued_answers.py)")
    assistants_file: Path | None = Field(None, description="YAML assistants: [{name, title, description, sources, "
                                         "documents, instructions, disclaimer, examples, groups, model}], read "
                                         "again when it changes; unset = no assistants")

    @field_validator("assistants_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value  # compose's `${VAR:-}`


class RedisSettings(Section):
    model_config = SettingsConfigDict(env_prefix="PERIMETER_REDIS_")

    url: str = "redis://127.0.0.1:6379/0"


class WorkerSettings(Section):
    """Re-index jobs on Celery."""

    model_config = SettingsConfigDict(env_prefix="PERIMETER_WORKER_")

    batch_files: int = Field(32, ge=1, description="files per task: their new chunks are embedded together")
    visibility_timeout_s: int = Field(3600, ge=5, description="unacknowledged tasks are redelivered after this")
    task_max_retries: int = Field(3, ge=0, validation_alias="PERIMETER_TASK_MAX_RETRIES")
    job_stall_timeout_s: float = Field(900.0, gt=0, validation_alias="PERIMETER_JOB_STALL_TIMEOUT_S",
                                       description="a running job with no progress this long is failed")
    jobs_kept: int = Field(50, ge=1, validation_alias="PERIMETER_JOBS_KEPT")


class AuthSettings(Section):
    """Sign-in (README, "Sign-in"). Nobody is anonymous unless demo_mode is on. Lists come as JSON from the
    environment, e.g. PERIMETER_AUTH_TRUSTED_PROXIES='["10.0.0.5/32"]'."""

    model_config = SettingsConfigDict(env_prefix="PERIMETER_AUTH_")

    demo_mode: bool = Field(False, validation_alias="PERIMETER_DEMO_MODE",
                            description="anonymous callers become user 'demo' of group 'all' (make run)")
    admin_token: str | None = Field(None, validation_alias="PERIMETER_ADMIN_TOKEN",
                                    description="bearer token for /v1/admin/*; unset = admin API disabled")
    trusted_proxies: list[str] = Field(default_factory=list, description="IPs/CIDRs (or literal peer names) whose "
                                       "user/groups headers are trusted; any other peer's are ignored")
    user_header: str = "X-Forwarded-User"
    groups_header: str = Field("X-Forwarded-Groups", description="comma-separated groups")
    oidc_jwks: str | None = Field(None, description="JWKS of the OIDC provider: a JSON file or an http(s) URL")
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_user_claim: str = "preferred_username"
    oidc_groups_claim: str = Field("groups", description="a list (or comma/space separated string); a dotted path "
                                                         "reaches into objects, e.g. realm_access.roles")
    oidc_algorithms: list[str] = ["RS256", "ES256"]
    oidc_leeway_s: float = Field(30.0, ge=0, description="clock skew allowed on exp/nbf/iat")
    api_keys_file: Path | None = Field(None, description="YAML keys: [{name, sha256, groups, role}] (digests only)")
    admin_groups: list[str] = Field(["perimeter-admins"], description="proxy/OIDC groups that make a user admin")


class SlackSettings(Section):
    """The Slack bot (Events API webhook + /ask). Secrets only from the environment."""

    model_config = SettingsConfigDict(env_prefix="PERIMETER_SLACK_")

    signing_secret: str | None = None
    bot_token: str | None = None
    api_url: str = "https://slack.com/api/"
    users_file: Path | None = Field(None, description="YAML users: {SLACK_USER_ID: [groups]}")
    default_groups: list[str] = ["all"]
    channel_groups: list[str] = Field(["all"], description="groups whose documents may be answered where a whole "
                                      "channel reads the answer; direct messages use the asker's own groups")
    dedupe_ttl_s: int = 3600
    channel_assistants: dict[str, str] = Field(default_factory=dict, description="JSON {CHANNEL_ID: assistant}: the "
                                               "assistant that answers in a channel unless the question names one")


class OperationsSettings(Section):
    """Logs, audit, metrics, API docs (README, "Operations")."""

    log_format: LogFormat = Field("json", description="json: one JSON object a line, with request_id")
    log_level: LogLevel = "INFO"
    audit_file: Path | None = Field(None, description="append-only JSON lines of who asked what and which sources "
                                                      "were cited (default DATA_DIR/audit.jsonl)")
    metrics_enabled: bool = Field(True, description="serve Prometheus metrics at /metrics")
    metrics_token: str | None = Field(None, description="bearer token that may read /metrics and /readyz's details "
                                      "(Prometheus: authorization: {credentials: ...}); admins may too")
    metrics_allow_from: list[str] = Field(default_factory=list, description="scraper IPs/CIDRs that may read /metrics "
                                          "and /readyz's details without the token")
    api_docs_public: bool = Field(False, description="serve /docs, /redoc and /openapi.json to anyone; otherwise to "
                                                     "signed-in callers only (open in demo mode)")


class LimitsSettings(Section):
    """Abuse limits at the doors."""

    rate_limit_per_minute: int = Field(30, ge=0, description="questions a user may ask per minute (0 = no limit)")
    rate_limit_redis_url: str | None = Field(None, description="Redis for the rate limit counters (default "
                                                               "PERIMETER_REDIS_URL)")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="larger request bodies get 413")
    max_question_chars: int = 2000


def _flat_names() -> dict[str, tuple[str, str]]:
    """Flat name (the variable without PERIMETER_, lower case) -> (section, field), e.g. top_k -> (retrieval, top_k)."""
    names: dict[str, tuple[str, str]] = {}
    for section, cls in SECTIONS.items():
        for field in cls.model_fields:
            flat = cls.variable(field).removeprefix("PERIMETER_").lower()
            if flat in names:
                raise AssertionError(f"two settings share the variable PERIMETER_{flat.upper()}")
            names[flat] = (section, field)
    return names


def variables() -> set[str]:
    """Every PERIMETER_* variable a setting is read from."""
    return {SECTIONS[section].variable(field) for section, field in FLAT_NAMES.values()}

SECRETS = {"admin_token", "metrics_token", "slack_signing_secret", "slack_bot_token", "llm_api_key",
           "directory_bind_password", "sso_client_secret", "sso_session_secret"}


def _route(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Flat names (top_k, PERIMETER_TOP_K) and section dicts (retrieval={...}) into one dict per section."""
    routed: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    unknown = []
    for key, value in values.items():
        if key in SECTIONS and isinstance(value, dict):
            routed[key].update(value)
            continue
        place = FLAT_NAMES.get(key.lower().removeprefix("perimeter_"))
        if place is None:
            unknown.append(key)
            continue
        routed[place[0]][place[1]] = value
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    return routed


def _variable(section: type[Section], loc: tuple[int | str, ...]) -> str:
    name = str(loc[0]) if loc else ""
    return section.variable(name) if name in section.model_fields else name or section.__name__


def _read(section: type[Section], values: dict[str, Any]) -> Section:
    """One section from the environment and `values`; a bad value is reported by its variable's name, which is what
    the person who set it knows."""
    try:
        return section(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{_variable(section, e['loc'])}: {e['msg']} (got {e['input']!r})" for e in exc.errors())
        raise ValueError(f"invalid settings: {problems}") from None


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    # The one list of sections (SECTIONS is read from it). Filled by the validator below; the factories only tell type
    # checkers that they need not be passed.
    storage: StorageSettings = Field(default_factory=StorageSettings)
    ingestion: IngestionSettings = Field(default_factory=IngestionSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answers: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    embedded: EmbeddedModelSettings = Field(default_factory=EmbeddedModelSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    operations: OperationsSettings = Field(default_factory=OperationsSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    quality: QualitySettings = Field(default_factory=QualitySettings)
    web: WebSettings = Field(default_factory=WebSettings)
    directory: DirectorySettings = Field(default_factory=DirectorySettings)
    sso: SsoSettings = Field(default_factory=SsoSettings)  # services/web_settings.py
    history: HistorySettings = Field(default_factory=HistorySettings)

    @model_validator(mode="before")
    @classmethod
    def _sections_from_the_environment(cls, values: Any) -> Any:
        """Each section not given whole is read from the environment, with the values given by name on top."""
        if not isinstance(values, dict):
            return values
        given = {k: v for k, v in values.items() if k in SECTIONS and isinstance(v, Section)}
        routed = _route({k: v for k, v in values.items() if k not in given})
        return {name: given.get(name) or _read(section, routed[name]) for name, section in SECTIONS.items()}

    def with_values(self, **values: Any) -> Settings:
        """A copy with some values changed, by flat name (top_k=3) or section (retrieval={...}); validated, and not
        read again from the environment."""
        routed = _route(values)
        return Settings(**{name: getattr(self, name).model_validate({**getattr(self, name).model_dump(),
                                                                     **routed[name]})
                           for name in SECTIONS})

    def environment(self, *names: str) -> dict[str, str]:
        """The PERIMETER_* variables that give another process these values (all set ones, or those named by flat
        name): how tests and tools start a worker or a server with the settings they built."""
        return {variable: _as_text(value) for flat, variable, value in self._values()
                if value is not None and (not names or flat in names)}

    def described(self) -> dict[str, str]:
        """Every variable and its value in effect, for `perimeter settings`; a secret shows only whether it is set."""
        shown: dict[str, str] = {}
        for flat, variable, value in self._values():
            text = "" if value is None else _as_text(value)
            if flat in SECRETS:
                text = "(set)" if value else "(unset)"
            elif "://" in text and "@" in text:  # a password in a URL (redis://:pw@host)
                text = re.sub(r"//[^@/]*@", "//***@", text)
            shown[variable] = text
        return shown

    def _values(self) -> Iterator[tuple[str, str, Any]]:
        """(flat name, variable, value) of every setting."""
        for flat, (section, field) in FLAT_NAMES.items():
            yield flat, SECTIONS[section].variable(field), getattr(getattr(self, section), field)

    # Values that depend on more than one section.
    @property
    def supported_similarity(self) -> float:
        """Embedding similarity to a cited source that makes a point supported (the embedding model's scale)."""
        own = self.answers.grounding_min_similarity
        return own if own is not None else similarity_thresholds(self.embedding.model)["supported"]

    @property
    def on_topic_similarity(self) -> float:
        """Below this question-to-source similarity (and the term overlap), nothing retrieved is relevant."""
        own = self.answers.not_found_min_similarity
        return own if own is not None else similarity_thresholds(self.embedding.model)["on_topic"]

    @property
    def context_tokens(self) -> int:
        """The sources budget for the model that will read them."""
        return self.retrieval.context_tokens if self.llm.url else self.embedded.context_tokens

    @property
    def model_quotes(self) -> bool:
        """Is the model that will answer asked for quotes?"""
        return self.llm.quotes if self.llm.url else self.embedded.quotes

    @property
    def model_answer_form(self) -> str:
        """How the model that will answer is asked to write: "json" (the schema) or "text" (prompts/text_answer.py)."""
        return self.llm.answer_form if self.llm.url else self.embedded.answer_form

    @property
    def llm_url(self) -> str:
        """The configured model server, or the embedded one."""
        return self.llm.url or self.embedded.url


def _sections() -> dict[str, type[Section]]:
    """Settings' fields, by name: the one list of sections."""
    sections: dict[str, type[Section]] = {}
    for name, field in Settings.model_fields.items():
        cls = field.annotation
        if not (isinstance(cls, type) and issubclass(cls, Section)):
            raise TypeError(f"Settings.{name} is not a settings section")
        sections[name] = cls
    return sections


SECTIONS = _sections()
FLAT_NAMES = _flat_names()


def _as_text(value: Any) -> str:
    """A value as its environment variable holds it (lists as JSON, which pydantic-settings reads back)."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)


@lru_cache
def get_settings() -> Settings:
    return Settings()
