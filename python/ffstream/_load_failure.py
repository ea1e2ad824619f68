"""Why the compiled module failed to load, in words a user can act on.

A leaf module (it imports nothing of the package), so that _extension can
explain a failure without importing the doctor, which imports the reader.
"""

from __future__ import annotations

import re
from pathlib import Path

# auditwheel puts the libraries a wheel carries beside the package.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "ffstream.libs"


def explain_import_failure(error: ImportError) -> str:
    """Why the compiled module did not load, in words a user can act on."""
    text = str(error)
    wheel = BUNDLED_DIR.is_dir()
    missing = re.search(r"(lib[\w+-]+\.so[.\d]*): cannot open shared object file", text)
    if missing:
        lib = missing.group(1)
        if wheel:
            return (
                f"ffstream's compiled module could not load {lib}, one of the libraries its wheel "
                f"carries in {BUNDLED_DIR}. The install is damaged; reinstall the wheel "
                f"(pip install --force-reinstall ffstream-*.whl). Loader: {text}"
            )
        return (
            f"ffstream's compiled module could not load {lib}. This ffstream was built from source "
            "against the system's FFmpeg, which is now missing or another version; install the "
            "FFmpeg it was built with (Debian: apt-get install libavformat59 libavcodec59 "
            "libavfilter8 libavdevice59 libswscale6 libswresample4) or rebuild ffstream. "
            f"Loader: {text}"
        )
    if "undefined symbol" in text:
        return (
            "ffstream's compiled module loaded an FFmpeg that lacks a function it was built "
            "against: another FFmpeg version was found first (check LD_LIBRARY_PATH and "
            f"LD_PRELOAD). Loader: {text}"
        )
    return f"ffstream's compiled module could not be loaded: {text}"
