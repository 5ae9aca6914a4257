#!/usr/bin/env bash
# Build (once) and install llama-cpp-python for a portable x86-64 baseline, never for the build machine's own CPU.
#
# Why a fixed baseline and not llama.cpp's runtime dispatch (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS): the dispatcher
# picks the variant whose features the CPU *advertises*; a VM that lists amx_tile/amx_int8 in cpuid but traps on AMX
# (seen on this project's machines: SIGILL on `tilezero`) would get the sapphirerapids variant and die the same way.
# llama-cpp-python 0.3.36 also never calls ggml_backend_load_all(), which the dynamic-backend build needs. So: AVX2,
# FMA and F16C (every x86-64 server CPU since 2013-2015), AVX-512 and AMX off, GGML_NATIVE off.
#
# Why a wheelhouse keyed by the flags: pip's own wheel cache keys on name and version only, so a wheel once built with
# native tuning would be reused silently on every later install. We build with --no-cache-dir into a folder whose name
# is a hash of (version, python, flags) and install from there with --no-index; other flags mean another folder.
set -euo pipefail
# usage: build-wheel.sh PYTHON            build if needed, then install into PYTHON's environment
#        build-wheel.sh --wheelhouse PYTHON   print the folder the wheel for these flags lives in (nothing built)
PRINT_ONLY=0
if [ "${1:-}" = "--wheelhouse" ]; then PRINT_ONLY=1; shift; fi
PY=${1:?usage: build-wheel.sh [--wheelhouse] PYTHON}
VERSION=0.3.36
# PERIMETER_LLAMA_CMAKE_ARGS replaces the flags (e.g. an operator who knows every host has AVX-512); its wheel then
# lives in a folder of its own, so neither build is ever taken for the other.
FLAGS=${PERIMETER_LLAMA_CMAKE_ARGS:-"-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
-DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_CPU_ALL_VARIANTS=OFF \
-DGGML_BACKEND_DL=OFF"}
PYTAG=$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
KEY=$(printf '%s|%s|%s|%s' "$VERSION" "$PYTAG" "$(uname -m)" "$FLAGS" | sha256sum | cut -c1-16)
WHEELHOUSE=${PERIMETER_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/perimeter/wheels}/llama-cpp-python-$VERSION-$KEY
if [ "$PRINT_ONLY" = 1 ]; then echo "$WHEELHOUSE"; exit 0; fi

if ! ls "$WHEELHOUSE"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
  echo "==> compiling llama-cpp-python $VERSION for the portable x86-64 baseline (~10 min on 2 cores) into $WHEELHOUSE"
  rm -rf "$WHEELHOUSE.partial" && mkdir -p "$WHEELHOUSE.partial"
  CMAKE_ARGS="$FLAGS" FORCE_CMAKE=1 "$PY" -m pip wheel --no-cache-dir --no-deps --no-binary llama-cpp-python \
    -w "$WHEELHOUSE.partial" "llama-cpp-python==$VERSION"
  printf '%s\n' "$FLAGS" > "$WHEELHOUSE.partial/BUILD_FLAGS"
  rm -rf "$WHEELHOUSE" && mv "$WHEELHOUSE.partial" "$WHEELHOUSE"
fi
"$PY" -m pip install --no-index --no-deps --force-reinstall --find-links "$WHEELHOUSE" "llama-cpp-python==$VERSION"
# Perimeter reads this at start to say which build it runs (services/llm/embedded.py, build_flags). find_spec locates
# the package without importing it (its dependencies are not installed yet).
PKG=$("$PY" -c 'import importlib.util as u; print(u.find_spec("llama_cpp").submodule_search_locations[0])')
cp "$WHEELHOUSE/BUILD_FLAGS" "$PKG/PERIMETER_BUILD_FLAGS"
