"""Loads the compiled module, turning a failure into an ImportError that says
what is wrong (or, under ``python -m ffstream doctor``, into the doctor's
report instead of a traceback)."""

import sys

try:
    from . import _ffstream as ext  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the machine
    from ._load_failure import explain_import_failure

    message = explain_import_failure(e)
    # While `python -m ffstream doctor` imports the package, argv[0] is "-m".
    if sys.argv[:2] == ["-m", "doctor"]:
        print(f"Verdict: BROKEN\n  - {message}")
        raise SystemExit(1) from None
    raise ImportError(message) from e

# FFmpeg's own log output stays quiet unless the user asks for it: errors
# reach the user as exceptions with FFmpeg's message.
_AV_LOG_FATAL = 8
ext.set_log_level(_AV_LOG_FATAL)
