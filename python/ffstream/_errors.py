"""Exception classes raised by ffstream.

Every class derives from :class:`FFStreamError`, which is a ``RuntimeError`` (as
torchaudio's StreamReader raised), and also from the builtin that describes the
problem best, so both ``except RuntimeError`` and, say,
``except FileNotFoundError`` catch a missing file.
"""

from ._extension import ext

FFStreamError = ext.FFStreamError
SourceNotFoundError = ext.SourceNotFoundError
InvalidArgumentError = ext.InvalidArgumentError
StreamIndexError = ext.StreamIndexError
InvalidDataError = ext.InvalidDataError
DecodeTimeoutError = ext.DecodeTimeoutError
NotSupportedError = ext.NotSupportedError
ReaderClosedError = ext.ReaderClosedError
ReaderInterruptedError = ext.ReaderInterruptedError
SourceConnectionError = ext.SourceConnectionError

__all__ = [
    "FFStreamError",
    "SourceNotFoundError",
    "InvalidArgumentError",
    "StreamIndexError",
    "InvalidDataError",
    "DecodeTimeoutError",
    "NotSupportedError",
    "ReaderClosedError",
    "ReaderInterruptedError",
    "SourceConnectionError",
]
