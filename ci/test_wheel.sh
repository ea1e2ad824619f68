#!/usr/bin/env bash
# Tests the wheel as a user gets it: installed in a fresh virtualenv (torch
# from its wheel, PyAV and opencv-python-headless beside it), then the Python
# suite run against it in a private mount namespace where every FFmpeg
# library of the system is masked (/dev/null bound over it), so the loader
# cannot fall back on them. Usage: ci/test_wheel.sh [WHEEL] [pytest args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
wheel="${1:-}"
[ $# -gt 0 ] && shift
if [ -z "$wheel" ]; then
  wheel="$(ls "$root"/wheelhouse/ffstream-*.whl)"
fi

work="$root/build/wheel-test"
venv="$work/venv"
rm -rf "$venv"
mkdir -p "$work"
python3 -m venv "$venv"
echo "test_wheel.sh: installing $(basename "$wheel") in a fresh venv" >&2
# torch pinned to the CPU wheel, as in ci/setup_venv.sh.
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-warn-script-location \
  "torch==2.13.0" "$wheel" pytest numpy av opencv-python-headless

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

export FFSTREAM_TEST_MEDIA="$media" PATH="$shadow/bin:$PATH"
unshare -m -- bash -euo pipefail -c '
  mount --make-rprivate /
  venv="$1"; shift
  count="$1"; shift
  masked=("${@:1:$count}"); shift "$count"
  for f in "${masked[@]}"; do mount --bind /dev/null "$f"; done
  # The masking works: the system libavcodec no longer loads.
  if "$venv/bin/python" -c "import ctypes, ctypes.util, sys; ctypes.CDLL(ctypes.util.find_library(\"avcodec\") or \"libavcodec.so\")" 2>/dev/null; then
    echo "test_wheel.sh: the system libavcodec still loads; masking failed" >&2; exit 1
  fi
  echo "== Python tests against the installed wheel (system FFmpeg masked)"
  "$venv/bin/python" -m ffstream doctor
  exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
' _ "$venv" "${#masked[@]}" "${masked[@]}" "$@"
