"""ffstream: decode audio and video with FFmpeg into PyTorch tensors.

``from ffstream import StreamReader`` is a drop-in replacement for
torchaudio's ``torchaudio.io.StreamReader``.
"""

from . import utils
from ._chunk import ChunkTensor
from ._errors import (
    DecodeTimeoutError,
    FFStreamError,
    InvalidArgumentError,
    InvalidDataError,
    NotSupportedError,
    ReaderClosedError,
    ReaderInterruptedError,
    SourceNotFoundError,
    StreamIndexError,
)
from ._info import (
    OutputAudioStream,
    OutputStream,
    OutputVideoStream,
    SourceAudioStream,
    SourceStream,
    SourceVideoStream,
)
from ._stream_reader import StreamReader

__version__ = "0.1.0"

__all__ = [
    "StreamReader",
    "ChunkTensor",
    "SourceStream",
    "SourceAudioStream",
    "SourceVideoStream",
    "OutputStream",
    "OutputAudioStream",
    "OutputVideoStream",
    "FFStreamError",
    "SourceNotFoundError",
    "InvalidArgumentError",
    "StreamIndexError",
    "InvalidDataError",
    "DecodeTimeoutError",
    "NotSupportedError",
    "ReaderClosedError",
    "ReaderInterruptedError",
    "utils",
]
