"""StreamWriter: torchaudio's StreamWriter API on ffstream's C++ core."""

from __future__ import annotations

import os
from dataclasses import dataclass
from numbers import Real
from typing import BinaryIO, Dict, List, Optional, Tuple, Union

import torch

from ._errors import InvalidArgumentError
from ._extension import ext

Destination = Union[str, os.PathLike, BinaryIO]

# The input sample formats and the dtype each takes (packed samples).
_AUDIO_DTYPES = {
    "u8": torch.uint8,
    "s16": torch.int16,
    "s32": torch.int32,
    "s64": torch.int64,
    "flt": torch.float32,
    "dbl": torch.float64,
}
# The input pixel formats: channels a frame has, and whether they are packed
# (interleaved per pixel in FFmpeg's frame) or planes.
_VIDEO_FORMATS = {"rgb24": (3, True), "bgr24": (3, True), "yuv444p": (3, False), "gray8": (1, False)}


@dataclass
class CodecConfig:
    """Encoder settings that most codecs share; -1 (or None) leaves the
    encoder's default."""

    bit_rate: int = -1
    """Bit rate, in bits per second."""
    compression_level: int = -1
    """Compression level; what the values mean depends on the encoder."""
    qscale: Optional[int] = None
    """A global quality factor, which makes the bit rate variable; the range
    depends on the encoder (libmp3lame 0-9, libvorbis -1-10)."""
    gop_size: int = -1
    """Pictures in a group of pictures; 0 for intra only."""
    max_b_frames: int = -1
    """The most B-frames between two non-B-frames."""

    def _to_core(self):
        c = ext.CodecConfig()
        c.bit_rate = int(self.bit_rate)
        c.compression_level = int(self.compression_level)
        c.qscale = None if self.qscale is None else int(self.qscale)
        c.gop_size = int(self.gop_size)
        c.max_b_frames = int(self.max_b_frames)
        return c


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidArgumentError(f"{name} must be a positive int, got {value!r}")
    return value


def _options(value, name: str) -> Dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidArgumentError(f"{name} must be a dict of str to str, got {value!r}")
    return dict(value)


def _encoding(encoder, encoder_option, encoder_format, codec_config, filter_desc):
    e = ext.EncoderOptions()
    e.encoder = encoder or ""
    e.encoder_option = _options(encoder_option, "encoder_option")
    e.encoder_format = encoder_format or ""
    if codec_config is not None:
        if not isinstance(codec_config, CodecConfig):
            raise InvalidArgumentError(f"codec_config must be a CodecConfig, got {codec_config!r}")
        e.codec_config = codec_config._to_core()
    e.filter_desc = filter_desc or ""
    return e


class StreamWriter:
    """Encodes audio and video given as tensors, chunk by chunk, into a file,
    a URL FFmpeg can write, or a file-like object.

    Args:
        dst: A path or URL, or a file-like object with ``write(bytes)``
            (and ``seek``, which formats such as mp4 need; without it,
            write a streamable format: matroska, ogg, adts, mp3, mpegts).
        format: The output format (a muxer or device name, as ffmpeg's
            ``-f``); by default the one ``dst``'s name implies. Needed for
            file objects.
        buffer_size: Bytes gathered before each ``write`` to a file object.

    Example:
        >>> w = StreamWriter("out.mp4")
        >>> w.add_audio_stream(16000, 1)
        >>> w.add_video_stream(30, 320, 240)
        >>> with w.open():
        ...     w.write_audio_chunk(0, torch.zeros(16000, 1))
        ...     w.write_video_chunk(1, torch.zeros(30, 3, 240, 320, dtype=torch.uint8))
    """

    def __init__(self, dst: Destination, format: Optional[str] = None, buffer_size: int = 4096):
        if not isinstance(dst, (str, os.PathLike)) and not hasattr(dst, "write"):
            raise InvalidArgumentError(
                f"dst must be a path or URL, or a file-like object with write(); got {type(dst).__name__}"
            )
        _positive_int(buffer_size, "buffer_size")
        self._be = ext.StreamWriter(dst, format or "", buffer_size)
        self._is_open = False
        # Per stream: ("audio", dtype, channels) or ("video", format, (C, H, W)).
        self._streams: List[Tuple] = []

    def add_audio_stream(
        self,
        sample_rate: int,
        num_channels: int,
        format: str = "flt",
        *,
        encoder: Optional[str] = None,
        encoder_option: Optional[Dict[str, str]] = None,
        encoder_sample_rate: Optional[int] = None,
        encoder_num_channels: Optional[int] = None,
        encoder_format: Optional[str] = None,
        codec_config: Optional[CodecConfig] = None,
        filter_desc: Optional[str] = None,
    ) -> None:
        """Adds an audio stream; its chunks are ``(frames, num_channels)``
        tensors of ``format``'s dtype: u8 (uint8), s16 (int16), s32 (int32),
        s64 (int64), flt (float32) or dbl (float64).

        ``encoder`` defaults to the format's audio codec. The encoder's
        sample format, rate and channel count default to the input's where
        the encoder takes them, else to the encoder's first;
        ``encoder_format``, ``encoder_sample_rate`` and
        ``encoder_num_channels`` choose them. ``encoder_option`` goes to the
        encoder (``{"threads": "0"}`` lets FFmpeg choose; one thread
        otherwise), ``filter_desc`` is an FFmpeg filter chain applied first.
        """
        if format not in _AUDIO_DTYPES:
            raise InvalidArgumentError(
                f"format must be one of {', '.join(_AUDIO_DTYPES)}; got {format!r}"
            )
        o = ext.AudioEncodeOptions()
        o.sample_rate = _positive_int(sample_rate, "sample_rate")
        o.num_channels = _positive_int(num_channels, "num_channels")
        o.format = format
        if encoder_sample_rate is not None:
            o.encoder_sample_rate = _positive_int(encoder_sample_rate, "encoder_sample_rate")
        if encoder_num_channels is not None:
            o.encoder_num_channels = _positive_int(encoder_num_channels, "encoder_num_channels")
        o.encoding = _encoding(encoder, encoder_option, encoder_format, codec_config, filter_desc)
        self._be.add_audio_stream(o)
        self._streams.append(("audio", _AUDIO_DTYPES[format], num_channels))

    def add_video_stream(
        self,
        frame_rate: float,
        width: int,
        height: int,
        format: str = "rgb24",
        *,
        encoder: Optional[str] = None,
        encoder_option: Optional[Dict[str, str]] = None,
        encoder_frame_rate: Optional[float] = None,
        encoder_width: Optional[int] = None,
        encoder_height: Optional[int] = None,
        encoder_format: Optional[str] = None,
        codec_config: Optional[CodecConfig] = None,
        filter_desc: Optional[str] = None,
        hw_accel: Optional[str] = None,
    ) -> None:
        """Adds a video stream; its chunks are ``(frames, channels, height,
        width)`` uint8 tensors: rgb24, bgr24 and yuv444p have 3 channels,
        gray8 one.

        ``encoder`` defaults to the format's video codec, its pixel format
        and frame rate to the input's where it takes them, else its first;
        ``encoder_format`` and ``encoder_frame_rate`` choose them, and
        ``encoder_width``/``encoder_height`` scale the frames. ``hw_accel``
        (CUDA encoding) is not available yet and raises.
        """
        if format not in _VIDEO_FORMATS:
            raise InvalidArgumentError(
                f"format must be one of {', '.join(_VIDEO_FORMATS)}; got {format!r}"
            )
        if isinstance(frame_rate, bool) or not isinstance(frame_rate, Real) or not frame_rate > 0:
            raise InvalidArgumentError(f"frame_rate must be a positive number, got {frame_rate!r}")
        o = ext.VideoEncodeOptions()
        o.frame_rate = float(frame_rate)
        o.width = _positive_int(width, "width")
        o.height = _positive_int(height, "height")
        o.format = format
        if encoder_frame_rate is not None:
            if isinstance(encoder_frame_rate, bool) or not isinstance(encoder_frame_rate, Real):
                raise InvalidArgumentError(f"encoder_frame_rate must be a number, got {encoder_frame_rate!r}")
            o.encoder_frame_rate = float(encoder_frame_rate)
        if encoder_width is not None:
            o.encoder_width = _positive_int(encoder_width, "encoder_width")
        if encoder_height is not None:
            o.encoder_height = _positive_int(encoder_height, "encoder_height")
        o.hw_accel = hw_accel or ""
        o.encoding = _encoding(encoder, encoder_option, encoder_format, codec_config, filter_desc)
        self._be.add_video_stream(o)
        channels = _VIDEO_FORMATS[format][0]
        self._streams.append(("video", format, (channels, height, width)))

    def set_metadata(self, metadata: Dict[str, str]) -> None:
        """Sets the file's metadata (tags such as title or artist); before
        :meth:`open`."""
        self._be.set_metadata(_options(metadata, "metadata"))

    def open(self, option: Optional[Dict[str, str]] = None) -> StreamWriter:
        """Opens the destination and writes the header. ``option`` goes to
        the protocol, the muxer or the device (``{"movflags": "faststart"}``,
        ``{"listen": "1"}``...); one none of them uses raises. Returns the
        writer, which is a context manager that flushes and closes."""
        if not self._is_open:
            self._be.open(_options(option, "option"))
            self._is_open = True
        return self

    def close(self) -> None:
        """Flushes, writes the trailer and closes the destination."""
        if self._is_open:
            self._be.close()
            self._is_open = False

    def flush(self) -> None:
        """Encodes and writes what the filters and encoders still hold. The
        streams take no more chunks after it."""
        self._be.flush()

    def _stream(self, i, kind: str):
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(self._streams):
            raise InvalidArgumentError(
                f"stream index {i!r} is out of range: the writer has {len(self._streams)} stream(s)"
            )
        s = self._streams[i]
        if s[0] != kind:
            raise InvalidArgumentError(f"stream {i} is {s[0]}; use write_{s[0]}_chunk")
        return s

    @staticmethod
    def _pts(pts) -> Optional[float]:
        if pts is None:
            return None
        if isinstance(pts, bool) or not isinstance(pts, Real):
            raise InvalidArgumentError(f"pts must be a number of seconds, got {pts!r}")
        return float(pts)

    def write_audio_chunk(self, i: int, chunk: torch.Tensor, pts: Optional[float] = None) -> None:
        """Writes ``chunk``, ``(frames, channels)`` of the stream's dtype, to
        audio stream ``i``. ``pts`` (seconds) places its first sample,
        rounded to a whole sample; a pts before the end of what the stream
        already holds raises."""
        _, dtype, channels = self._stream(i, "audio")
        if not isinstance(chunk, torch.Tensor):
            raise InvalidArgumentError(f"chunk must be a torch.Tensor, got {type(chunk).__name__}")
        if chunk.dtype != dtype:
            raise InvalidArgumentError(f"audio stream {i} takes {dtype} chunks, got {chunk.dtype}")
        if chunk.dim() != 2 or chunk.shape[1] != channels:
            raise InvalidArgumentError(
                f"audio stream {i} takes (frames, {channels}) chunks, got {tuple(chunk.shape)}"
            )
        data = chunk.detach().as_subclass(torch.Tensor).cpu().contiguous()
        self._be.write_audio_chunk(i, data.__dlpack__(), self._pts(pts))

    def write_video_chunk(self, i: int, chunk: torch.Tensor, pts: Optional[float] = None) -> None:
        """Writes ``chunk``, ``(frames, channels, height, width)`` uint8, to
        video stream ``i``. ``pts`` (seconds) places its first frame, rounded
        to a whole frame; a pts before the end of what the stream already
        holds raises."""
        _, format, shape = self._stream(i, "video")
        if not isinstance(chunk, torch.Tensor):
            raise InvalidArgumentError(f"chunk must be a torch.Tensor, got {type(chunk).__name__}")
        if chunk.dtype != torch.uint8:
            raise InvalidArgumentError(f"video stream {i} takes torch.uint8 chunks, got {chunk.dtype}")
        if chunk.dim() != 4 or tuple(chunk.shape[1:]) != shape:
            raise InvalidArgumentError(
                f"video stream {i} ({format}) takes (frames, {shape[0]}, {shape[1]}, {shape[2]}) "
                f"chunks, got {tuple(chunk.shape)}"
            )
        if chunk.device.type != "cpu":
            raise InvalidArgumentError(
                f"video stream {i} takes CPU tensors (encoding from {chunk.device} is not available yet)"
            )
        data = chunk.detach().as_subclass(torch.Tensor)
        if _VIDEO_FORMATS[format][1]:
            # Packed pixels: (frames, height, width, channels). A channels-last
            # chunk (as StreamReader gives rgb24) is that already: no copy.
            data = data.permute(0, 2, 3, 1)
        self._be.write_video_chunk(i, data.contiguous().__dlpack__(), self._pts(pts))

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.flush()
        self.close()
