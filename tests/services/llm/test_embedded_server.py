"""The embedded llama.cpp server never outlives `perimeter serve`, however serve ends."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO
from tests.processes import alive

PARENT = """
import subprocess, sys, time
from services.llm.embedded import _die_with_parent
child = subprocess.Popen(["sleep", "120"], start_new_session=True, preexec_fn=_die_with_parent)
print(child.pid, flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_the_model_server_child_ends_when_its_parent_dies(how):
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True,
                              cwd=REPO)
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.send_signal(how)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)
