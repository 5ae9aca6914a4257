"""Where 👍/👎 feedback goes, whichever door it came through (web page, Slack buttons): one JSON-lines file that
`GET /v1/admin/feedback` exports."""
from __future__ import annotations

import json
import threading
from pathlib import Path

from services.data_dir import append_private
from services.settings import Settings

_lock = threading.Lock()


def feedback_path(settings: Settings) -> Path:
    return settings.answers.feedback_file or settings.storage.data_dir / "feedback.jsonl"


class FeedbackLog:
    """The feedback file of a process (services/container.py owns it)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def append(self, record: dict) -> None:
        """One JSON line; the file is created 0600 (it holds questions and comments), whatever the umask."""
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with _lock:
            append_private(self.path, line)

    def export(self) -> str:
        """Every line, oldest first ("" before the first rating)."""
        return self.path.read_text(encoding="utf-8") if self.path.exists() else ""


def append_feedback(settings: Settings, record: dict) -> None:
    """One line to the feedback file of `settings`, outside any container (a test's, a tool's)."""
    FeedbackLog(feedback_path(settings)).append(record)
