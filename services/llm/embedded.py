"""The embedded default model: llama.cpp's OpenAI-compatible server run as a child process on loopback."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx


class EmbeddedServerError(RuntimeError):
    pass


def server_command(model_path: Path, host: str, port: int, n_ctx: int, n_threads: int) -> list[str]:
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path),
        "--host", host,
        "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--n_threads", str(n_threads),
        "--logits_all", "false",  # defaults to true and costs about 1.5 GB
        "--model_alias", "local",
    ]


def is_up(url: str) -> bool:
    try:
        return httpx.get(url.rstrip("/") + "/v1/models", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


class EmbeddedLlamaServer:
    """Starts the server, waits until it answers, and stops it (with its whole process group) on exit."""

    def __init__(self, model_path: Path, *, host: str = "127.0.0.1", port: int = 8081, n_ctx: int = 4096,
                 n_threads: int = 1, log_path: Path | None = None, start_timeout_s: float = 300.0):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise EmbeddedServerError("the embedded model server only listens on loopback")
        self.model_path = model_path
        self.host, self.port = host, port
        self.n_ctx, self.n_threads = n_ctx, n_threads
        self.log_path = log_path
        self.start_timeout_s = start_timeout_s
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "EmbeddedLlamaServer":
        if is_up(self.url):
            raise EmbeddedServerError(f"port {self.port} already has a server; set PERIMETER_EMBEDDED_PORT")
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        self._proc = subprocess.Popen(
            server_command(self.model_path, self.host, self.port, self.n_ctx, self.n_threads),
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True, preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                where = f"; see {self.log_path}" if self.log_path else ""
                raise EmbeddedServerError(f"llama.cpp server exited with code {self._proc.returncode}{where}")
            if is_up(self.url):
                return self
            time.sleep(0.5)
        self.stop()
        raise EmbeddedServerError(f"llama.cpp server did not answer within {self.start_timeout_s:g} s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def __enter__(self) -> "EmbeddedLlamaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the llama.cpp child before exec: the kernel sends it SIGTERM when `perimeter serve` dies, however it dies
    (uvicorn re-raises SIGTERM after its shutdown, which ends the process before any `finally` runs; or kill -9).
    prctl is looked up in the parent (below): a dlopen in a child forked from a threaded parent could deadlock."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _find_prctl():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    return ctypes.CDLL(None, use_errno=True).prctl


_PRCTL = _find_prctl()
