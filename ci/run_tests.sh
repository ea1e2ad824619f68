#!/usr/bin/env bash
# The whole test suite: the C++ core's GoogleTest suite, the embedding test and
# the fuzz regressions through ctest, a short fuzz run, ruff and mypy, then
# pytest. .ci/run calls exactly this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/ci/install_deps.sh"
bash "$root/ci/setup_venv.sh"
bin="$root/.venv/bin"
jobs=$(nproc 2>/dev/null || echo 2)

echo "== C++ tests (ctest)"
"$bin/cmake" -S "$root" -B "$root/build/cpp" -G Ninja \
  -DCMAKE_MAKE_PROGRAM="$bin/ninja" -DFFSTREAM_BUILD_TESTS=ON \
  -DFFSTREAM_BUILD_PYTHON=OFF >/dev/null
"$bin/cmake" --build "$root/build/cpp" -j "$jobs"
(cd "$root/build/cpp" && "$bin/ctest" --output-on-failure -j "$jobs")

# A short libFuzzer run over the core (ci/fuzz.sh; the saved crash inputs in
# tests/fuzz/regressions are replayed by ctest above and again here). Needs
# clang, which fuzz.sh installs with apt; FFSTREAM_FUZZ_SMOKE=0 skips it,
# FFSTREAM_FUZZ_SMOKE=N fuzzes N seconds instead of 20.
smoke="${FFSTREAM_FUZZ_SMOKE:-20}"
if [ "$smoke" != "0" ] && { command -v clang++ >/dev/null 2>&1 || command -v apt-get >/dev/null 2>&1; }; then
  echo "== Fuzz smoke run (${smoke}s)"
  bash "$root/ci/fuzz.sh" --smoke "$smoke"
else
  echo "== Fuzz smoke run skipped (no clang and no apt-get, or FFSTREAM_FUZZ_SMOKE=0)"
fi

# The Python layer is checked against the compiled module's stub
# (python/ffstream/_ffstream.pyi); ruff keeps the Python code tidy.
echo "== Lint and types (ruff, mypy)"
(cd "$root" && "$bin/ruff" check python tests benchmarks examples \
   && "$bin/python" -m mypy python/ffstream)

echo "== Python tests (pytest)"
cd "$root"
exec "$bin/python" -m pytest -q "$@"
