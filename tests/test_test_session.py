"""The test session itself: a run stopped with SIGTERM leaves no server it started running."""
import os
import signal
import subprocess
import sys
import time

from tests.conftest import REPO
from tests.processes import alive

INNER = '''
import time
from tests.processes import RedisServer

def test_holds_a_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    try:
        print("PID", server.proc.pid, flush=True)
        time.sleep(120)
    finally:
        server.stop()
'''


def test_a_run_stopped_with_sigterm_stops_the_servers_it_started(tmp_path):
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(INNER)
    # tests/conftest.py as a plugin: the inner file lies outside tests/, where it would not apply by itself.
    run = subprocess.Popen([sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider",
                            "-p", "tests.conftest", str(test_file)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    pid = None
    try:
        for line in run.stdout:
            if line.startswith("PID "):
                pid = int(line.split()[1])
                break
        assert pid is not None and alive(pid)
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=30)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(pid), "redis-server outlived the SIGTERM'd test run"
    finally:
        if run.poll() is None:
            run.kill()
        if pid is not None and alive(pid):
            os.kill(pid, signal.SIGKILL)  # an orphan of a failed run must not outlive this test either
