"""Loads the compiled module, turning a missing FFmpeg into a clear ImportError."""

try:
    from . import _ffstream as ext  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the machine
    if "libav" in str(e) or "libsw" in str(e):
        raise ImportError(
            "ffstream could not load FFmpeg's shared libraries "
            f"({e}). Install FFmpeg 4.4-7.x, e.g. on Debian: apt-get install "
            "libavformat59 libavcodec59 libavfilter8 libavdevice59 "
            "libswscale6 libswresample4"
        ) from e
    raise

# FFmpeg's own log output stays quiet unless the user asks for it: errors
# reach the user as exceptions with FFmpeg's message.
_AV_LOG_FATAL = 8
ext.set_log_level(_AV_LOG_FATAL)
