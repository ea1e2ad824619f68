#!/usr/bin/env bash
# Builds the LGPL FFmpeg that the wheel carries (third_party/README.md says
# what and why) and prints the install prefix as the last line of output.
#
# The source is Debian's own source package, fetched with a private apt
# configuration under the cache folder, so the machine's apt setup is left as
# it is. The result is cached outside the repository, keyed by the version and
# a hash of this script's configure flags, so a second run only prints the
# prefix. --prepare installs the build tools and fetches the source, then
# stops (ci/run_tests.sh runs it first, so that the build itself can go on in
# the background without touching apt). The same build serves the wheel and,
# for the other FFmpeg versions the suite runs on (ci/test_ffmpeg_versions.sh),
# a source build of ffstream: its ffmpeg and ffprobe programs decode the
# tests' reference values with the very libraries under test. Environment:
#   FFSTREAM_FFMPEG_VERSION  an FFmpeg series ("8.1"): the newest Debian
#                            source of it that the suites below carry; or an
#                            exact Debian version ("7:8.1.2-2"). Default below.
#   FFSTREAM_FFMPEG_CACHE    cache folder (default ~/.cache/ffstream-ffmpeg)
#   FFSTREAM_NV_HEADERS_VERSION  Debian source version of nv-codec-headers to
#                            build against instead of the machine's
#                            libffmpeg-nvenc-dev (FFmpeg 6 and later need
#                            newer headers than bookworm's 11.1.5.2; the
#                            default then is trixie's, below)
set -euo pipefail

prepare_only=0
[ "${1:-}" = "--prepare" ] && prepare_only=1
series="${FFSTREAM_FFMPEG_VERSION:-9.0}"
cache="${FFSTREAM_FFMPEG_CACHE:-$HOME/.cache/ffstream-ffmpeg}"
jobs=$(nproc 2>/dev/null || echo 2)

# What the wheel needs: decoders, demuxers, parsers, the bitstream filters
# and protocols (https through GnuTLS), filters, swscale and swresample, the
# lavfi input device (FFmpeg's test sources; the README's example uses it);
# for StreamWriter and AudioEffector, FFmpeg's own encoders and muxers and
# the LGPL-compatible encoder libraries below (MP3, Opus, Vorbis, VP8/VP9,
# H.264 through OpenH264, AV1 through libaom, NVENC). No library that was
# not chosen here (--disable-autodetect). The ffmpeg and ffprobe programs
# are built but never shipped: the wheel carries the libraries only.
configure_flags=(
  --enable-shared --disable-static --enable-pic
  --disable-programs --enable-ffmpeg --enable-ffprobe
  --disable-doc --disable-debug
  --disable-autodetect
  --disable-outdevs --disable-indevs --enable-indev=lavfi
  # Encoder libraries: LAME is LGPL, the others BSD; x264/x265 (GPL) and
  # fdk-aac (nonfree) stay out.
  --enable-libmp3lame --enable-libopus --enable-libvorbis --enable-libvpx
  --enable-libopenh264 --enable-libaom
  --enable-x86asm
  --enable-zlib
  --enable-libdav1d
  # TLS for https:// (GnuTLS is LGPL v2.1 or later, like this build).
  --enable-gnutls
  # NVIDIA's decode API through the driver loaded at run time (ffnvcodec
  # headers only; no CUDA toolkit is linked): cuvid decoders and nvdec hwaccels.
  # clang compiles the CUDA filters (scale_cuda and others) to PTX.
  --enable-ffnvcodec --enable-nvdec --enable-cuvid --enable-nvenc --enable-cuda-llvm
)
# Guard the licence: none of these may ever be added.
for flag in "${configure_flags[@]}"; do
  case "$flag" in
    --enable-gpl|--enable-version3|--enable-nonfree)
      echo "build_ffmpeg.sh: $flag would change FFmpeg's licence" >&2; exit 1 ;;
  esac
done

# "8.1" names a series, "7:8.1.2-2" an exact Debian version.
case "$series" in
  *:*) series_name="${series#*:}"; series_name="${series_name%%-*}" ;;
  *) series_name="$series" ;;
esac
nv_headers="${FFSTREAM_NV_HEADERS_VERSION:-}"
if [ -z "$nv_headers" ] && [ "${series_name%%.*}" -ge 6 ]; then
  nv_headers="12.1.14.0-1"
fi

key="$(printf '%s\n' "$series" "${configure_flags[@]}" ${nv_headers:+"nv-codec-headers=$nv_headers"} \
      | sha256sum | cut -c1-12)"
build_root="$cache/ffmpeg-$series_name-$key"
prefix="$build_root/prefix"
if [ -f "$prefix/.complete" ]; then
  echo "$prefix"
  exit 0
fi

# Build tools and the libraries chosen above, from Debian.
packages=(nasm pkg-config clang zlib1g-dev libdav1d-dev libgnutls28-dev libffmpeg-nvenc-dev xz-utils
          libmp3lame-dev libopus-dev libvorbis-dev libvpx-dev libopenh264-dev libaom-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "build_ffmpeg.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's source package, through apt with a private source list and state.
apt_dir="$cache/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$build_root"
cat > "$apt_dir/sources.list" <<'EOF'
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian-security bookworm-security main
deb-src http://deb.debian.org/debian trixie main
deb-src http://deb.debian.org/debian-security trixie-security main
deb-src http://deb.debian.org/debian forky main
deb-src http://deb.debian.org/debian sid main
EOF
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
          -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" update -qq >&2
# The newest Debian version of the series: testing and unstable move on, and
# a pinned revision would vanish from the mirror with the next upload.
if [ "$series" = "$series_name" ]; then
  version="$(apt-cache "${apt_opts[@]}" showsrc ffmpeg | sed -n 's/^Version: //p' \
             | grep -E "^[0-9]+:${series_name//./\\.}[.-]" | sort -V | tail -n 1)"
  [ -n "$version" ] || { echo "build_ffmpeg.sh: no Debian source of FFmpeg $series_name" >&2; exit 1; }
else
  version="$series"
fi
upstream="${version#*:}"; upstream="${upstream%%-*}"
debian_revision="${version##*-}"
# av_version_info() then names the exact source: "8.1.2-2-ffstream". The
# programs find the libraries beside them without LD_LIBRARY_PATH.
configure_flags+=(--extra-version="$debian_revision-ffstream"
                  --extra-ldexeflags="-Wl,-rpath,$prefix/lib")
orig="$build_root/ffmpeg_$upstream.orig.tar.xz"
if [ ! -f "$orig" ]; then
  echo "build_ffmpeg.sh: fetching Debian's source package ffmpeg=$version" >&2
  # Only the upstream tarball is used; a mirror that lacks the Debian
  # packaging files (seen for sid) fails the download after it came.
  (cd "$build_root" && apt-get "${apt_opts[@]}" source --download-only -qq "ffmpeg=$version" >&2) || true
  [ -f "$orig" ] || { echo "build_ffmpeg.sh: ffmpeg_$upstream.orig.tar.xz not downloaded" >&2; exit 1; }
fi
# NVIDIA's headers (header-only, loaded at run time) from their own Debian
# source package, when the machine's are too old for this FFmpeg.
nv_orig=""
if [ -n "$nv_headers" ]; then
  nv_glob="$build_root/nv-codec-headers_${nv_headers%-*}.orig.tar"
  if ! ls "$nv_glob".* >/dev/null 2>&1; then
    echo "build_ffmpeg.sh: fetching Debian's source package nv-codec-headers=$nv_headers" >&2
    # Only the upstream tarball is used; a mirror that lacks the Debian
    # packaging file fails the download after the tarball came.
    (cd "$build_root" && apt-get "${apt_opts[@]}" source --download-only -qq \
       "nv-codec-headers=$nv_headers" >&2) || true
  fi
  nv_orig="$(ls "$nv_glob".* 2>/dev/null | head -1)"
  [ -n "$nv_orig" ] || { echo "build_ffmpeg.sh: nv-codec-headers=$nv_headers not found" >&2; exit 1; }
fi

[ "$prepare_only" -eq 1 ] && exit 0

src="$build_root/src"
rm -rf "$src" && mkdir -p "$src"
tar -xJf "$orig" -C "$src" --strip-components=1

echo "build_ffmpeg.sh: building FFmpeg $upstream with $jobs jobs" >&2
start=$(date +%s)
if [ -n "$nv_orig" ]; then
  nv_src="$build_root/nv-src"
  rm -rf "$nv_src" && mkdir -p "$nv_src"
  tar -xf "$nv_orig" -C "$nv_src" --strip-components=1
  make -C "$nv_src" PREFIX="$build_root/nv-headers" install >/dev/null
  export PKG_CONFIG_PATH="$build_root/nv-headers/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  rm -rf "$nv_src"
fi
(
  cd "$src"
  ./configure --prefix="$prefix" "${configure_flags[@]}" >"$build_root/configure.log" 2>&1 \
    || { tail -30 "$build_root/configure.log" >&2; exit 1; }
  make -j"$jobs" >"$build_root/make.log" 2>&1 || { tail -40 "$build_root/make.log" >&2; exit 1; }
  make install >>"$build_root/make.log" 2>&1
)
# The licence texts travel with the libraries (LGPL duty); the wheel build
# copies them from here.
mkdir -p "$prefix/share/licenses/ffmpeg"
cp "$src/COPYING.LGPLv2.1" "$src/LICENSE.md" "$prefix/share/licenses/ffmpeg/"
printf '%s\n' "$version" > "$prefix/share/licenses/ffmpeg/DEBIAN_SOURCE_VERSION"
[ -z "$nv_headers" ] || printf 'nv-codec-headers=%s\n' "$nv_headers" >> "$prefix/share/licenses/ffmpeg/DEBIAN_SOURCE_VERSION"
printf '%s\n' "./configure --prefix=$prefix ${configure_flags[*]}" > "$prefix/share/licenses/ffmpeg/CONFIGURE_LINE"
echo "build_ffmpeg.sh: built in $(( $(date +%s) - start )) s" >&2
rm -rf "$src"
touch "$prefix/.complete"
echo "$prefix"
