#!/usr/bin/env bash
# The main job on a built-in example: opens FFmpeg's lavfi test sources (a
# 720p test pattern and a sine tone, no file needed), prints their streams and
# decodes them into tensors with a progress bar and the throughput.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/ci/install_deps.sh"
bash "$root/ci/setup_venv.sh"
exec "$root/.venv/bin/python" -m ffstream decode --example "$@"
