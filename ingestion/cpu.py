"""What this machine's CPU offers a process: its flags and the cores it may use. One reading for everything that
picks a build or a number type by the CPU (the llama.cpp variant, e5's bf16) or a thread count."""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def cpu_flags() -> frozenset[str]:
    """The flags /proc/cpuinfo lists (empty where it cannot be read). A listed flag is a claim, not a proof: callers
    that depend on one still prove it by running (see services/llm/cpu_variants.py, ingestion/e5_tune.py)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, e.g. a container's cpuset), not the machine's."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
