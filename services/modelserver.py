"""Runs the embedded model (assembled GGUF + llama.cpp server) for as long as a front door needs it."""
from __future__ import annotations

from contextlib import contextmanager

from services.llm.embedded import EmbeddedLlamaServer
from services.llm.gguf import prepare_model
from services.settings import Settings


@contextmanager
def embedded_server(settings: Settings):
    path = prepare_model(settings.embedded_model, settings.models_dir)
    (settings.data_dir / "logs").mkdir(parents=True, exist_ok=True)
    print(f"Starting llama.cpp server for {settings.embedded_model} on {settings.embedded_url}…", flush=True)
    server = EmbeddedLlamaServer(
        path,
        host=settings.embedded_host,
        port=settings.embedded_port,
        n_ctx=settings.embedded_ctx,
        n_threads=settings.embedded_threads,
        log_path=settings.data_dir / "logs" / "llama-server.log",
        start_timeout_s=settings.embedded_start_timeout_s,
    )
    with server:
        yield server
