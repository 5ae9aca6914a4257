"""The embedded default model: llama.cpp's OpenAI-compatible server run as a child process on loopback.

A server that lists its models has loaded them, but has not shown that it can compute: a build whose CPU code does
not suit the machine dies on the first prompt (SIGILL). So start() only returns after the server has answered one
short prompt, and every way the process can end is put into words (exit_reason)."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from ingestion.cpu import usable_cores
from services.llm.cpu_variants import BASELINE, CpuVariant, candidates, mark_faulted

log = logging.getLogger(__name__)


class EmbeddedServerError(RuntimeError):
    def __init__(self, message: str, returncode: int | None = None):
        super().__init__(message)
        self.returncode = returncode  # the process's, when it ended: -4 is SIGILL

    @property
    def illegal_instruction(self) -> bool:
        return self.returncode == -signal.SIGILL


# What a signal that ends a llama.cpp server usually means, and what to do about it.
_SIGNAL_HINTS = {
    signal.SIGILL: "illegal instruction: the llama.cpp build does not suit this CPU; run `make clean install`",
    signal.SIGKILL: "killed: out of memory, or stopped by an operator",
    signal.SIGSEGV: "segmentation fault in llama.cpp",
    signal.SIGBUS: "bus error: the model file may be truncated or on a failing disk",
    signal.SIGABRT: "aborted by llama.cpp (an assertion failed)",
    signal.SIGTERM: "terminated",
}


def exit_reason(returncode: int) -> str:
    """How a server process ended, in words: 'died with SIGILL (illegal instruction: …)' or 'exited with code 1'."""
    if returncode < 0:
        sig = signal.Signals(-returncode)
        hint = _SIGNAL_HINTS.get(sig)
        return f"died with {sig.name}" + (f" ({hint})" if hint else "")
    return f"exited with code {returncode}"


def default_threads() -> int:
    """Threads for generation: the cores this process may use, leaving one to the API (retrieval, grounding) on
    boxes with more than four. Measured on the 2-core box: 2 threads beat 1 (see README, "Embedded model")."""
    cores = usable_cores()
    return cores - 1 if cores > 4 else max(cores, 1)


def server_command(model_path: Path, host: str, port: int, n_ctx: int, n_threads: int,
                   prompt_cache_mb: int = 0) -> list[str]:
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path),
        "--host", host,
        "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--n_threads", str(n_threads),
        "--n_threads_batch", str(n_threads),  # prompt processing: its default (all CPUs) ignores the setting
        "--logits_all", "false",  # defaults to true and costs about 1.5 GB
        "--model_alias", "local",
    ]
    if prompt_cache_mb > 0:
        # Keeps the KV state of earlier prompts in RAM, so the fixed instruction prefix every answer starts with is
        # not computed again after a different prompt (another language's instructions, a probe) came in between.
        command += ["--cache", "true", "--cache_type", "ram", "--cache_size", str(prompt_cache_mb << 20)]
    return command


def free_loopback_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_up(url: str) -> bool:
    try:
        return httpx.get(url.rstrip("/") + "/v1/models", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


class EmbeddedLlamaServer:
    """Starts the server, waits until it answers, and stops it (with its whole process group) on exit."""

    def __init__(self, model_path: Path, *, host: str = "127.0.0.1", port: int = 8081, n_ctx: int = 4096,
                 n_threads: int | None = None, log_path: Path | None = None, start_timeout_s: float = 300.0,
                 prompt_cache_mb: int = 0, cpu_variant: str = "auto",
                 variants: list[CpuVariant] | None = None,
                 command: list[str] | Callable[[CpuVariant], list[str]] | None = None):
        """`cpu_variant`: auto (the fastest build this CPU can run, see cpu_variants.py) or a variant's name.
        `variants` replaces that choice; `command` replaces the llama.cpp server command line, for every variant or
        per variant (any OpenAI-compatible server on host:port, e.g. a stand-in that crashes on purpose in tests)."""
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise EmbeddedServerError("the embedded model server only listens on loopback")
        self.model_path = model_path
        self.host, self.port = host, port
        self.n_ctx = n_ctx
        self.n_threads = n_threads if n_threads else default_threads()
        self.log_path = log_path
        self.start_timeout_s = start_timeout_s
        self.prompt_cache_mb = prompt_cache_mb
        self.variants = variants if variants is not None else candidates(cpu_variant)
        self._command = command
        self.variant: CpuVariant | None = None  # the build that answered
        self._proc: subprocess.Popen | None = None
        self.first_token_s: float | None = None  # the start-up probe's answer time

    def command(self, variant: CpuVariant) -> list[str]:
        if callable(self._command):
            return self._command(variant)
        if self._command is not None:
            return self._command
        return server_command(self.model_path, self.host, self.port, self.n_ctx, self.n_threads,
                              self.prompt_cache_mb)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def returncode(self) -> int | None:
        """The process's exit status once it has ended (negative: the signal that ended it), else None."""
        return self._proc.poll() if self._proc is not None else None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def exited(self) -> str | None:
        """None while the server process runs; else how it ended (exit_reason) and where its log is."""
        if self._proc is None or self._proc.poll() is None:
            return None
        return self._ended(self._proc.returncode)

    def _ended(self, returncode: int) -> str:
        where = f"; its log: {self.log_path}" if self.log_path else ""
        variant = f" ({self.variant.name} build)" if self.variant and self.variant is not BASELINE else ""
        return f"llama.cpp server{variant} {exit_reason(returncode)}{where}"

    def start(self) -> EmbeddedLlamaServer:
        """Start the server with the fastest build this CPU may run and return once it has answered a short prompt;
        a build that dies with SIGILL gives way to the next (the baseline last). EmbeddedServerError says why not."""
        if is_up(self.url):
            raise EmbeddedServerError(f"port {self.port} already has a server; set PERIMETER_EMBEDDED_PORT")
        for i, variant in enumerate(self.variants):
            try:
                return self._start(variant)
            except EmbeddedServerError as exc:
                if not exc.illegal_instruction or i == len(self.variants) - 1:
                    raise
                mark_faulted(variant)
                log.warning("%s; falling back to the %s build", exc, self.variants[i + 1].name)
        raise EmbeddedServerError("no llama.cpp build to start")

    def _start(self, variant: CpuVariant) -> EmbeddedLlamaServer:
        self.variant = variant
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        if variant.path is not None:  # its llama_cpp package shadows the environment's
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(variant.path), env.get("PYTHONPATH")]))
        with open(self.log_path or os.devnull, "ab") as log:  # the child keeps its own copy
            self._proc = subprocess.Popen(self.command(variant), stdout=log, stderr=subprocess.STDOUT, env=env,
                                          start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self.start_timeout_s
        try:
            self._wait_listening(deadline)
            self.first_token_s = self._probe(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_listening(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if (ended := self.exited()) is not None:
                raise EmbeddedServerError(ended, self._proc.returncode if self._proc else None)
            if is_up(self.url):
                return
            time.sleep(0.5)
        raise EmbeddedServerError(f"llama.cpp server did not answer within {self.start_timeout_s:g} s")

    def _probe(self, deadline: float) -> float:
        """One short prompt, the model's first computation: a build that cannot run here dies now, not on a user's
        question. Returns the seconds it took."""
        started = time.monotonic()
        body = {"messages": [{"role": "user", "content": "Reply with the word OK."}], "max_tokens": 1,
                "temperature": 0}
        try:
            reply = httpx.post(self.url + "/v1/chat/completions", json=body,
                               timeout=max(5.0, deadline - time.monotonic()))
        except httpx.HTTPError as exc:
            ended = self._wait_exit(5.0)  # the connection breaks a moment before the process is reaped
            raise EmbeddedServerError(ended or f"llama.cpp server did not answer its first prompt ({exc!r})",
                                      self._proc.returncode if self._proc else None) from exc
        if reply.status_code != 200:
            raise EmbeddedServerError(self.exited() or f"llama.cpp server answered its first prompt with HTTP "
                                                        f"{reply.status_code}: {reply.text[:200]}")
        return time.monotonic() - started

    def _wait_exit(self, timeout: float) -> str | None:
        if self._proc is None:
            return None
        try:
            return self._ended(self._proc.wait(timeout=timeout))
        except subprocess.TimeoutExpired:
            return None

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

    def __enter__(self) -> EmbeddedLlamaServer:
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
