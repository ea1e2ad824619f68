"""FilterGraph: FFmpeg's filters on tensors held in memory (what torchaudio's
AudioEffector did, and complex graphs with several inputs and outputs), and
apply_audio_effect, its one-line form for a waveform."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral, Real
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch

from ._chunk import ChunkTensor, chunk_from
from ._errors import FFStreamError, InvalidArgumentError
from ._extension import ext

__all__ = ["AudioInput", "VideoInput", "FilterOutput", "FilterGraph", "apply_audio_effect"]

# What inputs take, from the core's format table: sample format -> dtype
# (packed and planar), pushable pixel format -> channels.
_AUDIO_DTYPES = {name: getattr(torch, dtype) for name, dtype in ext.pushable_sample_formats()}
# Samples per push when process() interleaves inputs: what FFmpeg's PCM
# demuxers give the ffmpeg command.
_AUDIO_PIECE = 1024
_VIDEO_CHANNELS = dict(ext.pushable_pixel_formats())


@dataclass(frozen=True)
class AudioInput:
    """An audio input of a :class:`FilterGraph`: tensors ``(frames,
    channels)`` pushed into it have this rate, channel count and sample
    format (any of FFmpeg's 12: ``"u8"``, ``"s16"``, ``"s32"``, ``"s64"``,
    ``"flt"``, ``"dbl"`` and their planar ``...p`` forms; the tensor's dtype
    must match, its layout is always ``(frames, channels)``).
    ``channel_layout`` is FFmpeg's name (``"stereo"``, ``"5.1"``); by
    default FFmpeg's usual layout for the channel count."""

    sample_rate: int
    num_channels: int = 1
    format: str = "flt"
    channel_layout: Optional[str] = None


@dataclass(frozen=True)
class VideoInput:
    """A video input of a :class:`FilterGraph`: uint8 tensors ``(N, C, H,
    W)`` of this size and pixel format (``"rgb24"``, ``"bgr24"``,
    ``"gray"``, ``"rgba"``, ``"argb"``, ``"bgra"``, ``"abgr"``), shown at
    ``frame_rate`` frames per second."""

    width: int
    height: int
    frame_rate: Union[int, float, Fraction] = 30
    format: str = "rgb24"


@dataclass(frozen=True)
class FilterOutput:
    """What an output of a :class:`FilterGraph` gives: its label (``""``
    when the description leaves it unlabeled), ``"audio"`` or ``"video"``,
    the chunks' format, and the rate, channels or size of what comes out."""

    name: str
    media_type: str
    format: str
    sample_rate: Optional[int] = None
    num_channels: Optional[int] = None
    width: Optional[int] = None
    height: Optional[int] = None
    frame_rate: Optional[float] = None


Input = Union[AudioInput, VideoInput]


class FilterGraph:
    """An FFmpeg filter graph that tensors are pushed into and pulled out of.

    Args:
        description: FFmpeg's filter graph syntax. A simple chain
            (``"atempo=1.25,aecho=0.8:0.9:100:0.3"``) has one unlabeled
            input and output; a complex graph names them with labels
            (``"[a][b]amix=inputs=2[mixed]"``,
            ``"[v]split=2[big][small];[small]scale=64:48[thumb]"``).
        inputs: The graph's inputs: one :class:`AudioInput` or
            :class:`VideoInput` for a graph with one input, or a dict from
            label to input. Every open input of the description must be
            given, else :class:`~ffstream.InvalidArgumentError` names the
            labels on both sides.
        safe: Refuse filters that read or write files, load libraries or
            use the network (``movie``, ``amovie``, ``subtitles``,
            ``sendcmd``, ``lut3d`` with a file, ``zmq``, ...), for graphs
            that come from untrusted users.

    Outputs are numbered in the order the description leaves them open
    (see :attr:`outputs`); :meth:`pull` takes an index or a label.
    Filter state is kept between pushes, so a long signal pushed in pieces
    gives what it gives pushed at once.

    Example:
        >>> graph = FilterGraph("atempo=1.25", AudioInput(16000, 1))
        >>> for piece in waveform.split(16000):
        ...     graph.push(piece)
        ...     out = graph.pull()           # None while the filter buffers
        >>> graph.end()
        >>> rest = graph.pull()
    """

    def __init__(self, description: str, inputs: Union[Input, Mapping[str, Input]], *, safe: bool = False):
        if not isinstance(description, str) or not description.strip():
            raise InvalidArgumentError(f"description must be a filter graph string, got {description!r}")
        if isinstance(inputs, (AudioInput, VideoInput)):
            named: Dict[str, Input] = {"": inputs}
        elif isinstance(inputs, Mapping):
            named = dict(inputs)
        else:
            raise InvalidArgumentError(
                f"inputs must be an AudioInput, a VideoInput or a dict of them, got {type(inputs).__name__}"
            )
        specs = [_spec(name, value) for name, value in named.items()]
        self._be = ext.FrameFilter(description, specs, bool(safe))
        self._inputs: List[Input] = []
        for i in range(self._be.num_inputs()):
            name = self._be.input_name(i)
            self._inputs.append(named[name])
        self._input_names = [self._be.input_name(i) for i in range(self._be.num_inputs())]
        self.outputs: List[FilterOutput] = [
            _output(self._be.output(j)) for j in range(self._be.num_outputs())
        ]
        """The graph's outputs, in index order."""
        self.description = description
        self._limit = float("inf")  # what process() lets an output give

    @property
    def input_names(self) -> List[str]:
        """Labels of the inputs, in index order (``""`` when unlabeled)."""
        return list(self._input_names)

    def push(self, tensor: torch.Tensor, input: Union[int, str] = 0, *, pts: Optional[float] = None) -> None:
        """Pushes frames into an input: audio ``(frames, channels)`` of the
        input's dtype, video uint8 ``(N, C, H, W)`` (or one ``(C, H, W)``
        image). ``pts`` (seconds) is the time of the first frame; by default
        frames follow what was pushed before, from 0. The data is copied."""
        i = self._input_index(input)
        spec = self._inputs[i]
        data, count = _frames(tensor, spec, self._input_names[i] or str(i))
        self._be.push(i, data, count, None if pts is None else _seconds(pts))

    def end(self, input: Union[int, str, None] = None) -> None:
        """Tells an input (every input if ``None``) that no more frames
        come, so that the graph gives what it still holds."""
        indices = range(len(self._inputs)) if input is None else [self._input_index(input)]
        for i in indices:
            self._be.close(i)

    def pull(self, output: Union[int, str] = 0) -> Optional[ChunkTensor]:
        """Everything an output has ready, as one chunk (``None`` when
        nothing is): audio ``(frames, channels)``, video ``(N, C, H, W)``
        with ``frame_pts``; ``pts`` in seconds, on the inputs' timeline."""
        chunk = self._be.pull(self._output_index(output))
        return None if chunk is None else chunk_from(chunk)

    def finished(self, output: Union[int, str] = 0) -> bool:
        """Whether an output has given everything it will (after :meth:`end`)."""
        return self._be.finished(self._output_index(output))

    def process(
        self, *tensors: torch.Tensor, max_seconds: Optional[float] = None
    ) -> Union[Optional[ChunkTensor], List[Optional[ChunkTensor]]]:
        """One-shot use: pushes one tensor into each input (in index order),
        ends them and returns everything every output gives: for a graph
        with one output its chunk, else a list with one per output (``None``
        for an output that gave nothing).

        ``max_seconds`` bounds what an output may give (by default 100
        times the longest input plus 60 s): a filter whose output never
        ends (``apad``, ``aloop=-1``) raises instead of filling memory."""
        if len(tensors) != len(self._inputs):
            raise InvalidArgumentError(
                f"process() needs one tensor per input ({len(self._inputs)}), got {len(tensors)}"
            )
        if max_seconds is None:
            longest = max((self._seconds_of(i, t) for i, t in enumerate(tensors)), default=0.0)
            max_seconds = 100 * longest + 60
        self._limit = _seconds(max_seconds)
        pulled: List[List[ChunkTensor]] = [[] for _ in self.outputs]
        if len(tensors) == 1:
            self.push(tensors[0])
        else:
            self._push_interleaved(tensors, pulled)
        self.end()
        self._pull_into(pulled)
        results = [_join(chunks) for chunks in pulled]
        return results[0] if len(results) == 1 else results  # type: ignore[return-value]

    def _push_interleaved(self, tensors, pulled: List[List[ChunkTensor]]) -> None:
        """Several inputs go in as the ffmpeg command feeds them: piece by
        piece in time order, the graph running after each, and each input
        ended at its own end time, on its own. A filter such as amix decides
        what to do when an input ends by what it has seen of the others by
        then, so this gives what the command gives."""
        # (time, 0 for a piece or 1 for an end, input, piece)
        events: List[Tuple[float, int, int, Optional[torch.Tensor]]] = []
        for i, tensor in enumerate(tensors):
            spec = self._inputs[i]
            tensor = _checked(tensor, spec, self._input_names[i] or str(i))
            step, rate = ((_AUDIO_PIECE, spec.sample_rate) if isinstance(spec, AudioInput)
                          else (1, float(Fraction(spec.frame_rate))))
            events += [(k / rate, 0, i, tensor[k:k + step]) for k in range(0, tensor.shape[0], step)]
            events.append((tensor.shape[0] / rate, 1, i, None))
        for _, is_end, i, piece in sorted(events, key=lambda e: e[:3]):
            if is_end:
                self._be.close(i)
            elif piece is not None:
                self.push(piece, i)
            self._pull_into(pulled)

    def _pull_into(self, pulled: List[List[ChunkTensor]]) -> None:
        for j, chunks in enumerate(pulled):
            while (chunk := self.pull(j)) is not None:
                chunks.append(chunk)
                if _end_of(chunk, self.outputs[j]) > self._limit:
                    raise FFStreamError(
                        f"output {j} of filter graph {self.description!r} gave more than "
                        f"{self._limit:g} s; a filter whose output never ends (apad, aloop=-1, "
                        "a source filter) needs an end (apad=whole_len=...), or pass max_seconds="
                    )

    def _seconds_of(self, i: int, tensor) -> float:
        spec = self._inputs[i]
        frames = tensor.shape[0] if isinstance(tensor, torch.Tensor) and tensor.dim() > 0 else 0
        if isinstance(spec, AudioInput):
            return frames / spec.sample_rate
        return frames / float(Fraction(spec.frame_rate))

    def _input_index(self, key: Union[int, str]) -> int:
        return _index(key, self._input_names, "input")

    def _output_index(self, key: Union[int, str]) -> int:
        return _index(key, [o.name for o in self.outputs], "output")


def apply_audio_effect(
    waveform: torch.Tensor,
    sample_rate: int,
    effect: str,
    *,
    channel_layout: Optional[str] = None,
) -> torch.Tensor:
    """Applies an FFmpeg audio filter chain to a waveform at once.

    Args:
        waveform: ``(frames, channels)`` tensor of uint8, int16, int32,
            int64, float32 or float64 samples.
        sample_rate: Its sample rate.
        effect: The filter chain, e.g. ``"atempo=1.25,aecho=0.8:0.9:100:0.3"``.
        channel_layout: FFmpeg's name for the channels' layout; by default
            FFmpeg's usual one for the channel count.

    Returns:
        The filtered ``(frames, channels)`` tensor, in the sample format,
        rate and layout the chain gives (a chain that resamples says so:
        ``"aresample=8000"``).
    """
    if not isinstance(waveform, torch.Tensor) or waveform.dim() != 2:
        raise InvalidArgumentError(
            f"waveform must be a (frames, channels) tensor, got {_describe(waveform)}"
        )
    fmt = _audio_format(waveform.dtype)
    graph = FilterGraph(effect, AudioInput(sample_rate, waveform.shape[1], fmt, channel_layout))
    if len(graph.outputs) != 1 or graph.outputs[0].media_type != "audio":
        raise InvalidArgumentError(f"effect {effect!r} must have one audio output")
    out = graph.process(waveform)
    if out is None or isinstance(out, list):
        return torch.empty((0, graph.outputs[0].num_channels or 0), dtype=waveform.dtype)
    return out._elem


# ---- checks and conversions ----


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or not 0 < int(value) < 2**31:
        raise InvalidArgumentError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _spec(name: str, value) -> dict:
    if not isinstance(name, str):
        raise InvalidArgumentError(f"input labels must be strings, got {name!r}")
    if isinstance(value, AudioInput):
        if value.format not in _AUDIO_DTYPES:
            raise InvalidArgumentError(f"unknown sample format {value.format!r} for input {name!r}")
        return {
            "name": name, "video": False, "format": value.format,
            "sample_rate": _positive_int("sample_rate", value.sample_rate),
            "num_channels": _positive_int("num_channels", value.num_channels),
            "channel_layout": value.channel_layout or "",
        }
    if isinstance(value, VideoInput):
        if value.format not in _VIDEO_CHANNELS:
            raise InvalidArgumentError(
                f"pixel format {value.format!r} of input {name!r} cannot be pushed; "
                f"use one of {', '.join(_VIDEO_CHANNELS)}"
            )
        rate = value.frame_rate
        if isinstance(rate, bool) or not isinstance(rate, (Real, Fraction)) or not (0 < rate < 2**31):
            raise InvalidArgumentError(f"frame_rate must be a positive number, got {rate!r}")
        fraction = Fraction(rate).limit_denominator(1001 * 1000)
        return {
            "name": name, "video": True, "format": value.format,
            "width": _positive_int("width", value.width), "height": _positive_int("height", value.height),
            "frame_rate_num": fraction.numerator, "frame_rate_den": fraction.denominator,
        }
    raise InvalidArgumentError(
        f"input {name!r} must be an AudioInput or a VideoInput, got {type(value).__name__}"
    )


def _audio_format(dtype: torch.dtype) -> str:
    for name, d in _AUDIO_DTYPES.items():
        if d == dtype:
            return name
    dtypes = dict.fromkeys(_AUDIO_DTYPES.values())
    raise InvalidArgumentError(f"audio samples must be one of {', '.join(map(str, dtypes))}, "
                               f"got {dtype}")


def _checked(tensor, spec: Input, where: str) -> torch.Tensor:
    """The tensor if it fits the input (one video image becomes a batch of
    one); raises naming the input otherwise."""
    if not isinstance(tensor, torch.Tensor):
        raise InvalidArgumentError(f"input {where}: expected a tensor, got {type(tensor).__name__}")
    if tensor.device.type != "cpu":
        raise InvalidArgumentError(f"input {where}: tensors must be on the CPU, got {tensor.device}")
    if isinstance(spec, AudioInput):
        want = _AUDIO_DTYPES[spec.format]
        if tensor.dim() != 2 or tensor.shape[1] != spec.num_channels or tensor.dtype != want:
            raise InvalidArgumentError(
                f"input {where}: expected a {want} tensor (frames, {spec.num_channels}), "
                f"got {_describe(tensor)}"
            )
        return tensor
    if tensor.dim() == 3:
        tensor = tensor.unsqueeze(0)
    channels = _VIDEO_CHANNELS[spec.format]
    if (tensor.dim() != 4 or tensor.dtype != torch.uint8
            or tuple(tensor.shape[1:]) != (channels, spec.height, spec.width)):
        raise InvalidArgumentError(
            f"input {where}: expected a uint8 tensor (N, {channels}, {spec.height}, {spec.width}), "
            f"got {_describe(tensor)}"
        )
    return tensor


def _frames(tensor, spec: Input, where: str):
    """The contiguous bytes the core reads, and how many frames they hold."""
    tensor = _checked(tensor, spec, where)
    if isinstance(spec, AudioInput):
        planar = spec.format.endswith("p")
        data = tensor.t().contiguous() if planar else tensor.contiguous()
        return data.numpy(), tensor.shape[0]
    # Packed pixels: (N, H, W, C) memory, which a channels_last tensor has already.
    return tensor.permute(0, 2, 3, 1).contiguous().numpy(), tensor.shape[0]


def _seconds(pts) -> float:
    if isinstance(pts, bool) or not isinstance(pts, Real) or not math.isfinite(pts):
        raise InvalidArgumentError(f"pts must be a finite number of seconds, got {pts!r}")
    return float(pts)


def _index(key, names: Sequence[str], what: str) -> int:
    if isinstance(key, str):
        if key not in names:
            labels = ", ".join(repr(n) for n in names)
            raise InvalidArgumentError(f"no {what} labeled {key!r}; the graph's {what}s are {labels}")
        return names.index(key)
    if isinstance(key, bool) or not isinstance(key, Integral):
        raise InvalidArgumentError(f"{what} must be an index or a label, got {key!r}")
    if not 0 <= int(key) < len(names):
        raise IndexError(f"{what} {key} does not exist; the graph has {len(names)}")
    return int(key)


def _end_of(chunk: ChunkTensor, output: FilterOutput) -> float:
    """Where a chunk ends, in seconds."""
    if chunk.frame_pts is not None:
        return float(chunk.frame_pts[-1])
    return chunk.pts + chunk.shape[0] / (output.sample_rate or 1)


def _output(info) -> FilterOutput:
    if info.video:
        return FilterOutput(info.name, "video", info.format, width=info.width, height=info.height,
                            frame_rate=info.frame_rate or None)
    return FilterOutput(info.name, "audio", info.format, sample_rate=info.sample_rate,
                        num_channels=info.num_channels)


def _join(chunks: List[ChunkTensor]) -> Optional[ChunkTensor]:
    """Chunks of one output, in order, as one chunk."""
    if not chunks:
        return None
    if len(chunks) == 1:
        return chunks[0]
    data = torch.cat([c._elem for c in chunks])
    if chunks[0].frame_pts is None:
        return ChunkTensor(data, chunks[0].pts)
    return ChunkTensor(data, chunks[0].pts, torch.cat([c.frame_pts for c in chunks]),  # type: ignore[misc]
                       torch.cat([c.frame_duration for c in chunks]))  # type: ignore[misc]


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"{value.dtype} {tuple(value.shape)}"
    return type(value).__name__
