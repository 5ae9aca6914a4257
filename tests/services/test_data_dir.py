"""DATA_DIR is owner-only (issue 17, item 4): with the usual umask 0022, the index (Chroma's SQLite holds document
text), the keyword index, feedback and the audit log are still 0600 in 0700 folders; files an operator left wider
are named in a warning at start."""
from __future__ import annotations

import logging
import os
import stat

import pytest

from services.components import build_retriever, run_ingest
from services.feedback_log import append_feedback
from services.observability.audit import AuditLog, audit_path
from tests.conftest import make_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def usual_umask():
    """The umask most machines start processes with, whatever an earlier test (or import) set; put back after."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def modes_under(root) -> dict[str, int]:
    modes = {".": stat.S_IMODE(root.stat().st_mode)}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            modes[os.path.relpath(path, root)] = stat.S_IMODE(os.lstat(path).st_mode)
    return modes


def test_everything_written_under_the_data_dir_is_owner_only(tmp_path, embedder, usual_umask):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "leave.md").write_text("# Leave\n\nEmployees get 25 days of annual leave.\n", encoding="utf-8")
    settings = make_settings(tmp_path / "var" / "data")  # neither folder exists yet
    report = run_ingest(settings, [docs], embedder=embedder)
    assert report.to_dict()["files_ok"] == 1
    build_retriever(settings, embedder).collection.count()  # the API opens the index too
    append_feedback(settings, {"rating": "up", "comment": "clear"})
    AuditLog(audit_path(settings)).append({"question": "annual leave?"})

    modes = modes_under(settings.storage.data_dir)
    assert {"chroma/chroma.sqlite3", "feedback.jsonl", "audit.jsonl"} <= set(modes), sorted(modes)
    assert any(name.startswith("keyword/") for name in modes), sorted(modes)
    wide = {name: f"{mode:04o}" for name, mode in modes.items() if mode & 0o077}
    assert not wide, f"readable by other users: {wide}"
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700  # the missing parent too


def test_start_warns_about_files_others_can_read(tmp_path, embedder, usual_umask, caplog):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    (data / "feedback.jsonl").write_text("{}\n", encoding="utf-8")
    os.chmod(data / "feedback.jsonl", 0o644)
    with caplog.at_level(logging.WARNING):
        build_retriever(make_settings(data), embedder)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(data / "feedback.jsonl") in w and "0644" in w and "chmod -R go=" in w for w in warnings), warnings
    # Warned about, not changed: the operator may have widened them on purpose.
    assert stat.S_IMODE((data / "feedback.jsonl").stat().st_mode) == 0o644
