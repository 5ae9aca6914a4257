"""The one typed settings object. Every value can be set from the environment with the PERIMETER_ prefix."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingestion.embedder import is_multilingual, similarity_thresholds


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PERIMETER_", env_file=".env", extra="ignore", populate_by_name=True)

    # Where the index, the assembled model and other state live.
    data_dir: Path = Path("./var")
    models_dir_override: Path | None = Field(
        None, alias="PERIMETER_MODELS_DIR", description="where assembled GGUF files are kept (default DATA_DIR/models)")
    collection: str = "default"

    # Ingestion
    chunk_tokens: int = Field(200, ge=32, description="estimated model tokens per chunk (1 per CJK char, 4 chars else)")
    chunk_overlap_tokens: int = Field(30, ge=0)
    max_file_mb: float = Field(25.0, gt=0, description="files larger than this fail with a clear reason")
    default_groups: list[str] = ["all"]

    # Index location: embedded Chroma under data_dir, or a Chroma server (`chroma run`) when chroma_url is set.
    chroma_url: str | None = None
    # Sources that re-index jobs sync (YAML: sources: [{name, path, collection, groups, interval_minutes}]).
    sources_file: Path = Path("sources.yaml")

    # Worker and admin jobs (Celery on Redis)
    redis_url: str = "redis://127.0.0.1:6379/0"
    admin_token: str | None = Field(None, description="bearer token for /v1/admin/*; unset = admin API disabled")
    file_time_limit_s: float = Field(120.0, gt=0, description="a file whose parsing/indexing takes longer fails alone")
    task_max_retries: int = Field(3, ge=0)
    worker_batch_files: int = Field(32, ge=1, description="files per task: their new chunks are embedded together")
    worker_visibility_timeout_s: int = Field(3600, ge=5, description="unacknowledged tasks are redelivered after this")
    job_stall_timeout_s: float = Field(900.0, gt=0, description="a running job with no progress this long is failed")
    jobs_kept: int = Field(50, ge=1)

    # Slack bot (Events API webhook + /ask). Secrets only from the environment.
    slack_signing_secret: str | None = None
    slack_bot_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_users_file: Path | None = Field(None, description="YAML users: {SLACK_USER_ID: [groups]}")
    slack_default_groups: list[str] = ["all"]
    slack_channel_groups: list[str] = Field(["all"], description="groups whose documents may be answered where a "
                                            "whole channel reads the answer; direct messages use the asker's own "
                                            "groups")
    slack_dedupe_ttl_s: int = 3600

    # Authentication (README, "Sign-in"). Nobody is anonymous unless demo_mode is on. Lists come as JSON from the
    # environment, e.g. PERIMETER_AUTH_TRUSTED_PROXIES='["10.0.0.5/32"]'.
    demo_mode: bool = Field(False, description="anonymous callers become user 'demo' of group 'all' (make run)")
    auth_trusted_proxies: list[str] = Field(default_factory=list, description="IPs/CIDRs (or literal peer names) "
                                            "whose user/groups headers are trusted; any other peer's are ignored")
    auth_user_header: str = "X-Forwarded-User"
    auth_groups_header: str = Field("X-Forwarded-Groups", description="comma-separated groups")
    auth_oidc_jwks: str | None = Field(None, description="JWKS of the OIDC provider: a JSON file or an http(s) URL")
    auth_oidc_issuer: str | None = None
    auth_oidc_audience: str | None = None
    auth_oidc_user_claim: str = "preferred_username"
    auth_oidc_groups_claim: str = Field("groups", description="a list (or comma/space separated string); a dotted "
                                                              "path reaches into objects, e.g. realm_access.roles")
    auth_oidc_algorithms: list[str] = ["RS256", "ES256"]
    auth_oidc_leeway_s: float = Field(30.0, ge=0, description="clock skew allowed on exp/nbf/iat")
    auth_api_keys_file: Path | None = Field(None, description="YAML keys: [{name, sha256, groups, role}] (digests "
                                                               "only)")
    auth_admin_groups: list[str] = Field(["perimeter-admins"], description="proxy/OIDC groups that make a user admin")

    # Embeddings: a packaged model (multilingual-e5-small: English and Chinese; all-MiniLM-L6-v2: English only, 5x
    # faster to ingest, as good on English) or a sentence-transformers model folder. See README, "Retrieval quality".
    embedding_model: str = "multilingual-e5-small"

    # Retrieval
    top_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(100, ge=1, description="results taken from each of dense and keyword before fusion")
    fusion: Literal["rrf", "convex"] = Field("convex", description="rrf: reciprocal rank fusion; convex: weighted "
                                             "sum of min-max normalised scores (better on SciFact train, see README)")
    dense_weight: float = Field(0.5, ge=0, description="weight of the dense ranking in fusion (0 = keyword only)")
    keyword_weight: float = Field(0.5, ge=0, description="weight of the BM25 ranking in fusion (0 = dense only)")
    rrf_k: int = 60
    doc_weight: float = Field(0.0, ge=0, le=1, description="share of a chunk's fused score that comes from the best "
                              "chunk of its document in each list (0 = chunks alone; 0.5 gained only +0.004 "
                              "nDCG@10 on SciFact train, within noise; see README and retrieval/fuse.py)")
    # None until the validator below fills it in from the embedding model: a float after construction.
    cross_language_weight: float | None = Field(
        None, ge=0, description="weight of a dense list of the best chunks in the other language (mixed "
        "Chinese/English indexes only); unset = 0.5 for a multilingual embedding model, 0 for an English-only one")
    dense_search: Literal["exact", "chroma"] = Field("exact", description="exact: masked dot product over the "
                                                     "snapshot's vectors; chroma: HNSW with a $contains filter")
    reranker_model: str | None = Field(None, description="folder of a sentence-transformers cross-encoder; unset = "
                                                         "no reranking")
    rerank_top_n: int = Field(30, ge=1, description="fused hits the reranker rescores")
    snippet_chars: int = 320
    context_tokens: int = Field(2000, ge=200, description="budget for the sources given to the model")
    # A CPU model reads a prompt at 40-60 tokens/s (2 cores): every source token is waiting time before the first
    # answer token. 1000 cut the median prompt by 11% with the same keyword recall on bench.answer, but within_budget
    # stops at the first source that does not fit, so a long first source can push the right document out (seen:
    # "How do I report phishing?" lost phishing-reporting.html). Same as context_tokens until that is fixed.
    embedded_context_tokens: int = Field(2000, ge=200, description="context_tokens for the embedded model")

    # Generation. llm_url unset = the embedded llama.cpp server that `perimeter serve` starts.
    llm_url: str | None = None
    llm_model: str = "local"
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(120.0, gt=0)
    llm_max_tokens: int = 700
    llm_temperature: float = 0.1
    # How the answer schema is passed to the server: llamacpp (json_object + schema), openai (json_schema),
    # tgi (json grammar), or none (schema in the prompt only).
    llm_response_format: str = "llamacpp"

    # Generation and answers
    llm_backend: str = Field("chat", description="chat: OpenAI-compatible /v1/chat/completions; harmony: gpt-oss "
                                                 "rendered with openai-harmony and sent to /v1/completions")
    llm_reasoning_effort: str = Field("low", pattern="^(low|medium|high)$", description="harmony backend only")
    llm_retries: int = Field(2, ge=0, le=5, description="retries for transient model-server errors (not timeouts)")
    llm_retry_backoff_s: float = Field(0.5, ge=0, description="first wait between retries; doubles each time")
    grounding_min_overlap: float = Field(0.5, ge=0, le=1, description="share of a point's terms found in a cited "
                                                                       "source that makes it supported")
    grounding_min_similarity: float | None = Field(  # None until the validator fills it
        None, ge=-1, le=1, description="embedding similarity to a cited source that makes a point supported; unset "
        "= the embedding model's own (0.6 for MiniLM, 0.92 for e5)")
    grounding_drop_unsupported: bool = Field(False, description="drop unsupported points instead of marking them")
    grounding_fix_citations: bool = Field(True, description="re-cite a point whose cited sources hold too few of its "
                                                            "terms to the source that holds enough of them")
    not_found_min_overlap: float = Field(0.15, ge=0, le=1, description="below this question-term overlap AND the "
                                                                        "similarity below, nothing retrieved is "
                                                                        "relevant")
    not_found_min_similarity: float | None = Field(  # None until the validator fills it
        None, ge=-1, le=1, description="unset = the embedding model's own (0.35 for MiniLM, 0.84 for e5)")
    conversation_turns: int = Field(3, ge=0, le=20, description="earlier turns a follow-up question sees")
    conversation_ttl_s: float = Field(3600.0, gt=0)
    conversation_store: Literal["memory", "redis"] = Field("memory", description="memory: this process only (the "
                                                           "demo); redis: shared by all API and worker processes")

    # Embedded model server
    embedded_model: str = "qwen2.5-coder-1.5b"
    embedded_host: str = "127.0.0.1"
    embedded_port: int = 8081
    embedded_ctx: int = 4096
    embedded_threads: int = Field(0, ge=0, description="llama.cpp threads; 0 = the machine's cores, less one for "
                                                     "the API on boxes with more than four (see README)")
    embedded_prompt_cache_mb: int = Field(512, ge=0, description="llama.cpp's RAM cache of earlier prompts' state "
                                                                 "(~30 MB a prompt); 0 off")
    embedded_cpu_variant: str = Field("auto", description="llama.cpp build: auto (the fastest this CPU can run, "
                                      "proved by a first prompt; see services/llm/cpu_variants.py), avx512 or baseline")
    embedded_restart_backoff_s: float = Field(1.0, gt=0, description="first wait before restarting a crashed "
                                                                      "embedded model server; doubles up to 60 s")
    embedded_start_timeout_s: float = 300.0

    # HTTP
    max_question_chars: int = 2000

    # Web UI
    feedback_file: Path | None = Field(None, description="JSON lines of 👍/👎 feedback (default "
                                                          "DATA_DIR/feedback.jsonl)")
    feedback_window_s: float = Field(7 * 24 * 3600.0, gt=0, description="how long an answer can be rated: its id is "
                                     "kept this long, for the user it was given to (services/issued_answers.py)")

    # Operations: logs, audit, metrics, abuse limits (README, "Operations")
    log_format: Literal["json", "text"] = Field("json", description="json: one JSON object a line, with request_id")
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    audit_file: Path | None = Field(None, description="append-only JSON lines of who asked what and which sources "
                                                      "were cited (default DATA_DIR/audit.jsonl)")
    metrics_enabled: bool = Field(True, description="serve Prometheus metrics at /metrics")
    metrics_token: str | None = Field(None, description="bearer token that may read /metrics and /readyz's details "
                                      "(Prometheus: authorization: {credentials: ...}); admins may too")
    metrics_allow_from: list[str] = Field(default_factory=list, description="scraper IPs/CIDRs that may read /metrics "
                                          "and /readyz's details without the token")
    api_docs_public: bool = Field(False, description="serve /docs, /redoc and /openapi.json to anyone; otherwise to "
                                                     "signed-in callers only (open in demo mode)")
    rate_limit_per_minute: int = Field(30, ge=0, description="questions a user may ask per minute (0 = no limit)")
    rate_limit_redis_url: str | None = Field(None, description="Redis for the rate limit counters (default redis_url)")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="larger request bodies get 413")

    @model_validator(mode="after")
    def _similarity_scale_of_the_model(self) -> Settings:
        # Cosine similarities mean different things per model (e5 puts unrelated texts near 0.75, MiniLM near 0.1).
        scale = similarity_thresholds(self.embedding_model)
        if self.grounding_min_similarity is None:
            self.grounding_min_similarity = scale["supported"]
        if self.not_found_min_similarity is None:
            self.not_found_min_similarity = scale["on_topic"]
        if self.cross_language_weight is None:
            self.cross_language_weight = 0.5 if is_multilingual(self.embedding_model) else 0.0
        return self

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.models_dir_override or self.data_dir / "models"

    @property
    def effective_context_tokens(self) -> int:
        return self.context_tokens if self.llm_url else self.embedded_context_tokens

    @property
    def embedded_url(self) -> str:
        return f"http://{self.embedded_host}:{self.embedded_port}"

    @property
    def effective_llm_url(self) -> str:
        return self.llm_url or self.embedded_url


@lru_cache
def get_settings() -> Settings:
    return Settings()
