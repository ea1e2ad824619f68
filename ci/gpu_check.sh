#!/usr/bin/env bash
# The hw_accel check on a machine with an NVIDIA GPU (issue 13), in one call.
# That machine has Python with CUDA torch, pybind11, scikit-build-core, cmake
# and ninja, but no FFmpeg, no apt and no network, so it is prepared here:
#
#   bash ci/gpu_check.sh --prepare   # here: the wheel's FFmpeg (with nvdec,
#                                    # cuvid and the CUDA filters) copied to
#                                    # build/gpu/ffmpeg, and the test media
#                                    # made into build/gpu/media
#   bash ci/gpu_check.sh             # there (carry build/gpu): builds
#                                    # ffstream against that FFmpeg, runs
#                                    # tests/test_gpu.py and benchmarks/gpu.py
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gpu="$root/build/gpu"

if [ "${1:-}" = "--prepare" ]; then
  prefix="$(bash "$root/ci/build_ffmpeg.sh" | tail -n 1)"
  rm -rf "$gpu/ffmpeg" && mkdir -p "$gpu/media"
  cp -a "$prefix" "$gpu/ffmpeg"
  rm -rf "$gpu/ffmpeg/share/doc" "$gpu/ffmpeg/lib/"*.a
  # The .pc files name this machine's prefix; the run step writes copies
  # that name the prefix there.
  sed -i "s|$prefix|@GPU_FFMPEG@|g" "$gpu/ffmpeg/lib/pkgconfig/"*.pc
  # pkg-config, which CMake finds FFmpeg with, may be missing there.
  mkdir -p "$gpu/tools/bin" "$gpu/tools/lib"
  cp "$(readlink -f "$(command -v pkg-config)")" "$gpu/tools/bin/pkg-config"
  cp /usr/lib/x86_64-linux-gnu/libpkgconf.so.* "$gpu/tools/lib/" 2>/dev/null || true
  # The media the GPU tests ask for, and 1080p clips for the benchmark.
  FFSTREAM_TEST_MEDIA="$gpu/media" "$root/.venv/bin/python" - <<'PY'
import os, sys
from pathlib import Path
sys.path.insert(0, "tests")
import media
for name in ("h264.mp4", "h264_bt709.mp4", "hevc10.mp4"):
    media.make(name, Path(os.environ["FFSTREAM_TEST_MEDIA"]))
PY
  for codec in libx264 libx265; do
    quiet=()
    [ "$codec" = libx265 ] && quiet=(-x265-params log-level=error)
    ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=10 \
      -c:v "$codec" -pix_fmt yuv420p -preset veryfast -g 30 "${quiet[@]}" "$gpu/media/bench-$codec.mp4"
  done
  du -sh "$gpu"
  exit 0
fi

[ -d "$gpu/ffmpeg/lib" ] || { echo "gpu_check.sh: run with --prepare first (no $gpu/ffmpeg)" >&2; exit 1; }
python="${PYTHON:-python3}"
venv="$gpu/venv"
# The machine's own CUDA torch, seen through the venv.
[ -x "$venv/bin/python" ] || "$python" -m venv --system-site-packages "$venv"
export LD_LIBRARY_PATH="$gpu/ffmpeg/lib:$gpu/tools/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
command -v pkg-config >/dev/null || export PATH="$gpu/tools/bin:$PATH"
mkdir -p "$gpu/pkgconfig"
for pc in "$gpu/ffmpeg/lib/pkgconfig/"*.pc; do
  sed "s|@GPU_FFMPEG@|$gpu/ffmpeg|g" "$pc" > "$gpu/pkgconfig/$(basename "$pc")"
done
echo "== nvidia-smi"; nvidia-smi -L || true
echo "== building ffstream against $gpu/ffmpeg"
(cd "$root" && PKG_CONFIG_PATH="$gpu/pkgconfig" \
  "$venv/bin/python" -m pip install -q --no-build-isolation --no-deps --no-index .)
echo "== GPU tests"
(cd "$gpu" && FFSTREAM_TEST_MEDIA="$gpu/media" "$venv/bin/python" -m pytest -q -rs \
   -p no:cacheprovider "$root/tests/test_gpu.py")
echo "== GPU benchmark"
"$venv/bin/python" "$root/benchmarks/gpu.py" "$gpu/media/bench-libx264.mp4" "$gpu/media/bench-libx265.mp4"
