#!/usr/bin/env bash
# Installs the Debian packages ffstream builds and tests against: FFmpeg's
# development libraries, the ffmpeg/ffprobe tools (test media), pkg-config,
# and GoogleTest. Does nothing when all are present.
set -euo pipefail

packages=(
  pkg-config ffmpeg
  libavformat-dev libavcodec-dev libavfilter-dev libavutil-dev
  libswscale-dev libswresample-dev libavdevice-dev
  libgtest-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ffstream: installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
