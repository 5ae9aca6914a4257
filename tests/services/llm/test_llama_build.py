"""The installed llama.cpp runs on any x86-64 CPU this project meets: compiled for the fixed AVX2/FMA/F16C baseline by
deploy/llamacpp/build-wheel.sh, with no AVX-512 or AMX code that a CPU may advertise and still fault on (SIGILL on
`tilezero` in a VM that hides AMX), and from a wheelhouse whose name changes with the flags."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import llama_cpp
import pytest

from ingestion.cpu import cpu_flags
from services.llm.cpu_variants import BASELINE, VARIANTS_DIR, candidates
from tests.conftest import REPO

SCRIPT = REPO / "deploy" / "llamacpp" / "build-wheel.sh"
LIBS = sorted((Path(llama_cpp.__file__).parent / "lib").glob("libggml*.so"))


def disassembly(lib: Path) -> str:
    return subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(lib)], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) is not installed")
def test_no_avx512_or_amx_instruction_in_the_installed_ggml():
    assert any(lib.name == "libggml-cpu.so" for lib in LIBS), LIBS
    for lib in LIBS:
        code = disassembly(lib)
        assert not re.search(r"%zmm\d", code), f"{lib.name} uses AVX-512 registers"
        assert not re.search(r"\b(tilezero|tileloadd|tilestored|tilerelease|ldtilecfg|tdpb\w+)\b", code), \
            f"{lib.name} uses AMX instructions"
    # Positive control: the disassembly is read, and the CPU code does use the AVX2/FMA baseline it was built for.
    cpu = disassembly(next(lib for lib in LIBS if lib.name == "libggml-cpu.so"))
    assert re.search(r"%ymm\d", cpu) and "vfmadd" in cpu


@pytest.mark.skipif(shutil.which("objdump") is None or not (VARIANTS_DIR / "avx512").is_dir(),
                    reason="objdump missing, or no AVX-512 build installed")
def test_the_avx512_build_uses_avx512_and_never_amx_and_is_chosen_only_where_the_cpu_lists_its_flags():
    libs = sorted((VARIANTS_DIR / "avx512" / "llama_cpp" / "lib").glob("libggml-cpu.so"))
    assert libs
    code = disassembly(libs[0])
    assert re.search(r"%zmm\d", code)  # it is the faster build it claims to be
    assert not re.search(r"\b(tilezero|tileloadd|ldtilecfg|tdpb\w+)\b", code)
    requires = set((VARIANTS_DIR / "avx512" / "REQUIRES").read_text().split())
    chosen = [v.name for v in candidates()]
    assert chosen[-1] == "baseline" and ("avx512" in chosen) == (requires <= cpu_flags())


def test_the_build_flags_are_recorded_and_portable():
    flags = BASELINE.flags()
    assert "-DGGML_NATIVE=OFF" in flags and "-DGGML_AMX_TILE=OFF" in flags and "-DGGML_AVX512=OFF" in flags


def wheelhouse(flags: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PERIMETER_LLAMA_CMAKE_ARGS"}
    if flags is not None:
        env["PERIMETER_LLAMA_CMAKE_ARGS"] = flags
    return subprocess.run(["bash", str(SCRIPT), "--wheelhouse", sys.executable], capture_output=True, text=True,
                          env=env, check=True).stdout.strip()


def test_a_wheel_built_with_other_flags_lives_in_another_folder():
    default = wheelhouse(None)
    assert default != wheelhouse("-DGGML_NATIVE=ON") != wheelhouse("-DGGML_NATIVE=OFF -DGGML_AVX512=ON")
    assert wheelhouse(None) == default  # the key is stable: the cached build is found again
    recorded = Path(default) / "BUILD_FLAGS"
    if recorded.exists():  # this machine installed from it (make install): the same flags as the running build
        assert recorded.read_text().strip() == BASELINE.flags()
