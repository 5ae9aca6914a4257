"""Retention of question texts (PERIMETER_AUDIT_RETENTION_DAYS): records older than that keep their counts (outcome,
door, times, documents) but lose the question, the asker's name and any comment, in the audit file, the feedback
file and the aggregates store. Run by `perimeter audit purge` and daily by the worker's beat.

A file is rewritten beside itself and renamed over it. Writers open the file for each record (services/data_dir.
append_private), so a record appended while the purge ran went to the old file: whatever the old file holds past
what was read is appended to the new one after the rename, and nothing is lost."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from services.data_dir import append_private

DAY_S = 86400.0
BLANKED = {"question": None, "user": None, "comment": None}


def _blank(line: bytes, cutoff: float, stamp: str) -> tuple[bytes, bool]:
    try:
        record = json.loads(line)
    except ValueError:
        return line, False
    ts = record.get(stamp)
    has_text = record.get("question") is not None or bool(record.get("comment"))
    if not isinstance(ts, int | float) or ts >= cutoff or not has_text:
        return line, False  # recent, or no text (a refusal's record keeps who was refused: that is security audit)
    record.update({k: None for k in BLANKED if k in record})
    record["purged"] = True
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"), True


def purge_file(path: Path, cutoff: float, stamp: str) -> int:
    """Blank the records of `path` stamped (field `stamp`, seconds) before `cutoff`; returns how many."""
    path = Path(path)
    if not path.exists():
        return 0
    with open(path, "rb") as old:
        data = old.read()
        end = data.rfind(b"\n") + 1
        out, count = [], 0
        for line in data[:end].splitlines(keepends=True):
            text, blanked = _blank(line, cutoff, stamp)
            out.append(text)
            count += blanked
        if not count:
            return 0
        tmp = path.with_name(path.name + ".purging")
        tmp.unlink(missing_ok=True)
        append_private(tmp, b"".join(out))
        os.replace(tmp, path)
        time.sleep(0.05)  # a writer that opened the old file just before the rename finishes its one write
        late = old.read()  # appended to the old file after it was read: carried over, with any partial line
        rest = data[end:] + late
    if rest:
        append_private(path, rest)
    return count


def purge(settings, store=None, now: float | None = None) -> dict[str, int]:
    """Blank what is older than the retention (nothing when it is 0); `store`: the aggregates store to blank too."""
    from services.feedback_log import feedback_path
    from services.observability.audit import audit_path

    days = settings.quality.audit_retention_days
    if not days:
        return {"audit": 0, "feedback": 0, "store": 0}
    cutoff = (now if now is not None else time.time()) - days * DAY_S
    done = {"audit": purge_file(audit_path(settings), cutoff, "ts"),
            "feedback": purge_file(feedback_path(settings), cutoff, "at")}
    done["store"] = store.blank_before(cutoff) if store is not None else 0
    return done
