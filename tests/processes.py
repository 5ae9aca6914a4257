"""Real processes for tests: a Celery worker, a Redis server, a Chroma server, an OpenID provider; each stopped with
its process group."""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import redis

from tests.conftest import REPO, free_port

_RUNNING: list[subprocess.Popen] = []


def _started(proc: subprocess.Popen) -> subprocess.Popen:
    _RUNNING.append(proc)
    return proc


@atexit.register
def _stop_leftovers() -> None:
    """Whatever a failed fixture left running dies with the test session, never outlives it."""
    for proc in _RUNNING:
        kill_group(proc, signal.SIGKILL, timeout=5)


def _wait(check, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with {proc.returncode}\n{tail}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout} s")


def alive(pid: int) -> bool:
    """The process runs (a zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def kill_group(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 15) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


class Worker:
    """`celery worker` in its own process group, with the given PERIMETER_* environment."""

    def __init__(self, env: dict[str, str], log: Path, name: str, concurrency: int | None = 1):
        """`concurrency`: pool processes; None leaves Celery's default (one per CPU), as compose's worker does."""
        self.env, self.log, self.name, self.concurrency = env, log, name, concurrency
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        cmd = [sys.executable, "-m", "celery", "-A", "services.worker.celery_app:app", "worker", "--pool=prefork",
               *([f"--concurrency={self.concurrency}"] if self.concurrency else []), "--loglevel=INFO", "-E",
               "--without-gossip", "--without-mingle",
               "-n", f"{self.name}-{time.time_ns()}@%h"]
        out = self.log.open("ab")
        self.proc = _started(subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **self.env}, stdout=out,
                                              stderr=subprocess.STDOUT, start_new_session=True))
        try:
            _wait(lambda: b"ready." in self.log.read_bytes(), 120, "celery worker", self.proc, self.log)
        except Exception:
            self.stop()
            raise
        return self

    def kill(self) -> None:
        """kill -9 the whole worker (main process and pool children)."""
        if self.proc:
            kill_group(self.proc, signal.SIGKILL)

    def stop(self) -> None:
        if self.proc:
            kill_group(self.proc)


class RedisServer:
    """A private redis-server with an append-only file, so a restart keeps the queue (as production runs it)."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        cmd = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
               "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        self.proc = _started(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                              start_new_session=True))
        _wait(lambda: redis.Redis(port=self.port).ping(), 20, "redis-server", self.proc)
        return self

    def stop(self) -> None:
        if self.proc:
            try:
                redis.Redis(port=self.port).shutdown()
            except Exception:
                pass
            kill_group(self.proc)


class ChromaServer:
    def __init__(self, folder: Path, port: int | None = None):
        self.folder, self.port = folder, port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChromaServer:
        chroma = Path(sys.executable).parent / "chroma"
        log = self.folder.parent / f"chroma-{self.port}.log"
        cmd = [str(chroma), "run", "--path", str(self.folder), "--host", "127.0.0.1", "--port", str(self.port)]
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        self.proc = _started(subprocess.Popen(cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT, env=env,
                                              start_new_session=True))
        _wait(lambda: httpx.get(self.url + "/api/v2/heartbeat", timeout=1).status_code == 200, 60, "chroma server",
              self.proc, log)
        return self

    def stop(self) -> None:
        if self.proc:
            kill_group(self.proc)


class OidcProvider:
    """The certified oidc-provider (npm) on Debian's node, from tests/oidc_provider/provider.mjs: one client
    ("perimeter", `secret`), users alice (group perimeter-admins) and bob. make install installs its node_modules."""

    FOLDER = REPO / "tests" / "oidc_provider"

    def __init__(self, log: Path, secret: str, access_ttl_s: int = 600):
        self.log, self.secret, self.access_ttl_s = log, secret, access_ttl_s
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @classmethod
    def installed(cls) -> bool:
        return bool(shutil.which("node")) and (cls.FOLDER / "node_modules" / "oidc-provider").is_dir()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, app_url: str) -> OidcProvider:
        """Serving the app at `app_url` (its callback and the page it returns to after the provider's logout)."""
        cmd = [shutil.which("node") or "node", "provider.mjs", str(self.port), f"{app_url}/auth/callback",
               f"{app_url}/", self.secret, str(self.access_ttl_s)]
        self.proc = _started(subprocess.Popen(cmd, cwd=self.FOLDER, stdout=self.log.open("ab"),
                                              stderr=subprocess.STDOUT, start_new_session=True))
        _wait(lambda: httpx.get(self.issuer + "/.well-known/openid-configuration", timeout=1).status_code == 200,
              30, "oidc-provider", self.proc, self.log)
        return self

    def stop(self) -> None:
        if self.proc:
            kill_group(self.proc)


def wait_for(check, timeout: float, what: str):
    _wait(check, timeout, what)
