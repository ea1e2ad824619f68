#!/usr/bin/env bash
# Builds the core, its C++ tests and the Python extension with AddressSanitizer
# (LeakSanitizer included) and UndefinedBehaviorSanitizer in build/asan, then
# runs
#   1. ctest: the GoogleTest suite, the embedding test and the replay of the
#      fuzz regressions, with leak detection on;
#   2. a subset of the Python tests against the sanitized extension, with the
#      ASan runtime preloaded into an uninstrumented Python (leak detection
#      off there: CPython and torch keep memory until exit by design; the C++
#      run above is the leak check).
# Any sanitizer report fails the run (-fno-sanitize-recover, halt_on_error).
#
#   bash ci/sanitize.sh              # both parts
#   bash ci/sanitize.sh --cpp-only   # ctest only
#   bash ci/sanitize.sh -- ARGS      # pytest ARGS instead of the default subset
#
# Uses $CXX (default g++); FFSTREAM_SANITIZE_JOBS (default 2) caps the build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/asan"
jobs="${FFSTREAM_SANITIZE_JOBS:-2}"
cxx="${CXX:-g++}"
python_part=1
pytest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cpp-only) python_part=0 ;;
    --) shift; pytest_args=("$@"); break ;;
    *) echo "usage: $0 [--cpp-only] [-- PYTEST_ARGS...]" >&2; exit 2 ;;
  esac
  shift
done

bash "$root/ci/install_deps.sh"
# The Python part needs the project's virtualenv (torch, pytest, pybind11).
[ "$python_part" -eq 1 ] && bash "$root/ci/setup_venv.sh"
bin="$root/.venv/bin"
if [ -x "$bin/cmake" ] && [ -x "$bin/ninja" ]; then
  cmake="$bin/cmake"
  ninja="$bin/ninja"
else
  cmake="$(command -v cmake)"
  ninja="$(command -v ninja)"
fi

# The sanitizer runtime the build links, for preloading into Python.
asan_runtime="$("$cxx" -print-file-name=libasan.so)"

echo "== sanitize: building with $cxx, -fsanitize=address,undefined"
python_flags=(-DFFSTREAM_BUILD_PYTHON=OFF)
if [ "$python_part" -eq 1 ]; then
  python_flags=(-DFFSTREAM_BUILD_PYTHON=ON
                -DPython_EXECUTABLE="$bin/python"
                -Dpybind11_DIR="$("$bin/python" -m pybind11 --cmakedir)")
fi
"$cmake" -S "$root" -B "$build" -G Ninja -DCMAKE_MAKE_PROGRAM="$ninja" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFFSTREAM_SANITIZE=address,undefined -DFFSTREAM_GUARD_STORAGE=ON -DFFSTREAM_BUILD_TESTS=ON \
  "${python_flags[@]}" >/dev/null
"$cmake" --build "$build" -j "$jobs"

# Leaks inside FFmpeg itself (each entry is explained there). Matching them
# needs whole stacks through FFmpeg, which has no frame pointers: hence the
# slow unwinder for allocations (fast_unwind_on_malloc=0).
export LSAN_OPTIONS="suppressions=$root/ci/sanitize.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

echo "== sanitize: C++ tests (ctest, ASan + LSan + UBSan)"
(cd "$build" &&
  ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
  "$(dirname "$cmake")/ctest" --output-on-failure -j "$jobs")

[ "$python_part" -eq 1 ] || { echo "sanitize: C++ part clean"; exit 0; }

echo "== sanitize: Python tests against the sanitized extension"
# A package tree that shadows the installed ffstream: the sources of
# python/ffstream beside the extension just built.
pkg="$build/python/ffstream"
rm -rf "$build/python"
mkdir -p "$pkg"
cp "$root"/python/ffstream/*.py "$root"/python/ffstream/py.typed "$pkg"/
cp "$build"/csrc/python/_ffstream*.so "$pkg"/
if [ ${#pytest_args[@]} -eq 0 ]; then
  # Decoding values, every input kind, errors, the bad-input corpus, bad
  # arguments and readers in threads: the paths that run the core through
  # the bindings (GIL release, file-object reader, DLPack). Suites bound to
  # wall time (live, network) or to subprocesses (cli) are left to the plain
  # run, and so are the tests that measure RSS: ASan keeps freed memory in
  # quarantine to catch use after free, so RSS grows by design here (LSan in
  # the C++ part is the leak check).
  pytest_args=(-q -p no:cacheprovider -k "not do_not_leak and not memory_flat"
    tests/test_audio.py tests/test_video.py tests/test_chunking.py
    tests/test_seek.py tests/test_seek_codecs.py tests/test_fileobj.py tests/test_errors.py
    tests/test_source_info.py tests/test_threads.py tests/test_filters.py
    tests/test_safe_mode.py tests/test_utils.py tests/test_corpus.py
    tests/test_bad_arguments.py tests/test_soak.py tests/test_sweep.py
    tests/test_rotation.py tests/test_quirks.py)
fi
cd "$root"
# Python is not linked to libstdc++: preload it beside the ASan runtime so
# that ASan's __cxa_throw interceptor finds the real one. Reports go to files
# (pytest would swallow a report printed by a dying process); children such
# as the ffmpeg command get neither the runtime nor the options.
# Fresh allocations are filled with 0xbe up to 16 MiB (ASan's default stops
# at 4 KiB), FFmpeg's frames included: a pixel nothing wrote then differs
# from the ffmpeg command's (whose fresh memory is zeros) instead of
# matching it by chance.
fill=$((16 << 20))
logs="$build/python-sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"
status=0
env LD_PRELOAD="$asan_runtime $("$cxx" -print-file-name=libstdc++.so)" \
  ASAN_OPTIONS="detect_leaks=0:max_malloc_fill_size=$fill:log_path=$logs/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
  UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$logs/ubsan" \
  PYTHONPATH="$build/python" \
  "$bin/python" - "${pytest_args[@]}" <<'PY' || status=$?
import os, sys
for name in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "PYTHONPATH"):
    os.environ.pop(name, None)
import ffstream
print("sanitize: testing", ffstream.__file__, flush=True)
import pytest
sys.exit(pytest.main(sys.argv[1:]))
PY
if [ -n "$(ls -A "$logs")" ]; then
  cat "$logs"/*
  echo "sanitize: the Python tests produced the sanitizer report(s) above" >&2
  exit 1
fi
[ "$status" -eq 0 ] || exit "$status"
echo "sanitize: C++ and Python parts clean"
