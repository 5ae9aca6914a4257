"""The web page's settings section: what the page says to an employee (the model's name, the welcome text and
example questions of the collection it asks). Read from the environment like every section (services/settings.py)."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field

from ingestion.settings import Section


class WebSettings(Section):
    model_display_name: str | None = Field(None, description="the model's name on the page's \"answered in 12 s by "
                                                             "…\" line (default: the model server's own name)")
    welcome_file: Path | None = Field(None, description="YAML: {collection: {welcome, examples: [questions]}}, the "
                                                        "page's welcome text and example questions per collection "
                                                        "(demo mode: the sample corpus's, services/web/"
                                                        "demo_welcome.yaml)")
