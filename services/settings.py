"""The one typed settings object. Every value can be set from the environment with the PERIMETER_ prefix."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PERIMETER_", env_file=".env", extra="ignore", populate_by_name=True)

    # Where the index, the assembled model and other state live.
    data_dir: Path = Path("./var")
    models_dir_override: Path | None = Field(None, alias="PERIMETER_MODELS_DIR",
                                             description="where assembled GGUF files are kept (default DATA_DIR/models)")
    collection: str = "default"

    # Ingestion
    chunk_tokens: int = Field(200, ge=32, description="estimated model tokens per chunk (1 per CJK char, 4 chars else)")
    chunk_overlap_tokens: int = Field(30, ge=0)
    max_file_mb: float = Field(25.0, gt=0, description="files larger than this fail with a clear reason")
    default_groups: list[str] = ["all"]

    # Embeddings: a sentence-transformers model folder, or the name of a packaged model.
    embedding_model: str = "all-MiniLM-L6-v2"

    # Retrieval
    top_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(30, ge=1, description="results taken from each of dense and keyword before fusion")
    rrf_k: int = 60
    snippet_chars: int = 320
    context_tokens: int = Field(2000, ge=200, description="budget for the sources given to the model")

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

    # Embedded model server
    embedded_model: str = "qwen2.5-coder-1.5b"
    embedded_host: str = "127.0.0.1"
    embedded_port: int = 8081
    embedded_ctx: int = 4096
    embedded_threads: int = 1
    embedded_start_timeout_s: float = 300.0

    # HTTP
    max_question_chars: int = 2000

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.models_dir_override or self.data_dir / "models"

    @property
    def embedded_url(self) -> str:
        return f"http://{self.embedded_host}:{self.embedded_port}"

    @property
    def effective_llm_url(self) -> str:
        return self.llm_url or self.embedded_url


@lru_cache
def get_settings() -> Settings:
    return Settings()
