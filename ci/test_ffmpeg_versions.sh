#!/usr/bin/env bash
# The suite on the other FFmpeg versions users have: for each series, the
# FFmpeg that ci/build_ffmpeg.sh builds (cached), ffstream built from source
# against it as pkg-config finds it, its C++ tests, and the Python tests with
# reference values from that FFmpeg's own ffmpeg and ffprobe programs. The
# development build covers the system's FFmpeg (Debian 12: 5.1) and the
# wheel stage the wheel's; this covers the rest.
#
#   bash ci/test_ffmpeg_versions.sh [pytest args...]
#
# FFSTREAM_TEST_FFMPEG_SERIES lists the series (default below); an empty
# value skips all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.venv/bin"
jobs=$(nproc 2>/dev/null || echo 2)
series_list="${FFSTREAM_TEST_FFMPEG_SERIES-7.1 8.1}"
failed=()

for series in $series_list; do
  echo "== FFmpeg $series: ffstream built from source against it"
  prefix="$(FFSTREAM_FFMPEG_VERSION="$series" bash "$root/ci/build_ffmpeg.sh" | tail -n 1)"
  build="$root/build/ffmpeg-$series"
  # pkg-config's answers stay in CMake's cache: a rebuilt FFmpeg (another
  # prefix) needs a fresh build folder.
  if [ "$(cat "$build/ffmpeg-prefix" 2>/dev/null)" != "$prefix" ]; then
    rm -rf "$build" && mkdir -p "$build" && echo "$prefix" > "$build/ffmpeg-prefix"
  fi
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  "$bin/cmake" -S "$root" -B "$build" -G Ninja -DCMAKE_MAKE_PROGRAM="$bin/ninja" \
    -DCMAKE_BUILD_TYPE=Release -DFFSTREAM_BUILD_TESTS=ON -DFFSTREAM_BUILD_PYTHON=ON \
    -DPython_EXECUTABLE="$bin/python" -Dpybind11_DIR="$("$bin/python" -m pybind11 --cmakedir)" \
    >/dev/null
  "$bin/cmake" --build "$build" -j "$jobs"
  (cd "$build" && "$bin/ctest" --output-on-failure -j "$jobs") || failed+=("$series: C++ tests")

  # The package as installed: the Python layer beside the module built here
  # (its RUNPATH names $prefix/lib, so the libraries of this FFmpeg load).
  pkg="$build/pkg/ffstream"
  rm -rf "$build/pkg" && mkdir -p "$pkg"
  cp "$root"/python/ffstream/*.py "$root/python/ffstream/py.typed" "$pkg/"
  cp "$build"/csrc/python/_ffstream*.so "$pkg/"
  PYTHONPATH="$build/pkg" "$bin/python" -c "
import ffstream.utils as u
v = u.doctor()['ffmpeg']['version']
assert v.startswith('$series'), f'FFmpeg {v} loaded, not $series'
print('ffstream on FFmpeg', v)"
  (cd "$root" && PYTHONPATH="$build/pkg" FFSTREAM_REFERENCE_BIN="$prefix/bin" \
     "$bin/python" -m pytest -q -p no:cacheprovider "$@") || failed+=("$series: Python tests")
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'ffstream: failed on FFmpeg %s\n' "${failed[@]}" >&2
  exit 1
fi
