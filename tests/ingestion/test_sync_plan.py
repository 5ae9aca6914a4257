"""The sync plan and the folder connector (no index needed)."""
from pathlib import Path

import pytest

from ingestion.manifest import FileRecord
from ingestion.sources import ACL_FILE, FolderConnector, SourcesError, load_sources
from ingestion.sync import ADD, DELETE, MOVE, REGROUP, REPLACE, SKIP, file_sha256, plan_sync


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_covers_every_kind_of_change(tmp_path):
    same = _write(tmp_path / "same.md", "# Same\n\nunchanged")
    changed = _write(tmp_path / "changed.md", "# Changed\n\nnew text")
    moved = _write(tmp_path / "new-place" / "moved.md", "# Moved\n\nidentical content")
    regrouped = _write(tmp_path / "regrouped.md", "# Regrouped\n\nsame text")
    added = _write(tmp_path / "added.md", "# Added")
    items = list(FolderConnector(tmp_path, ["all"]).items())
    uri = {Path(i.uri).name: i.uri for i in items}

    indexed = {
        uri["same.md"]: FileRecord(uri["same.md"], file_sha256(same), ["all"]),
        uri["changed.md"]: FileRecord(uri["changed.md"], "old-sha", ["all"]),
        str(tmp_path / "old-place" / "moved.md"): FileRecord("x", file_sha256(moved), ["all"]),
        uri["regrouped.md"]: FileRecord(uri["regrouped.md"], file_sha256(regrouped), ["hr"]),
        str(tmp_path / "deleted.md"): FileRecord("y", "gone-sha", ["all"]),
    }
    plan = plan_sync(items, indexed)
    kinds = {Path(op.uri).name: op.kind for op in plan.operations}
    assert kinds == {"same.md": SKIP, "changed.md": REPLACE, "moved.md": MOVE, "regrouped.md": REGROUP,
                     "added.md": ADD, "deleted.md": DELETE}
    move = next(op for op in plan.operations if op.kind == MOVE)
    assert move.moved_from == str(tmp_path / "old-place" / "moved.md")
    assert added.exists() and changed.exists()


def test_a_second_plan_after_applying_changes_nothing(tmp_path):
    doc = _write(tmp_path / "a.md", "text")
    items = list(FolderConnector(tmp_path, ["all"]).items())
    indexed = {items[0].uri: FileRecord(items[0].uri, file_sha256(doc), ["all"])}
    assert [op.kind for op in plan_sync(items, indexed).operations] == [SKIP]


def test_acl_sidecar_overrides_groups_for_its_folder_and_below(tmp_path):
    _write(tmp_path / "public.md", "hello")
    _write(tmp_path / "hr" / ACL_FILE, "groups: [hr, hr-admins]\n")
    _write(tmp_path / "hr" / "pay" / "bands.md", "bands")
    _write(tmp_path / "hr" / "policy.md", "policy")
    groups = {Path(i.uri).name: i.groups for i in FolderConnector(tmp_path, ["all"]).items()}
    assert groups == {"public.md": ("all",), "policy.md": ("hr", "hr-admins"), "bands.md": ("hr", "hr-admins")}


def test_unreadable_items_are_plan_errors_not_deletions(tmp_path):
    (tmp_path / "loop-a.md").symlink_to(tmp_path / "loop-b.md")
    (tmp_path / "loop-b.md").symlink_to(tmp_path / "loop-a.md")
    items = list(FolderConnector(tmp_path, ["all"]).items())
    indexed = {items[0].uri: FileRecord(items[0].uri, "sha", ["all"])}
    plan = plan_sync(items, indexed)
    assert set(plan.errors) == {i.uri for i in items}
    assert all("symbolic links" in reason.lower() for reason in plan.errors.values())
    assert plan.count(DELETE) == 0


def test_sources_file_validation(tmp_path):
    good = _write(tmp_path / "sources.yaml", "sources:\n  - {name: docs, path: docs, groups: [all]}\n")
    (source,) = load_sources(good)
    assert source.path == tmp_path / "docs" and source.collection == "default"
    for bad in ("sources:\n  - {name: 'bad name!', path: x}\n", "sources:\n  - {name: a, path: x, groups: []}\n",
                "sources: [{name: a, path: x}, {name: a, path: y}]\n", "sources: [oops"):
        with pytest.raises(SourcesError):
            load_sources(_write(tmp_path / "bad.yaml", bad))
    with pytest.raises(SourcesError, match="does not exist"):
        list(FolderConnector(tmp_path / "missing", ["all"]).items())
