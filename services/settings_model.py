"""The model sections of the settings (README, "Embedded model" and the settings table): the model server Perimeter
asks (`settings.llm`) and the embedded llama.cpp server it runs when there is none (`settings.embedded`). In their own
module so that services/settings.py stays short; Settings registers them."""
from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ingestion.settings import Section

LlmBackend = Literal["chat", "harmony"]
# How the answer schema is passed to the server: llamacpp (json_object + schema), openai (json_schema: vLLM),
# tgi (json grammar), or none (schema in the prompt only).
ResponseFormat = Literal["llamacpp", "openai", "tgi", "none"]
# How the model writes the answer: the JSON schema, or labelled plain text (prompts/text_answer.py).
AnswerForm = Literal["json", "text"]
ReasoningEffort = Literal["low", "medium", "high"]
CpuVariantChoice = Literal["auto", "avx512", "baseline"]


class LlmSettings(Section):
    """The model server. `url` unset = the embedded llama.cpp server that `perimeter serve` starts."""

    model_config = SettingsConfigDict(env_prefix="PERIMETER_LLM_")

    url: str | None = None
    model: str = "local"
    api_key: str | None = None
    timeout_s: float = Field(120.0, gt=0)
    max_tokens: int = 700
    temperature: float = 0.1
    response_format: ResponseFormat = "llamacpp"
    backend: LlmBackend = Field("chat", description="chat: OpenAI-compatible /v1/chat/completions; harmony: gpt-oss "
                                                    "rendered with openai-harmony and sent to /v1/completions")
    reasoning_effort: ReasoningEffort = Field("low", description="harmony backend only")
    retries: int = Field(2, ge=0, le=5, description="retries for transient model-server errors (not timeouts)")
    retry_backoff_s: float = Field(0.5, ge=0, description="first wait between retries; doubles each time")
    quotes: bool = Field(True, description="ask the model to quote, for each point, the sentence of the source it "
                                           "rests on; off: each point is shown with the sentence of its cited "
                                           "source that best matches it")
    answer_form: AnswerForm = Field("json", description="json: the answer schema, enforced where the server can "
                                    "(response_format); text: labelled plain text (prompts/text_answer.py), with no "
                                    "grammar and no quotes")


class EmbeddedModelSettings(Section):
    """The llama.cpp server `perimeter serve` runs when no model server is configured."""

    model_config = SettingsConfigDict(env_prefix="PERIMETER_EMBEDDED_")

    model: str = "qwen2.5-coder-1.5b"
    host: str = "127.0.0.1"
    port: int = 8081
    ctx: int = 4096
    threads: int = Field(0, ge=0, description="llama.cpp threads; 0 = the machine's cores, less one for the API on "
                                              "boxes with more than four (see README)")
    prompt_cache_mb: int = Field(512, ge=0, description="llama.cpp's RAM cache of earlier prompts' state (~30 MB a "
                                                        "prompt); 0 off")
    cpu_variant: CpuVariantChoice = Field("auto", description="llama.cpp build: auto (the fastest this CPU can run, "
                                          "proved by a first prompt; see services/llm/cpu_variants.py)")
    restart_backoff_s: float = Field(1.0, gt=0, description="first wait before restarting a crashed embedded model "
                                                            "server; doubles up to 60 s")
    start_timeout_s: float = 300.0
    # A CPU model reads a prompt at 50-120 tokens/s (2 cores): every source token is waiting time before the first
    # answer token. bench.answer, same box one after the other (2026-11-30): 1000 against 2000 gave keywords 0.760 vs
    # 0.693, citation precision 0.906 vs 0.829, median first token 8.6 vs 11.2 s, answer 23.4 vs 29.1 s (fewer, better
    # sources confuse a 1.5B model less). Safe since context assembly passes over a source too long for what is left.
    context_tokens: int = Field(1000, ge=200, description="the sources budget (retrieval's context_tokens) when the "
                                                          "embedded model answers")
    # Asked to quote, the 1.5B model wrote fewer facts and took longer: bench.answer, same box one run after the
    # other (2026-11-30), keywords 0.687 with quotes against 0.760 without, answer 42.8 s against 33.5 s (README,
    # "Quotes"). Its points are shown with the sentence each best matches instead (services/grounding.matched_quote).
    quotes: bool = Field(False, description="PERIMETER_LLM_QUOTES for the embedded model")
    answer_form: AnswerForm = Field("json", description="PERIMETER_LLM_ANSWER_FORM for the embedded model")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
