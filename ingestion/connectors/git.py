"""`type: git`: one branch of a repository (docs-as-code), local path or intranet URL, through the git CLI.

The source's work folder holds a clone. A sync fetches the branch, diffs the last synced commit against the new one
(`git diff --name-status`), and checks the new commit out: only the files the diff names are rewritten, so the sync
plan finds every other file's content unchanged and skips it without reading it into the model again. Each file's
identity is its path in the clone (so a citation's "open document" serves it); its citation location is the
repository, branch and path, or the page of a web view when `browse_url` is set.
"""
from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import Field

from ingestion.connectors.base import SourceConfig, SourceItem, SourcesError, read_secret, relative_to
from ingestion.partition import SUPPORTED_SUFFIXES

STATE_FILE = "git-state.json"


class GitSourceConfig(SourceConfig):
    type: Literal["git"] = "git"
    repo: str = Field(description="a local path or a URL git can fetch (https://, ssh://, file://)")
    branch: str = Field("main", pattern=r"^[A-Za-z0-9._/-]+$")
    subpath: str = Field("", description="only files under this folder of the repository")
    browse_url: str | None = Field(None, description="citation link, with {branch} and {path}: "
                                   "https://git.example/docs/blob/{branch}/{path}")
    password_env: str | None = Field(None, description="an HTTPS token or password, passed to git via its "
                                     "askpass, never written to the clone's config")
    password_file: Path | None = None
    timeout_s: float = Field(300.0, gt=0)

    def resolve_paths(self, base: Path) -> None:
        if "://" not in self.repo and not self.repo.startswith("git@") and not Path(self.repo).is_absolute():
            self.repo = str(base / self.repo)
        self.password_file = relative_to(base, self.password_file)


class GitConnector:
    def __init__(self, source: GitSourceConfig, workdir: Path):
        self.source = source
        self.workdir = workdir
        self.clone = workdir / "clone"
        self.password = read_secret(source.name, "password", source.password_env, source.password_file)
        self.last_diff: list[tuple[str, str]] = []  # (status letter, path) between the last two synced commits

    def _git(self, *args: str, cwd: Path | None = None) -> str:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        if self.password is not None:
            # The token reaches git through its askpass hook from this process's environment, not the command line.
            askpass = self.workdir / "askpass.sh"
            askpass.write_text('#!/bin/sh\nprintf "%s" "$PERIMETER_GIT_PASSWORD"\n', encoding="utf-8")
            askpass.chmod(0o700)
            env |= {"GIT_ASKPASS": str(askpass), "PERIMETER_GIT_PASSWORD": self.password}
        try:
            done = subprocess.run(["git", *args], cwd=cwd or self.clone, env=env, capture_output=True, text=True,
                                  timeout=self.source.timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SourcesError(f"source '{self.source.name}': git {args[0]} failed: {exc}") from exc
        if done.returncode != 0:
            raise SourcesError(f"source '{self.source.name}': git {args[0]} failed: "
                               f"{(done.stderr or done.stdout).strip()[-500:]}")
        return done.stdout

    def _state(self) -> dict[str, str]:
        path = self.workdir / STATE_FILE
        state: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return state

    def fetch(self) -> tuple[str | None, str]:
        """Bring the clone to the branch's newest commit; (the last synced commit or None, the new one)."""
        if not (self.clone / ".git").exists():
            self._git("clone", "--quiet", "--no-checkout", "--single-branch", "--branch", self.source.branch,
                      "--", self.source.repo, str(self.clone), cwd=self.workdir)
        else:
            self._git("fetch", "--quiet", "origin", f"+refs/heads/{self.source.branch}:"
                      f"refs/remotes/origin/{self.source.branch}")
        new = self._git("rev-parse", f"refs/remotes/origin/{self.source.branch}^{{commit}}").strip()
        return self._state().get("commit"), new

    def diff(self, old: str | None, new: str) -> list[tuple[str, str]]:
        """What changed between two commits: (A/M/D/R…, path), renames as a deletion and an addition."""
        if not old or old == new:
            return []
        out = self._git("diff", "--name-status", "--no-renames", "-z", old, new)
        fields = out.split("\0")
        return [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]

    def items(self) -> Iterator[SourceItem]:
        old, new = self.fetch()
        self.last_diff = self.diff(old, new)
        self._git("checkout", "--quiet", "--force", "--detach", new)
        # The commit now checked out; the next sync diffs against it (the plan's content hashes stay the judge).
        (self.workdir / STATE_FILE).write_text(json.dumps({"commit": new}), encoding="utf-8")
        prefix = self.source.subpath.strip("/")
        listed = self._git("ls-files", "-z", "--", prefix or ".").split("\0")
        for relative in sorted(p for p in listed if p):
            hidden = any(part.startswith(".") for part in Path(relative).parts)
            if hidden or Path(relative).suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            yield SourceItem(uri=os.path.abspath(self.clone / relative), path=self.clone / relative,
                             groups=tuple(self.source.groups), location=self.location(relative))

    def location(self, relative: str) -> str:
        if self.source.browse_url:
            return self.source.browse_url.format(branch=self.source.branch, path=relative)
        return f"{self.source.repo} ({self.source.branch}): {relative}"


CONFIG = GitSourceConfig


def connect(source: GitSourceConfig, workdir: Path) -> GitConnector:
    return GitConnector(source, workdir)
