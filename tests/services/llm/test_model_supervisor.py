"""The embedded model server is proved at start and restarted when it dies: with a stand-in server process that kills
itself with SIGILL on its first prompt (tests/crashing_model_server.py), as a llama.cpp build with the wrong CPU
instructions does. Real processes, real signals; Perimeter's own code (EmbeddedLlamaServer, ModelSupervisor, the
health routes, /metrics) runs unchanged."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.llm.cpu_variants import BASELINE, CpuVariant
from services.llm.embedded import EmbeddedLlamaServer, EmbeddedServerError, exit_reason
from services.modelserver import ModelSupervisor
from tests.conftest import REPO, free_port, make_settings
from tests.fakes import ScriptedModel
from tests.processes import alive

STANDIN = REPO / "tests" / "crashing_model_server.py"


def standin_server(tmp_path: Path, control: Path, port: int, *extra: str) -> EmbeddedLlamaServer:
    return EmbeddedLlamaServer(Path("unused.gguf"), port=port, log_path=tmp_path / "llama-server.log",
                               start_timeout_s=20, variants=[BASELINE],
                               command=[sys.executable, str(STANDIN), str(port), str(control), *extra])


def wait_for(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def metric(client: TestClient, line_start: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_exit_reasons_name_the_signal_and_what_to_do():
    assert exit_reason(-signal.SIGILL) == ("died with SIGILL (illegal instruction: the llama.cpp build does not suit "
                                          "this CPU; run `make clean install`)")
    assert exit_reason(-signal.SIGKILL).startswith("died with SIGKILL (killed: out of memory")
    assert exit_reason(3) == "exited with code 3"


def test_a_server_that_dies_on_its_first_prompt_is_reported_by_name(tmp_path):
    control = tmp_path / "control"
    control.write_text("crash")
    server = standin_server(tmp_path, control, free_port())
    with pytest.raises(EmbeddedServerError) as caught:
        server.start()  # it listened and listed its models: only the first prompt shows it cannot compute
    message = str(caught.value)
    assert "SIGILL" in message and "illegal instruction" in message and "make clean install" in message
    assert str(tmp_path / "llama-server.log") in message
    assert server.exited() is None  # stopped and forgotten: nothing left running

    control.write_text("ok")  # positive control: the same stand-in that answers is started and proved
    with standin_server(tmp_path, control, free_port()) as answering:
        assert answering.first_token_s is not None and answering.exited() is None


def test_a_faster_build_that_dies_with_sigill_gives_way_to_the_baseline(tmp_path):
    """The CPU advertised what the fast build uses, but the VM traps on it: the baseline answers instead."""
    fast_control, baseline_control = tmp_path / "fast", tmp_path / "baseline"
    fast_control.write_text("crash")
    baseline_control.write_text("ok")
    port = free_port()
    fast = CpuVariant("fast-for-test", tmp_path)

    def command(variant: CpuVariant) -> list[str]:
        control = fast_control if variant is fast else baseline_control
        return [sys.executable, str(STANDIN), str(port), str(control)]

    with EmbeddedLlamaServer(Path("unused.gguf"), port=port, log_path=tmp_path / "log", start_timeout_s=20,
                             variants=[fast, BASELINE], command=command) as server:
        assert server.variant is BASELINE and server.exited() is None
    # When the last build (the baseline) dies too, that is the error: nothing is left to fall back to.
    fast_control.write_text("ok")
    baseline_control.write_text("crash")
    with pytest.raises(EmbeddedServerError, match="SIGILL"):
        EmbeddedLlamaServer(Path("unused.gguf"), port=port, log_path=tmp_path / "log", start_timeout_s=20,
                            variants=[BASELINE], command=command).start()


def test_supervisor_restarts_a_crashed_server_and_the_health_routes_tell_the_states(tmp_path):
    control = tmp_path / "control"
    control.write_text("crash")
    port = free_port()
    supervisor = ModelSupervisor(lambda: standin_server(tmp_path, control, port, "--listen-after", "1"),
                                 backoff_s=0.5, max_backoff_s=1.0, poll_s=0.05)
    settings = make_settings(tmp_path / "data", demo_mode=True)
    client = TestClient(create_app(settings, AskPipeline(settings, retriever=None, model=ScriptedModel()),
                                   model_supervisor=supervisor))
    crashes_before = metric(client, 'perimeter_model_server_crashes_total{reason="SIGILL"}')
    restarts_before = metric(client, "perimeter_model_server_restarts_total")

    starting = threading.Thread(target=supervisor.start)
    starting.start()  # the stand-in waits a second before it listens, like a model loading
    wait_for(lambda: client.get("/healthz").json().get("model") == "starting")
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["model"]["state"] == "starting"
    starting.join(timeout=30)

    try:
        # It listened, then died on the start-up prompt: crashed, with the signal named, until a restart answers.
        assert supervisor.status()["state"] == "crashed"
        body = client.get("/readyz").json()
        assert body["ready"] is False and body["checks"]["model"]["ok"] is False
        assert body["checks"]["model"]["state"] == "crashed" and "SIGILL" in body["checks"]["model"]["error"]
        assert client.get("/healthz").status_code == 200 and client.get("/healthz").json()["model"] == "crashed"
        wait_for(lambda: metric(client, 'perimeter_model_server_crashes_total{reason="SIGILL"}') >= crashes_before + 2)

        control.write_text("ok")  # the next restart answers
        wait_for(lambda: client.get("/healthz").json()["model"] == "answering")
        assert client.get("/readyz").json()["checks"]["model"] == {
            "ok": True, "name": "scripted", "state": "answering", "error": None, "restarts": 1,
            "log": str(tmp_path / "llama-server.log")}
        assert metric(client, "perimeter_model_server_restarts_total") == restarts_before + 1
        assert metric(client, "perimeter_model_server_up") == 1

        # Killed while answering (kill -9, the OOM killer): seen, counted, restarted.
        os.killpg(supervisor.server.pid, signal.SIGKILL)
        wait_for(lambda: supervisor.restarts == 2 and client.get("/healthz").json()["model"] == "answering")
        assert metric(client, 'perimeter_model_server_crashes_total{reason="SIGKILL"}') >= 1
        last_pid = supervisor.server.pid
    finally:
        supervisor.stop()
    assert supervisor.status()["state"] == "stopped" and not alive(last_pid)  # stopping leaves nothing running
