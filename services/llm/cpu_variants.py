"""Which llama.cpp build the embedded server runs: the fastest one this CPU says it can run, proved by a first prompt.

deploy/llamacpp/build-wheel.sh installs the portable baseline (AVX2/FMA/F16C) into the environment and, beside it, an
AVX-512 build under PREFIX/llama-cpp-variants/avx512 with the CPU flags it needs in REQUIRES. A CPU may advertise
flags its VM does not let it execute (AMX here, never compiled in; possibly AVX-512 elsewhere), so a variant is only
a candidate: the server starts with it, answers a first prompt, and on SIGILL the next variant is tried and the
faulting one is not tried again by this process."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ingestion.cpu import cpu_flags

VARIANTS_DIR = Path(sys.prefix) / "llama-cpp-variants"
_FAULTED: set[str] = set()  # variants that died with SIGILL here: never tried again by this process


@dataclass(frozen=True)
class CpuVariant:
    name: str
    path: Path | None  # a folder to put first on PYTHONPATH; None = the environment's own llama_cpp

    def flags(self) -> str:
        package = self.path / "llama_cpp" if self.path else _installed_package()
        try:
            return (package / "PERIMETER_BUILD_FLAGS").read_text().strip() if package else "unknown"
        except OSError:
            return "unknown: not built by deploy/llamacpp/build-wheel.sh (may be tuned for another CPU)"


BASELINE = CpuVariant("baseline", None)


def _installed_package() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    return Path(spec.submodule_search_locations[0]) if spec and spec.submodule_search_locations else None


def candidates(choice: str = "auto") -> list[CpuVariant]:
    """The variants to try, fastest first, always ending with the baseline. `choice`: auto, or one variant's name
    (then only it, and the baseline if it faults)."""
    found = []
    for folder in sorted(VARIANTS_DIR.glob("*/")) if VARIANTS_DIR.is_dir() else []:
        requires = folder / "REQUIRES"
        if not requires.exists() or folder.name in _FAULTED:
            continue
        if choice not in ("auto", folder.name):
            continue
        if set(requires.read_text().split()) <= cpu_flags():
            found.append(CpuVariant(folder.name, folder))
    return found + [BASELINE]


def mark_faulted(variant: CpuVariant) -> None:
    if variant.path is not None:
        _FAULTED.add(variant.name)
