#!/usr/bin/env bash
# Tests a wheel as a user gets it: installed in a fresh virtualenv of the
# Python it is for, then checked in a private mount namespace where every
# FFmpeg library of the system is masked (/dev/null bound over it), so the
# loader cannot fall back on them. Every wheel gets tests/wheel_smoke.py (the
# compiled module decodes and hands chunks to numpy, without torch),
# compileall of the installed package and mypy for its Python version. The
# CPython 3.11 wheel also gets the whole Python suite, with torch's CPU wheel
# (this machine has it for 3.11 only), PyAV and opencv-python-headless.
# Usage: ci/test_wheel.sh [WHEEL [pytest args...]]; no WHEEL: every wheel in
# wheelhouse/. FFSTREAM_MYPY names the mypy to run (default: .venv's, from
# ci/setup_venv.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ $# -eq 0 ]; then
  wheels=("$root"/wheelhouse/ffstream-*.whl)
  [ -e "${wheels[0]}" ] || { echo "test_wheel.sh: no wheel in wheelhouse/ (ci/build_wheel.sh)" >&2; exit 1; }
  for wheel in "${wheels[@]}"; do bash "$root/ci/test_wheel.sh" "$wheel"; done
  exit 0
fi
wheel="$1"
shift

# ffstream-0.1.0-cp312-cp312-manylinux_2_35_x86_64.whl is for CPython 3.12.
tag="$(basename "$wheel" | cut -d- -f3)"
version="3.${tag#cp3}"
python="$(bash ci/find_python.sh "$version")"
full_suite=0
[ "$version" = 3.11 ] && full_suite=1
mypy="${FFSTREAM_MYPY:-$root/.venv/bin/mypy}"
if [ ! -x "$mypy" ]; then
  echo "test_wheel.sh: no mypy at $mypy (ci/setup_venv.sh installs it; FFSTREAM_MYPY names another)" >&2
  exit 1
fi

work="$root/build/wheel-test"
venv="$work/venv-$version"
rm -rf "$venv"
mkdir -p "$work"
"$python" -m venv "$venv"
echo "test_wheel.sh: installing $(basename "$wheel") in a fresh venv of CPython $version" >&2
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check --no-warn-script-location)
if [ "$full_suite" = 1 ]; then
  # torch pinned to the CPU wheel, as in ci/setup_venv.sh.
  "${pip[@]}" "torch==2.13.0" "$wheel" pytest numpy av opencv-python-headless
else
  # --no-deps: ffstream's torch requirement would fetch several GB of CUDA
  # torch for this Python. The smoke test needs numpy only.
  "${pip[@]}" --no-deps "$wheel" numpy
fi
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"

# The test media, and the ffmpeg command that the tests use for reference
# decodes, come from the system's FFmpeg. Its libraries are copied aside
# before they are masked, and a wrapper runs the command on the copies: that
# reaches the ffmpeg process only, never the one that imports ffstream.
arch_dir="$(dirname "$(readlink -f "$(ldconfig -p | awk '/libavcodec\.so\./ {print $NF; exit}')")")"
shadow="$work/system-ffmpeg"
rm -rf "$shadow" && mkdir -p "$shadow/lib" "$shadow/bin"
cp -a "$arch_dir"/lib{avcodec,avformat,avfilter,avutil,avdevice,swscale,swresample,postproc}.so.* "$shadow/lib/"
for tool in ffmpeg ffprobe; do
  printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec /usr/bin/%s "$@"\n' "$shadow/lib" "$tool" > "$shadow/bin/$tool"
  chmod +x "$shadow/bin/$tool"
done
media="${FFSTREAM_TEST_MEDIA:-$root/build/test-media}"
mkdir -p "$media"

masked=()
while IFS= read -r f; do masked+=("$f"); done < <(
  find /usr/lib /usr/local/lib -type f \( -name 'libavcodec.so*' -o -name 'libavformat.so*' \
    -o -name 'libavfilter.so*' -o -name 'libavutil.so*' -o -name 'libavdevice.so*' \
    -o -name 'libswscale.so*' -o -name 'libswresample.so*' -o -name 'libpostproc.so*' \) \
    -not -path "$root/*" 2>/dev/null)
echo "test_wheel.sh: masking ${#masked[@]} system FFmpeg files" >&2

# Reference decodes and library versions come from the wheel's own FFmpeg
# build (its ffmpeg and ffprobe programs, its pkg-config files): the test
# media are still made by the system's ffmpeg above.
prefix="$(bash "$root/ci/build_ffmpeg.sh" | tail -n 1)"
export FFSTREAM_TEST_MEDIA="$media" PATH="$shadow/bin:$PATH" \
  FFSTREAM_REFERENCE_BIN="$prefix/bin" PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
unshare -m -- bash -euo pipefail -c '
  mount --make-rprivate /
  venv="$1" version="$2" site="$3" mypy="$4" full_suite="$5" count="$6"
  shift 6
  masked=("${@:1:$count}"); shift "$count"
  for f in "${masked[@]}"; do mount --bind /dev/null "$f"; done
  # The masking works: the system libavcodec no longer loads.
  if "$venv/bin/python" -c "import ctypes, ctypes.util, sys; ctypes.CDLL(ctypes.util.find_library(\"avcodec\") or \"libavcodec.so\")" 2>/dev/null; then
    echo "test_wheel.sh: the system libavcodec still loads; masking failed" >&2; exit 1
  fi
  echo "== CPython $version: the installed wheel without torch, compileall, mypy (system FFmpeg masked)"
  "$venv/bin/python" tests/wheel_smoke.py
  "$venv/bin/python" -m compileall -q "$site/ffstream"
  "$mypy" --python-version "$version" python/ffstream
  [ "$full_suite" = 1 ] || exit 0
  echo "== Python tests against the installed wheel (system FFmpeg masked)"
  "$venv/bin/python" -m ffstream doctor
  exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
' _ "$venv" "$version" "$site" "$mypy" "$full_suite" "${#masked[@]}" "${masked[@]}" "$@"
