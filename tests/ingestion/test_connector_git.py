"""The git connector against a repository made by the test with the git CLI: a branch synced, then a commit that
changes, adds and deletes files is synced from the diff between the two commits (the rest untouched, skipped)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ingestion.connectors.git import GitConnector
from ingestion.documents import FileStatus
from ingestion.sources import SourcesError, connector_for, load_sources, source_workdir
from services.components import build_retriever, sync_source
from tests.conftest import make_settings

pytestmark = pytest.mark.integration


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "Docs", "GIT_AUTHOR_EMAIL": "docs@example.com", "GIT_COMMITTER_NAME": "Docs",
           "GIT_COMMITTER_EMAIL": "docs@example.com", "HOME": str(repo.parent), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def _commit(repo: Path, files: dict[str, str | None], message: str) -> None:
    for name, text in files.items():
        path = repo / name
        if text is None:
            git(repo, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "docs-repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    _commit(repo, {"docs/deploy.md": "# Deploying\n\nReleases go out on Tuesdays after the change board.\n",
                   "docs/oncall.md": "# On-call\n\nThe on-call engineer answers pages within 15 minutes.\n",
                   "docs/old.md": "# Old runbook\n\nRestart the mainframe with the brass key.\n",
                   "docs/.hidden.md": "# hidden\n", "src/app.py": "print('not a document')\n",
                   "README.md": "# Outside the docs folder\n"}, "first docs")
    return repo


def test_connector_git_syncs_a_branch_by_commit_diff(repo, tmp_path, embedder):
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - {{name: runbooks, type: git, repo: {repo}, branch: main, subpath: docs, "
                       "groups: [engineering], browse_url: 'https://git.example/runbooks/blob/{branch}/{path}'}\n")
    settings = make_settings(tmp_path / "data", sources_file=sources)
    (source,) = load_sources(sources)

    first = sync_source(settings, source, embedder=embedder)
    assert not first.failed, first.failed
    assert sorted(Path(f.source).name for f in first.files) == ["deploy.md", "old.md", "oncall.md"]
    assert {f.status for f in first.files} == {FileStatus.ADDED}
    metas = build_retriever(settings, embedder).collection.get(include=["metadatas"])["metadatas"]
    deploy = next(m for m in metas if m["source"].endswith("deploy.md"))
    assert deploy["location"] == "https://git.example/runbooks/blob/main/docs/deploy.md"
    assert deploy["groups"] == ["engineering"]

    # A branch other than the configured one is not synced.
    git(repo, "checkout", "-q", "-b", "draft")
    _commit(repo, {"docs/draft.md": "# Draft\n\nNot yet agreed.\n"}, "draft")
    git(repo, "checkout", "-q", "main")
    _commit(repo, {"docs/deploy.md": "# Deploying\n\nReleases go out on Thursdays; the change board meets Wednesday.\n",
                   "docs/old.md": None,
                   "docs/escalation.md": "# Escalation\n\nCall the duty manager after 30 minutes.\n"},
            "deploy day moves; old runbook retired")

    work = source_workdir(settings.storage.data_dir, source)
    oncall_copy = work / "clone" / "docs" / "oncall.md"
    untouched = oncall_copy.stat().st_mtime_ns
    second = sync_source(settings, source, embedder=embedder)
    assert not second.failed, second.failed
    assert {Path(f.source).name: f.status for f in second.files} == {
        "deploy.md": FileStatus.UPDATED, "old.md": FileStatus.DELETED, "escalation.md": FileStatus.ADDED,
        "oncall.md": FileStatus.UNCHANGED}
    assert oncall_copy.stat().st_mtime_ns == untouched  # the checkout rewrote only what the commit diff named

    texts = " ".join(h.text for h in build_retriever(settings, embedder).search("when do releases go out",
                                                                                   ["engineering"], 5))
    assert "Thursdays" in texts and "Tuesdays" not in texts


def test_connector_git_reports_the_commit_diff_and_bad_branches(repo, tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - {{name: runbooks, type: git, repo: {repo}, subpath: docs}}\n")
    (source,) = load_sources(sources)
    connector = connector_for(source, tmp_path / "work")
    assert isinstance(connector, GitConnector)
    assert len(list(connector.items())) == 3 and connector.last_diff == []
    _commit(repo, {"docs/oncall.md": "# On-call\n\nWithin 10 minutes now.\n", "docs/old.md": None}, "tighter")
    list(connector.items())
    assert sorted(connector.last_diff) == [("D", "docs/old.md"), ("M", "docs/oncall.md")]

    sources.write_text(f"sources:\n  - {{name: runbooks, type: git, repo: {repo}, branch: nope}}\n")
    (missing,) = load_sources(sources)
    with pytest.raises(SourcesError, match="source 'runbooks': git clone failed"):
        list(connector_for(missing, tmp_path / "other").items())
