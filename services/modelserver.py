"""Runs the embedded model (assembled GGUF + llama.cpp server) for as long as a front door needs it, and keeps it
answering: a server that crashes is restarted with backoff, and its state is what /readyz and /healthz report."""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum

from prometheus_client import Counter, Gauge

from services.llm.embedded import EmbeddedLlamaServer, EmbeddedServerError
from services.llm.gguf import prepare_model
from services.settings import Settings

log = logging.getLogger(__name__)

MODEL_SERVER_CRASHES = Counter(
    "perimeter_model_server_crashes", "times the embedded llama.cpp server ended or failed to start, by how",
    ["reason"])
MODEL_SERVER_RESTARTS = Counter(
    "perimeter_model_server_restarts", "times the embedded llama.cpp server was started again and answered")
MODEL_SERVER_UP = Gauge("perimeter_model_server_up", "1 while the embedded llama.cpp server answers")


class ModelState(StrEnum):
    STARTING = "starting"  # the process is loading the model or answering its first prompt
    ANSWERING = "answering"  # it answered the start-up prompt and has not ended since
    CRASHED = "crashed"  # it ended or could not start; a restart is scheduled
    STOPPED = "stopped"  # shut down on purpose


def _reason_label(returncode: int | None, error: str) -> str:
    """A bounded metric label: the signal that ended the process, 'exit' (it exited), or for a process that still ran,
    'timeout' (it did not answer in time) or 'error' (its port was taken, it answered with an HTTP error)."""
    if returncode is not None:
        return signal.Signals(-returncode).name if returncode < 0 else "exit"
    return "timeout" if "did not answer" in error else "error"


class ModelSupervisor:
    """Owns the embedded server process: start (proved by one prompt), watch, restart with doubling waits
    (`backoff_s` up to `max_backoff_s`; the wait resets once a server has stayed up for `stable_s`)."""

    def __init__(self, make_server: Callable[[], EmbeddedLlamaServer], *, backoff_s: float = 1.0,
                 max_backoff_s: float = 60.0, stable_s: float = 300.0, poll_s: float = 0.5):
        self._make_server = make_server
        self.backoff_s, self.max_backoff_s, self.stable_s, self.poll_s = backoff_s, max_backoff_s, stable_s, poll_s
        self.state = ModelState.STOPPED
        self.error: str | None = None
        self.restarts = 0
        self.server: EmbeddedLlamaServer | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def status(self) -> dict:
        server = self.server
        state, error = self.state, self.error
        if state is ModelState.ANSWERING and server is not None and (ended := server.exited()) is not None:
            state, error = ModelState.CRASHED, ended  # ended since the watcher last looked
        return {"state": state.value, "error": error, "restarts": self.restarts,
                "log": str(server.log_path) if server is not None and server.log_path else None}

    @property
    def answering(self) -> bool:
        return self.status()["state"] == ModelState.ANSWERING.value

    def start(self) -> bool:
        """Start the server now (blocking until it answered or failed), then watch it in a thread. True if it
        answers; False if it failed, with the reason in `error` and restarts scheduled."""
        up = self._start_once()
        self._thread = threading.Thread(target=self._watch, name="model-supervisor", daemon=True)
        self._thread.start()
        return up

    def _start_once(self) -> bool:
        with self._lock:
            if self._stop.is_set():
                return False
            self.state = ModelState.STARTING
            self.server = self._make_server()
            try:
                self.server.start()
            except EmbeddedServerError as exc:
                self._crashed(str(exc), exc.returncode)
                return False
            self.state, self.error = ModelState.ANSWERING, None
            MODEL_SERVER_UP.set(1)
            return True

    def _crashed(self, error: str, returncode: int | None) -> None:
        self.state, self.error = ModelState.CRASHED, error
        MODEL_SERVER_UP.set(0)
        MODEL_SERVER_CRASHES.labels(_reason_label(returncode, error)).inc()
        log.error("embedded model unavailable: %s", error)

    def _watch(self) -> None:
        wait = self.backoff_s
        up_since = time.monotonic() if self.state is ModelState.ANSWERING else None
        while not self._stop.is_set():
            if self.state is ModelState.ANSWERING:
                ended = self.server.exited() if self.server is not None else "no server"
                if ended is None:
                    if up_since is not None and time.monotonic() - up_since >= self.stable_s:
                        wait = self.backoff_s  # stayed up: the next crash starts the waits afresh
                    self._stop.wait(self.poll_s)
                    continue
                self._crashed(ended, self.server.returncode if self.server is not None else None)
            log.warning("restarting the embedded model server in %.1f s", wait)
            if self._stop.wait(wait):
                break
            wait = min(wait * 2, self.max_backoff_s)
            if self._start_once():
                self.restarts += 1
                MODEL_SERVER_RESTARTS.inc()
                up_since = time.monotonic()
                log.warning("embedded model server restarted and answering (restart %d)", self.restarts)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        with self._lock:
            if self.server is not None:
                self.server.stop()
            self.state = ModelState.STOPPED
            MODEL_SERVER_UP.set(0)


def make_embedded_server(settings: Settings) -> Callable[[], EmbeddedLlamaServer]:
    """A factory of llama.cpp servers for the configured embedded model (assembled and sha256-checked once)."""
    path = prepare_model(settings.embedded.model, settings.storage.models_dir)
    log_path = settings.storage.data_dir / "logs" / "llama-server.log"

    def make() -> EmbeddedLlamaServer:
        return EmbeddedLlamaServer(
            path, host=settings.embedded.host, port=settings.embedded.port, n_ctx=settings.embedded.ctx,
            n_threads=settings.embedded.threads, log_path=log_path,
            start_timeout_s=settings.embedded.start_timeout_s, prompt_cache_mb=settings.embedded.prompt_cache_mb,
            cpu_variant=settings.embedded.cpu_variant)

    return make


@contextmanager
def embedded_server(settings: Settings) -> Iterator[EmbeddedLlamaServer]:
    """One server for one job (`perimeter ask`, `models prepare`): started, proved, stopped; no restarts."""
    server = make_embedded_server(settings)()
    print(f"Starting llama.cpp server for {settings.embedded.model} on {settings.embedded.url} "
          f"({server.n_threads} threads)…", flush=True)
    with server:
        yield server


@contextmanager
def supervised_embedded_server(settings: Settings) -> Iterator[ModelSupervisor]:
    """`perimeter serve`'s model: started and proved before the API comes up, restarted whenever it dies. A server
    that cannot start is reported and retried; the API serves degraded answers (sources and a notice) meanwhile."""
    supervisor = ModelSupervisor(make_embedded_server(settings), backoff_s=settings.embedded.restart_backoff_s)
    print(f"Starting llama.cpp server for {settings.embedded.model} on {settings.embedded.url}…", flush=True)
    if supervisor.start() and (server := supervisor.server) is not None and server.variant is not None:
        print(f"Model answering ({server.n_threads} threads, llama.cpp {server.variant.name} build; first prompt "
              f"answered in {server.first_token_s:.1f} s)", flush=True)
    else:
        print(f"perimeter: the embedded model does not answer: {supervisor.error}\n"
              f"Serving sources only (degraded answers) and restarting it with backoff.", flush=True)
    try:
        yield supervisor
    finally:
        supervisor.stop()
