#!/usr/bin/env bash
# The whole test suite: the C++ core's GoogleTest suite, the embedding test and
# the fuzz regressions through ctest, a short fuzz run, ruff and mypy, pytest,
# the sanitizers, and then the wheels, one per CPython 3.10-3.13: built with
# their own LGPL FFmpeg and tested installed, with the system's FFmpeg
# masked. .ci/run calls exactly this.
# FFSTREAM_WHEEL_STAGE=0 skips the wheel stage (a quicker local run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/ci/install_deps.sh"
bash "$root/ci/setup_venv.sh"
bin="$root/.venv/bin"
jobs=$(nproc 2>/dev/null || echo 2)

# The wheel's FFmpeg takes long to build cold (third_party/README.md has the
# figures) and is cached after. It builds in the background at the lowest
# priority while the development build is tested, on the cycles the tests
# leave idle; apt and the source download happen before, in the foreground.
wheel_stage="${FFSTREAM_WHEEL_STAGE:-1}"
# The other FFmpeg versions the suite runs on (ci/test_ffmpeg_versions.sh),
# built in the background with the wheel's; part of the wheel stage.
other_ffmpegs="${FFSTREAM_TEST_FFMPEG_SERIES-7.1 8.1}"
export FFSTREAM_TEST_FFMPEG_SERIES="$other_ffmpegs"
if [ "$wheel_stage" != "0" ]; then
  bash "$root/ci/build_ffmpeg.sh" --prepare >/dev/null
  for series in $other_ffmpegs; do
    FFSTREAM_FFMPEG_VERSION="$series" bash "$root/ci/build_ffmpeg.sh" --prepare >/dev/null
  done
  mkdir -p "$root/build"
  ffmpeg_log="$root/build/ffmpeg-build.log"
  # In a process group of its own, so that a failing stage stops all of it.
  # The wheel's FFmpeg first, then the other versions the suite runs on.
  setsid nice -n 19 bash -c '
    root="$1"; shift
    bash "$root/ci/build_ffmpeg.sh" || exit 1
    for series in "$@"; do FFSTREAM_FFMPEG_VERSION="$series" bash "$root/ci/build_ffmpeg.sh" || exit 1; done
  ' _ "$root" $other_ffmpegs >"$ffmpeg_log" 2>&1 &
  ffmpeg_pid=$!
  trap 'kill -- "-$ffmpeg_pid" 2>/dev/null || true' EXIT
fi

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
# (python/ffstream/_ffstream.pyi), and the stub against the compiled module
# that setup_venv.sh installed into the venv (stubtest: a class, function or
# field in one and not the other fails); ruff keeps the Python code tidy.
echo "== Lint and types (ruff, mypy, stubtest)"
(cd "$root" && "$bin/ruff" check python tests benchmarks examples \
   && "$bin/python" -m mypy python/ffstream \
   && "$bin/python" -m mypy.stubtest ffstream._ffstream \
        --allowlist ci/stubtest_allowlist.txt)

echo "== Python tests (pytest)"
cd "$root"
"$bin/python" -m pytest -q "$@"

# The sanitizers (ci/sanitize.sh): the core, its C++ tests and the Python
# tests that drive the core (the frame-size sweep included) under ASan, LSan
# and UBSan, with a guard page behind chunk storage for what FFmpeg writes.
# FFSTREAM_SANITIZE_STAGE=0 skips it.
if [ "${FFSTREAM_SANITIZE_STAGE:-1}" != "0" ]; then
  echo "== Sanitizers (ASan, LSan, UBSan)"
  bash "$root/ci/sanitize.sh"
fi

[ "$wheel_stage" = "0" ] && exit 0
echo "== Wheels: ffstream with its own LGPL FFmpeg, for CPython 3.10-3.13"
if ! wait "$ffmpeg_pid"; then
  tail -n 40 "$ffmpeg_log"
  echo "ffstream: building FFmpeg for the wheel failed (log: $ffmpeg_log)" >&2
  exit 1
fi
cat "$ffmpeg_log"
# One wheel per CPython (build_wheel.sh prints their paths, one a line): the
# 3.11 one gets the whole suite, the others a smoke test and mypy.
built="$(bash "$root/ci/build_wheel.sh")"
mapfile -t wheels <<< "$built"
for wheel in "${wheels[@]}"; do
  bash "$root/ci/test_wheel.sh" "$wheel" "$@"
done
# The suite on the other FFmpeg versions, from source builds.
bash "$root/ci/test_ffmpeg_versions.sh" "$@"
