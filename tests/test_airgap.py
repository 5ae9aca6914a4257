"""The air-gap proof (deploy/airgap/check.py): the whole stack in a network namespace with only loopback, every
connect traced, zero outbound attempts. Also: the trace reading itself, and a real dependency caught phoning home."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import ingestion
from deploy.airgap.check import OFFLINE_VARIABLES, parse_trace, traced_in_namespace
from tests.conftest import REPO

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces (unshare --net) need root")

TRACE = r"""
7     connect(5, {sa_family=AF_INET, sin_port=htons(6379), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
8     connect(6, {sa_family=AF_INET6, sin6_port=htons(8000), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>
8     <... connect resumed>)            = -1 ECONNREFUSED (Connection refused)
8     connect(6, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}, 28) = 0
8     connect(6, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::ffff:10.1.2.3", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH (Network is unreachable)
9     connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)
9     sendto(3, "\x12\x34"..., 32, MSG_NOSIGNAL, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 32
9     sendmsg(4, {msg_name={sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}, msg_namelen=16, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 1
9     sendto(3, "PING"..., 14, 0, NULL, 0) = 14
9     sendto(4, {{len=20, type=RTM_GETLINK, flags=NLM_F_REQUEST}}, 20, 0, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 20
7     vfork( <unfinished ...>
7     <... vfork resumed>)              = 10
10    execve("/usr/bin/redis-server", ["redis-server", "--port", "6379"], 0x7ffd /* 40 vars */ <unfinished ...>
10    <... execve resumed>)             = 0
10    execve("/usr/local/bin/nope", ["nope"], 0x7ffd /* 40 vars */) = -1 ENOENT (No such file or directory)
7     clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0}, 88) = 11
7     clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 12
"""  # noqa: E501  (strace's lines, verbatim)


def test_the_trace_reading_finds_every_ip_destination_and_flags_the_outbound_ones():
    summary = parse_trace(TRACE)
    assert summary.attempts == 6  # AF_UNIX, netlink and connected-socket sends are not destinations
    assert summary.loopback == 3  # 127.0.0.1, ::1, ::ffff:127.0.0.1
    # Non-loopback addresses, and every name lookup, even one sent to a resolver on loopback.
    assert summary.offending == ["127.0.0.53:53", "8.8.8.8:53", "[::ffff:10.1.2.3]:443"]
    assert summary.processes == 3  # the root, the vfork and the clone without CLONE_THREAD
    assert summary.programs == ["redis-server --port 6379"]


def test_the_check_removes_every_offline_variable_so_it_proves_the_codes_own_defaults():
    assert all(OFFLINE_VARIABLES.match(name) for name in ingestion.OFFLINE_ENVIRONMENT)
    assert ingestion.OFFLINE_ENVIRONMENT["DO_NOT_TRACK"] and os.environ["HF_HUB_OFFLINE"] == "1"


@needs_root
def test_a_dependency_phoning_home_is_caught_and_importing_ingestion_first_silences_it(tmp_path, monkeypatch):
    """unstructured pings packages.unstructured.io when imported without an opt-out: the trace must see that name
    lookup leave (the control that shows the check can fail), and must see nothing once ingestion sets the defaults."""
    for name in list(os.environ):
        if OFFLINE_VARIABLES.match(name):
            monkeypatch.delenv(name)
    seen = {}
    for code in ("import unstructured", "import ingestion, unstructured"):
        trace = tmp_path / f"{len(seen)}.strace"
        rc = traced_in_namespace([sys.executable, "-c", code], trace, 120, tmp_path / "log")
        assert rc == 0, (tmp_path / "log").read_text()
        seen[code] = parse_trace(trace.read_text())
    phoned = seen["import unstructured"]
    assert phoned.attempts >= 1 and phoned.offending and all(a.endswith(":53") for a in phoned.offending)
    silent = seen["import ingestion, unstructured"]
    assert silent.attempts == 0 and silent.offending == []
    assert any("python -c" in p for p in silent.programs)  # the trace did follow the child


@pytest.mark.integration
@needs_root
def test_the_whole_stack_in_a_network_namespace_answers_with_citations_and_never_reaches_out(tmp_path):
    """API (perimeter serve + its llama.cpp server), Celery worker, Redis, Chroma server: re-index the sample corpus
    through the admin API, ask one question. The same run as `make airgap-check`."""
    out = tmp_path / "airgap.json"
    done = subprocess.run([sys.executable, "-m", "deploy.airgap.check", "--budget", "420", "--json", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=560)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["problems"] == []
    assert result["non_loopback"] == 0 and result["offending"] == []
    assert result["ip_attempts"] > 20 and result["loopback"] == result["ip_attempts"]
    assert result["interfaces"] == ["lo"]
    started = " | ".join(result["programs"])
    for part in ("redis-server", "chroma run", "celery", "services.cli", "llama_cpp.server"):
        assert part in started, started
    job = result["job"]
    assert job["state"] == "finished" and job["files_failed"] == 0 and job["files_done"] == job["files_total"] > 0
    assert job["chunks_added"] > 0
    answer = result["answer"]
    assert not answer["degraded"] and answer["grounded"] and answer["cited"], answer
