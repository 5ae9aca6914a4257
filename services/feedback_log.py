"""Where 👍/👎 feedback goes, whichever door it came through (web page, Slack buttons): one JSON-lines file that
`GET /v1/admin/feedback` exports."""
from __future__ import annotations

import json
import threading
from pathlib import Path

from services.settings import Settings

_lock = threading.Lock()


def feedback_path(settings: Settings) -> Path:
    return settings.feedback_file or settings.data_dir / "feedback.jsonl"


def append_feedback(settings: Settings, record: dict) -> None:
    path = feedback_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _lock, path.open("a", encoding="utf-8") as f:
        f.write(line)
