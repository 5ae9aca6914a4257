"""The quality loop's settings section (README, "Quality loop"): where aggregates are kept, who may read question
texts, how long the audit keeps them, the golden set and the gate before a re-index is published."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field

from ingestion.settings import Section

REPO_SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "questions.jsonl"


class QualitySettings(Section):
    """Analytics, privacy of question texts, golden set, gate."""

    analytics_db_url: str | None = Field(
        None, description="SQLAlchemy URL of the aggregates store, e.g. postgresql+psycopg://user@host/db (secret "
        "parts from the environment); unset = SQLite at DATA_DIR/analytics.sqlite")
    analysts_groups: list[str] = Field(["perimeter-analysts"], description="groups (proxy/OIDC, API keys) that may "
                                       "read question texts in analytics; admins without one see aggregates only")
    analytics_show_users: bool = Field(False, description="show who asked beside question texts (analysts only); "
                                       "off: names never leave the audit file")
    audit_retention_days: int = Field(90, ge=0, description="question texts older than this are blanked in the "
                                      "audit and feedback files and the aggregates store by `perimeter audit purge` "
                                      "(and the worker's daily beat task); 0 = kept forever")
    golden_file: Path | None = Field(None, description="the golden set, JSON lines (default DATA_DIR/golden.jsonl; "
                                     "started from PERIMETER_GOLDEN_SEED while it does not exist)")
    golden_seed: Path = Field(REPO_SAMPLES, description="the starting golden set (samples/questions.jsonl format)")
    eval_top_k: int = Field(5, ge=1, le=50, description="retrieval hit@k of `perimeter eval`")
    gate_max_drop: float = Field(0.05, ge=0, le=1, description="a candidate re-index is refused when a golden-set "
                                 "score (hit@k, cited-right, facts, grounding) falls by more than this")
    question_group_similarity: float = Field(0.9, ge=0, le=1, description="embedding similarity above which two "
                                             "questions count as one in the top unanswered lists")

    def golden_path(self, data_dir: Path) -> Path:
        return self.golden_file or data_dir / "golden.jsonl"

    def db_url(self, data_dir: Path) -> str:
        return self.analytics_db_url or f"sqlite:///{data_dir / 'analytics.sqlite'}"
