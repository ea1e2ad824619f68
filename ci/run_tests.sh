#!/usr/bin/env bash
# The whole test suite: the C++ core's GoogleTest suite and the embedding test
# through ctest, then pytest. .ci/run calls exactly this.
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

echo "== Python tests (pytest)"
cd "$root"
exec "$bin/python" -m pytest -q "$@"
