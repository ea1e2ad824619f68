"""Dataclasses describing source and output streams."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Dict, List, Optional, Type, TypeVar

import torch


@dataclass
class SourceStream:
    """A stream of the source, as :meth:`StreamReader.get_src_stream_info`
    reports it. Audio and video streams are reported with the subclasses
    :class:`SourceAudioStream` and :class:`SourceVideoStream`."""

    media_type: str
    """``"audio"``, ``"video"``, ``"data"``, ``"subtitle"``, ``"attachment"``,
    or ``""`` when FFmpeg does not know. Still images count as video."""
    codec: str
    """FFmpeg's short codec name, e.g. ``"h264"`` or ``"pcm_s16le"``."""
    codec_long_name: str
    """FFmpeg's descriptive codec name."""
    format: Optional[str]
    """Sample format (``"fltp"``, ``"s16"``, ...) or pixel format
    (``"yuv420p"``, ...); a trailing ``p`` on a sample format means planar.
    ``None`` for streams that are neither audio nor video."""
    bit_rate: Optional[int]
    """Bits per second as the container or codec declares it; may be 0 when
    unknown (variable bit rate). ``None`` for non-audio/video streams."""
    num_frames: Optional[int]
    """Frame count declared by the container; 0 when it declares none."""
    bits_per_sample: Optional[int]
    """Valid bits per raw sample; 0 for many compressed codecs."""
    metadata: Dict[str, str]
    """The stream's metadata tags."""


@dataclass
class SourceAudioStream(SourceStream):
    """An audio stream of the source."""

    sample_rate: float
    """Samples per second."""
    num_channels: int
    """Number of audio channels."""
    start_time: Optional[float] = field(default=None, repr=False)
    """Seconds, as the container states it; None when it does not. Not part
    of torchaudio's API (left out of the repr, which stays torchaudio's)."""
    duration: Optional[float] = field(default=None, repr=False)
    """Seconds, as the container states it; None when it does not. Not part
    of torchaudio's API."""


@dataclass
class SourceVideoStream(SourceStream):
    """A video stream of the source."""

    width: int
    """Frame width in pixels."""
    height: int
    """Frame height in pixels."""
    frame_rate: float
    """Frames per second (the average rate; 0 when unknown)."""
    rotation: float = 0.0
    """Degrees counter-clockwise, in ``(-180, 180]``, by which the stream's
    display matrix turns the stored frames to show them upright (phone
    videos often carry ``90`` or ``-90``); 0 when it has none. The
    value of FFmpeg's ``av_display_rotation_get``, as PyAV's
    ``VideoFrame.rotation`` gives it, but ``180`` for a half turn.
    ``width`` and ``height`` are those of the stored frames, and decoded
    frames come as stored unless the output asks for ``rotate=True``
    (:meth:`StreamReader.add_basic_video_stream`); to turn them yourself,
    ``torch.rot90(chunk, round(rotation / 90), dims=(-2, -1))``. Not part
    of torchaudio's API."""
    start_time: Optional[float] = field(default=None, repr=False)
    """Seconds, as the container states it; None when it does not. Not part
    of torchaudio's API (left out of the repr, which stays torchaudio's)."""
    duration: Optional[float] = field(default=None, repr=False)
    """Seconds, as the container states it; None when it does not."""
    color_range: Optional[str] = field(default=None, repr=False)
    """FFmpeg's name of the colour range: ``"tv"`` (limited) or ``"pc"``
    (full); None when unspecified."""
    color_space: Optional[str] = field(default=None, repr=False)
    """FFmpeg's name of the colour matrix (``"bt709"``, ``"bt470bg"``,
    ...); None when unspecified."""


@dataclass
class ContainerInfo:
    """The source's container, as :meth:`StreamReader.get_container_info`
    reports it. Not part of torchaudio's API."""

    format: str
    """The demuxer's name (``"mov,mp4,m4a,3gp,3g2,mj2"``, ``"matroska,webm"``)."""
    format_long_name: str
    """Its description."""
    start_time: Optional[float]
    """Seconds; None when unknown."""
    duration: Optional[float]
    """Seconds; None when unknown."""
    bit_rate: Optional[int]
    """Bits per second over the whole file; None when unknown."""


@dataclass
class OutputStream:
    """An output configured with ``add_*_stream``, as
    :meth:`StreamReader.get_out_stream_info` reports it."""

    source_index: int
    """Index of the source stream that feeds this output."""
    filter_description: str
    """The filter graph applied between decoder and chunks."""
    media_type: str
    """``"audio"`` or ``"video"``."""
    format: str
    """Sample or pixel format of the chunks, e.g. ``"fltp"`` or ``"rgb24"``."""


@dataclass
class OutputAudioStream(OutputStream):
    """An audio output stream."""

    sample_rate: float
    """Samples per second of the chunks."""
    num_channels: int
    """Channels of the chunks (their second dimension)."""


@dataclass
class OutputVideoStream(OutputStream):
    """A video output stream."""

    width: int
    """Frame width of the chunks in pixels."""
    height: int
    """Frame height of the chunks in pixels."""
    frame_rate: float
    """Frames per second of the output."""


def source_stream_from(info) -> SourceStream:
    """Builds the dataclass for a binding's SourceStreamInfo."""
    common = dict(
        media_type=info.media_type,
        codec=info.codec_name,
        codec_long_name=info.codec_long_name,
        metadata=dict(info.metadata),
    )
    if info.media_type not in ("audio", "video"):
        return SourceStream(
            format=None, bit_rate=None, num_frames=None, bits_per_sample=None,
            **common,
        )
    common.update(
        format=info.format,
        bit_rate=info.bit_rate,
        num_frames=info.num_frames,
        bits_per_sample=info.bits_per_sample,
    )
    times = dict(start_time=info.start_time, duration=info.duration)
    if info.media_type == "audio":
        return SourceAudioStream(
            sample_rate=info.sample_rate, num_channels=info.num_channels, **common, **times
        )
    return SourceVideoStream(
        width=info.width, height=info.height, frame_rate=info.frame_rate,
        rotation=info.rotation, color_range=info.color_range or None,
        color_space=info.color_space or None, **common, **times
    )


def container_info_from(info) -> ContainerInfo:
    """Builds the dataclass for a binding's ContainerInfo."""
    return ContainerInfo(
        format=info.format_name, format_long_name=info.format_long_name,
        start_time=info.start_time, duration=info.duration, bit_rate=info.bit_rate or None,
    )


def output_stream_from(info) -> OutputStream:
    """Builds the dataclass for a binding's OutputStreamInfo."""
    common = dict(
        source_index=info.source_index,
        filter_description=info.filter_description,
        media_type=info.media_type,
        format=info.format,
    )
    if info.media_type == "audio":
        return OutputAudioStream(
            sample_rate=info.sample_rate, num_channels=info.num_channels, **common
        )
    return OutputVideoStream(
        width=info.width, height=info.height, frame_rate=info.frame_rate, **common
    )


@dataclass
class ReaderStats:
    """How a reader is doing, as :meth:`StreamReader.stats` reports it; cheap
    enough to ask for after every chunk. Counts are since the reader opened;
    lists have one entry per output, in output order. Not part of
    torchaudio's API."""

    bytes: int
    """Bytes read from the source (0 for devices that read no bytes)."""
    packets: int
    """Packets read, of the audio and video streams (the others' are not
    read)."""
    frames_decoded: List[int]
    """Decoded frames that reached each output (before its filter)."""
    frames_delivered: List[int]
    """Frames written into each output's chunks (audio: samples)."""
    frames_dropped: List[int]
    """Frames (audio: samples) each output dropped because more than
    ``buffer_chunk_size`` chunks were waiting to be popped: a consumer
    slower than the source sees its losses here."""
    reconnects: int
    """Times a network source that failed, stalled or ended was reopened
    (``reconnect=``)."""
    frames_lost: int
    """Video frames the reconnects' gaps lost, estimated from the
    timestamps on either side and the frame rate."""
    last_error: Optional[str]
    """The message of the last error a call raised, or ``None``."""
    newest_pts: Optional[float]
    """Presentation time (seconds) of the newest frame written."""
    behind_s: Optional[float]
    """For a live source: wall-clock seconds since the first packet minus
    the media time that came since, i.e. how far behind real time the
    reader is (around 0 when it keeps up)."""


def reader_stats_from(s) -> ReaderStats:
    """Converts the binding's stats."""
    return _from_binding(ReaderStats, s)


@dataclass
class SeekCounters:
    """What the last :meth:`StreamReader.seek` cost, for tests and tuning;
    before any seek, counts since the reader opened. Not part of
    torchaudio's API."""

    demuxer_seeks: int
    """Demuxer seeks made for it: more than 1 when the demuxer landed after
    the target and the reader went further back."""
    packets_read: int
    """Packets read since."""
    frames_decoded: int
    """Frames decoded since."""
    frames_dropped: int
    """Frames the outputs dropped before the target."""
    invalid_packets_skipped: int
    """Packets a decoder failed on before its first frame and skipped (e.g.
    pieces of MP2 frames after a seek into MPEG-PS)."""


def seek_counters_from(c) -> SeekCounters:
    """Converts the binding's seek counters."""
    return _from_binding(SeekCounters, c)


_T = TypeVar("_T")


def _from_binding(cls: Type[_T], value) -> _T:
    """The dataclass ``cls`` from the binding's object of the same fields
    (the field list is declared once, in the dataclass; a field the binding
    lacks fails here, and the tests compare the two lists)."""
    return cls(**{f.name: getattr(value, f.name) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass
class FrameIndex:
    """Every frame of a video stream in presentation order, as
    :meth:`StreamReader.get_frame_index` finds it by reading the stream's
    packets. ``num_frames`` is the exact frame count, where
    ``SourceVideoStream.num_frames`` is what the container's header
    declares (torchaudio's meaning, kept). Not part of torchaudio's API."""

    pts: torch.Tensor
    """float64 ``(num_frames,)``: each frame's presentation time in seconds,
    ascending, equal to the ``frame_pts`` chunks carry."""
    duration: torch.Tensor
    """float64 ``(num_frames,)``: each frame's duration in seconds as the
    container gives it (else until the next frame)."""
    key_frame: torch.Tensor
    """bool ``(num_frames,)``: whether the frame is a key frame, one a
    decoder can start from."""
    decoded: bool
    """Whether the packets could not tell the frames, so that the stream
    was decoded once to find them: packets without pts (AVI with B-frames),
    or a stream cut mid-GOP whose first frames the decoder drops."""

    @property
    def num_frames(self) -> int:
        """The exact number of frames of the stream."""
        return int(self.pts.shape[0])

    def __len__(self) -> int:
        return self.num_frames


def frame_index_from(info) -> FrameIndex:
    """Converts the binding's FrameIndexInfo."""
    return FrameIndex(
        pts=torch.tensor(info.pts, dtype=torch.float64),
        duration=torch.tensor(info.duration, dtype=torch.float64),
        key_frame=torch.tensor(info.key_frame, dtype=torch.bool),
        decoded=bool(info.decoded),
    )
