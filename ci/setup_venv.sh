#!/usr/bin/env bash
# Creates .venv in the repository root with the CPU build of torch, the build
# and test tools, and ffstream itself. Rebuilds ffstream only when its sources
# changed, so a second run takes seconds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
py="$venv/bin/python"

if [ ! -x "$py" ]; then
  echo "ffstream: creating $venv"
  python3 -m venv "$venv"
fi
pip=("$py" -m pip install -q --disable-pip-version-check)

# torch first, pinned to the CPU wheel: a looser requirement could pull a CUDA
# build of several GB.
if ! "$py" -c "import torch" 2>/dev/null; then
  echo "ffstream: installing torch==2.13.0 (CPU)"
  "${pip[@]}" "torch==2.13.0"
fi
if ! "$py" -c "import pytest, numpy, pybind11, scikit_build_core, cmake, ninja, mypy, ruff" 2>/dev/null; then
  echo "ffstream: installing build, test and lint tools"
  "${pip[@]}" pytest numpy "pybind11>=2.12" "scikit-build-core>=0.10" cmake ninja \
    "mypy>=1.10" "ruff>=0.6"
fi
# tqdm draws the CLI's progress bar on a terminal (the ffstream[cli] extra).
if ! "$py" -c "import tqdm" 2>/dev/null; then
  "${pip[@]}" "tqdm>=4.60"
fi
# Ray Data for ffstream.ray and its tests (the ffstream[ray] extra).
if ! "$py" -c "import ray.data, pydantic" 2>/dev/null; then
  echo "ffstream: installing Ray Data (ffstream[ray])"
  "${pip[@]}" "ray[data]>=2.40" pydantic
fi

# Rebuild when any file that goes into the package changed.
stamp="$venv/.ffstream-source-hash"
hash=$(cd "$root" && find CMakeLists.txt pyproject.toml csrc python -type f \
         -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ] || ! "$py" -c "import ffstream" 2>/dev/null; then
  echo "ffstream: building and installing ffstream"
  (cd "$root" && "${pip[@]}" --no-build-isolation --no-deps .)
  echo "$hash" > "$stamp"
fi
