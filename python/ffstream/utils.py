"""What the FFmpeg under ffstream provides, its log level, and helpers for
the I420 layout of yuv420p chunks."""

from __future__ import annotations

from typing import Dict, List, Tuple

from ._doctor import doctor
from ._extension import ext
from ._yuv import i420_planes, i420_to_yuv

__all__ = [
    "get_versions",
    "get_demuxers",
    "get_muxers",
    "get_audio_decoders",
    "get_video_decoders",
    "get_audio_encoders",
    "get_video_encoders",
    "get_input_devices",
    "get_output_devices",
    "get_input_protocols",
    "get_output_protocols",
    "clear_cuda_context_cache",
    "get_build_config",
    "doctor",
    "get_log_level",
    "set_log_level",
    "flush_ffmpeg_log",
    "i420_planes",
    "i420_to_yuv",
]


def get_versions() -> Dict[str, Tuple[int, int, int]]:
    """FFmpeg library name (``"libavcodec"``, ...) -> (major, minor, micro)."""
    return dict(ext.library_versions())


def get_demuxers() -> Dict[str, str]:
    """Demuxer name -> description; names are valid ``format=`` values."""
    return ext.demuxers()


def get_muxers() -> Dict[str, str]:
    """Muxer name -> description."""
    return ext.muxers()


def get_audio_decoders() -> Dict[str, str]:
    """Audio decoder name -> description; names are valid ``decoder=`` values."""
    return ext.audio_decoders()


def get_video_decoders() -> Dict[str, str]:
    """Video decoder name -> description; names are valid ``decoder=`` values."""
    return ext.video_decoders()


def get_audio_encoders() -> Dict[str, str]:
    """Audio encoder name -> description, as this FFmpeg was built; names are
    valid ``encoder=`` values of StreamWriter and AudioEffector."""
    return ext.audio_encoders()


def get_video_encoders() -> Dict[str, str]:
    """Video encoder name -> description, as this FFmpeg was built."""
    return ext.video_encoders()


def get_input_devices() -> Dict[str, str]:
    """Input device name (``"lavfi"``, ``"alsa"``, ``"v4l2"``...) -> description."""
    return ext.input_devices()


def get_output_devices() -> Dict[str, str]:
    """Output device name (``"alsa"``, ``"fbdev"``...) -> description."""
    return ext.output_devices()


def get_input_protocols() -> List[str]:
    """Protocols FFmpeg can read from (``"file"``, ``"http"``, ...)."""
    return ext.input_protocols()


def get_output_protocols() -> List[str]:
    """Protocols FFmpeg can write to (``"file"``, ``"pipe"``, ...)."""
    return ext.output_protocols()


def clear_cuda_context_cache() -> None:
    """Releases the CUDA device contexts that hw_accel readers share (FFmpeg
    keeps one per device, made by the first reader that decodes there and
    reused by the next). A context still used by an open reader, or by a
    chunk not yet freed, lives until they are gone; the next hw_accel reader
    makes a new one."""
    ext.clear_cuda_devices()


def get_build_config() -> str:
    """The ``./configure`` options FFmpeg was built with."""
    return ext.build_config()


def get_log_level() -> int:
    """FFmpeg's log level (``-8`` quiet, ``8`` fatal, ``16`` error, ``24``
    warning, ``32`` info, ``40`` verbose, ``48`` debug, ``56`` trace)."""
    return ext.log_level()


def set_log_level(level: int) -> None:
    """Sets FFmpeg's log level; ffstream starts at ``8`` (fatal only)."""
    if not isinstance(level, int):
        raise TypeError(f"level must be an int, got {type(level).__name__}")
    ext.set_log_level(level)


def flush_ffmpeg_log() -> None:
    """Hands the FFmpeg log lines not yet delivered to the ``ffstream.ffmpeg``
    logger now.

    FFmpeg's messages (at or under :func:`set_log_level`'s level) go to
    Python's ``logging``, logger ``"ffstream.ffmpeg"``, one record per line:
    the level mapped from FFmpeg's (error -> ERROR, warning -> WARNING, info
    -> INFO, verbose and debug -> DEBUG), the message ``"[source] text"``,
    and the attributes ``ffmpeg_source`` (the logging component: ``"h264"``,
    ``"mov,mp4,m4a,3gp,3g2,mj2"``, ``"http"``...) and ``ffmpeg_level``.
    FFmpeg logs from its own threads, so lines are queued and delivered by
    the thread that called into ffstream, when that call returns; this
    delivers what is left (say, before a program exits). Without a handler
    configured, Python's last-resort handler prints WARNING and above to
    stderr, as FFmpeg did.
    """
    ext.flush_ffmpeg_log()
