#!/usr/bin/env bash
# Build (once) and install llama-cpp-python in two CPU variants, never tuned for the build machine's own CPU:
#   baseline  AVX2, FMA, F16C: every x86-64 server CPU since 2013-2015. Installed into the environment itself.
#   avx512    + AVX-512 (F/BW/VL/VBMI/VNNI/BF16) and AVX-VNNI: ~1.5x faster prompt processing where the CPU has them
#             (measured: 38 vs 26 prompt tokens/s on one Sapphire Rapids core). Installed beside it, under
#             PREFIX/llama-cpp-variants/avx512, with the CPU flags it needs in REQUIRES.
# AMX is never compiled in. The embedded server (services/llm/cpu_variants.py) uses avx512 only where /proc/cpuinfo
# lists every flag in REQUIRES, proves it with a first prompt, and falls back to baseline if it dies with SIGILL.
#
# Why not llama.cpp's own runtime dispatch (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS): it picks the variant whose
# features the CPU *advertises*; a VM that lists amx_tile/amx_int8 in cpuid but traps on AMX (seen on this project's
# machines: SIGILL on `tilezero`) gets the sapphirerapids variant and dies the same way, with no fallback; and
# llama-cpp-python 0.3.36 never calls ggml_backend_load_all(), which the dynamic-backend build needs.
#
# Why a wheelhouse keyed by the flags: pip's own wheel cache keys on name and version only, so a wheel once built with
# native tuning would be reused silently on every later install. We build with --no-cache-dir into a folder whose name
# is a hash of (version, python, arch, flags) and install from there with --no-index; other flags, another folder.
set -euo pipefail
# usage: build-wheel.sh PYTHON                 build what is missing, then install both variants for PYTHON
#        build-wheel.sh --wheelhouse PYTHON    print the baseline's wheelhouse folder (nothing built)
PRINT_ONLY=0
if [ "${1:-}" = "--wheelhouse" ]; then PRINT_ONLY=1; shift; fi
PY=${1:?usage: build-wheel.sh [--wheelhouse] PYTHON}
VERSION=0.3.36
COMMON="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_CPU_ALL_VARIANTS=OFF -DGGML_BACKEND_DL=OFF"
# PERIMETER_LLAMA_CMAKE_ARGS replaces the baseline's flags (e.g. an operator who knows every host); its wheel then
# lives in a folder of its own, so neither build is ever taken for the other.
BASELINE=${PERIMETER_LLAMA_CMAKE_ARGS:-"$COMMON -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF \
-DGGML_AVX512_BF16=OFF -DGGML_AVX_VNNI=OFF"}
AVX512="$COMMON -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AVX_VNNI=ON"
AVX512_REQUIRES="avx2 fma f16c bmi2 avx512f avx512bw avx512vl avx512vbmi avx512_vnni avx512_bf16 avx_vnni"
PYTAG=$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
ROOT=${PERIMETER_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/perimeter/wheels}

wheelhouse() {  # FLAGS -> the folder its wheel lives in
  echo "$ROOT/llama-cpp-python-$VERSION-$(printf '%s|%s|%s|%s' "$VERSION" "$PYTAG" "$(uname -m)" "$1" \
    | sha256sum | cut -c1-16)"
}

build() {  # FLAGS -> builds the wheel into its wheelhouse unless it is there
  local dir; dir=$(wheelhouse "$1")
  if ! ls "$dir"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
    echo "==> compiling llama-cpp-python $VERSION (~10 min on 2 cores) with $1"
    rm -rf "$dir.partial" && mkdir -p "$dir.partial"
    CMAKE_ARGS="$1" FORCE_CMAKE=1 "$PY" -m pip wheel --no-cache-dir --no-deps --no-binary llama-cpp-python \
      -w "$dir.partial" "llama-cpp-python==$VERSION"
    printf '%s\n' "$1" > "$dir.partial/BUILD_FLAGS"
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
}

if [ "$PRINT_ONLY" = 1 ]; then wheelhouse "$BASELINE"; exit 0; fi

build "$BASELINE"
"$PY" -m pip install --no-index --no-deps --force-reinstall --find-links "$(wheelhouse "$BASELINE")" \
  "llama-cpp-python==$VERSION"
# Perimeter reads this to say which build it runs (services/llm/cpu_variants.py). find_spec locates the package
# without importing it (its dependencies are not installed yet).
PKG=$("$PY" -c 'import importlib.util as u; print(u.find_spec("llama_cpp").submodule_search_locations[0])')
cp "$(wheelhouse "$BASELINE")/BUILD_FLAGS" "$PKG/PERIMETER_BUILD_FLAGS"

if [ "$(uname -m)" = "x86_64" ] && [ "${PERIMETER_LLAMA_AVX512:-1}" = "1" ]; then
  build "$AVX512"
  TARGET="$("$PY" -c 'import sys; print(sys.prefix)')/llama-cpp-variants/avx512"
  rm -rf "$TARGET"
  "$PY" -m pip install --quiet --no-index --no-deps --target "$TARGET" --find-links "$(wheelhouse "$AVX512")" \
    "llama-cpp-python==$VERSION"
  cp "$(wheelhouse "$AVX512")/BUILD_FLAGS" "$TARGET/llama_cpp/PERIMETER_BUILD_FLAGS"
  echo "$AVX512_REQUIRES" > "$TARGET/REQUIRES"
fi
