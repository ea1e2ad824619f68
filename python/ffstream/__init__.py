"""ffstream: decode audio and video with FFmpeg into PyTorch tensors.

``from ffstream import StreamReader`` is a drop-in replacement for
torchaudio's ``torchaudio.io.StreamReader``.
"""

from typing import TYPE_CHECKING

from . import _errors, utils
from ._chunk import ChunkTensor
from ._effector import AudioEffector
from ._errors import *  # noqa: F403 (the error classes, listed in _errors.__all__)
from ._extension import ext as _ext
from ._filter_graph import AudioInput, FilterGraph, FilterOutput, VideoInput, apply_audio_effect
from ._info import (
    ContainerInfo,
    FrameIndex,
    OutputAudioStream,
    OutputStream,
    OutputVideoStream,
    ReaderStats,
    SourceAudioStream,
    SourceStream,
    SourceVideoStream,
)
from ._stream_reader import StreamReader
from ._stream_writer import CodecConfig, StreamWriter

if TYPE_CHECKING:
    from . import data  # at run time loaded on first use (__getattr__ below)

__version__: str = _ext.__version__

__all__ = [
    "StreamReader",
    "StreamWriter",
    "CodecConfig",
    "AudioEffector",
    "ChunkTensor",
    "SourceStream",
    "SourceAudioStream",
    "SourceVideoStream",
    "OutputStream",
    "OutputAudioStream",
    "OutputVideoStream",
    "ReaderStats",
    "FrameIndex",
    "ContainerInfo",
    "FilterGraph",
    "AudioInput",
    "VideoInput",
    "FilterOutput",
    "apply_audio_effect",
    "utils",
    "data",
    *_errors.__all__,
]


def __getattr__(name: str):
    # ffstream.data imports torch.utils.data (and the dataset machinery):
    # only when it is first used, not with the package.
    if name == "data":
        import importlib

        return importlib.import_module(".data", __name__)
    raise AttributeError(f"module 'ffstream' has no attribute {name!r}")
