"""What one source of a dataset becomes: the items that
:class:`ffstream.data.MediaDataset` and :func:`ffstream.ray.read_media` yield,
and what happens when the source is bad. Both engines call :func:`read_items`,
so a source decodes the same way in a DataLoader worker and in a Ray task."""

from __future__ import annotations

import inspect
import logging
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Union

import torch

from . import utils
from ._errors import InvalidArgumentError, NotSupportedError
from ._info import OutputAudioStream
from ._stream_reader import StreamReader

_log = logging.getLogger("ffstream.data")

Item = Dict[str, Any]
ErrorPolicy = Union[str, Callable[[int, Any, BaseException], None]]

_CHUNKING = ("frames_per_chunk", "seconds_per_chunk", "buffer_chunk_size")
_READER_KEYS = ("format", "option", "safe", "timeout")
_AUDIO_CLIP_CHUNK = 8192  # samples per chunk while collecting a clip's audio


@dataclass(frozen=True)
class Skipped:
    """A source that was skipped: its position in the list, the entry as
    given, and the error (its type name and message)."""

    index: int
    source: Any
    error: str


@dataclass
class ItemSpec:
    """How every source is decoded, checked once when the dataset is made.

    ``video`` and ``audio`` are keyword arguments of
    :meth:`StreamReader.add_basic_video_stream` and
    :meth:`StreamReader.add_basic_audio_stream`; ``reader`` those of the
    :class:`StreamReader` constructor (format, option, safe, timeout).
    """

    video: Optional[Dict[str, Any]] = None
    audio: Optional[Dict[str, Any]] = None
    clip_frames: Optional[int] = None
    clips_per_source: int = 1
    clip_sampling: str = "uniform"
    frame_step: int = 1
    seed: int = 0
    reader: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.video is None and self.audio is None:
            raise InvalidArgumentError("give video=, audio= or both (dicts of add_basic_*_stream arguments)")
        for name, method in (("video", StreamReader.add_basic_video_stream),
                             ("audio", StreamReader.add_basic_audio_stream)):
            options = getattr(self, name)
            if options is None:
                continue
            if not isinstance(options, dict):
                raise InvalidArgumentError(
                    f"{name}= must be a dict of {method.__name__} arguments, got {options!r}"
                )
            _check_arguments(name, method, options)
            _try_options(name, options)
        demuxer = self.reader.get("format")
        if demuxer is not None and demuxer not in _input_format_names():
            raise InvalidArgumentError(f"format={demuxer!r} is neither a demuxer nor an input device")
        for key in self.reader:
            if key not in _READER_KEYS:
                raise InvalidArgumentError(
                    f"unknown reader argument {key!r}; allowed: {', '.join(_READER_KEYS)}"
                )
        if self.clip_frames is None:
            self._check_chunking()
        else:
            self._check_clips()
        if self.clip_sampling not in ("uniform", "random"):
            raise InvalidArgumentError(
                f"clip_sampling must be 'uniform' or 'random', got {self.clip_sampling!r}"
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise InvalidArgumentError(f"seed must be an int, got {self.seed!r}")

    def _check_chunking(self) -> None:
        for name in ("video", "audio"):
            options = getattr(self, name)
            if options is not None and not {"frames_per_chunk", "seconds_per_chunk"} & options.keys():
                raise InvalidArgumentError(
                    f"{name}= needs frames_per_chunk or seconds_per_chunk (frames_per_chunk=-1 for the whole "
                    "stream as one tensor), or give clip_frames= for clips"
                )

    def _check_clips(self) -> None:
        for name, value in (("clip_frames", self.clip_frames), ("clips_per_source", self.clips_per_source),
                            ("frame_step", self.frame_step)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidArgumentError(f"{name} must be a positive int, got {value!r}")
        if self.video is None:
            raise InvalidArgumentError("clip_frames= counts video frames: give video= too")
        for name in ("video", "audio"):
            options = getattr(self, name) or {}
            given = [k for k in (*_CHUNKING, "frame_rate") if k in options]
            if given:
                raise InvalidArgumentError(
                    f"with clip_frames, {name}= takes no {', '.join(given)}: a clip's length sets the "
                    "chunking, and its frames are the decoded ones (frame_step= thins them)"
                )

    @property
    def clip_span(self) -> int:
        """Frames from the first to the last frame of a clip, both included."""
        assert self.clip_frames is not None
        return (self.clip_frames - 1) * self.frame_step + 1


def _input_format_names() -> set:
    """Every name FFmpeg takes for an input format ("matroska,webm" is
    both "matroska" and "webm")."""
    listed = [*utils.get_demuxers(), *utils.get_input_devices()]
    return {name for names in listed for name in names.split(",")}


# Sources every FFmpeg build has, to try output options on before any file.
_PROBES = {
    "video": "testsrc2=size=32x24:rate=10:duration=0.2",
    "audio": "sine=frequency=440:sample_rate=8000:duration=0.2",
}


def _try_options(name: str, options: Dict[str, Any]) -> None:
    """Adds the output to a lavfi source, so that options that every source
    would refuse (a format, size, rate or decoder that does not exist,
    hw_accel) raise when the dataset is made instead of skipping every
    file. What depends on the file (its streams, its codec's options) is
    left to each source."""
    if options.get("hw_accel") is not None:
        # Workers are forked processes, where CUDA cannot be initialised
        # again; GPU decoding belongs in the process that owns the device.
        raise NotSupportedError(
            f"{name}=: hw_accel is not supported in datasets (DataLoader workers cannot "
            "share the GPU's context); decode on the GPU with StreamReader in the main process"
        )
    decoder = options.get("decoder")
    if decoder is not None:
        known = utils.get_video_decoders() if name == "video" else utils.get_audio_decoders()
        if decoder not in known:
            raise InvalidArgumentError(f"{name}=: unknown decoder {decoder!r}")
    probe: Dict[str, Any] = {
        k: v for k, v in options.items() if k not in ("stream_index", "decoder", "decoder_option")
    }
    if "frames_per_chunk" not in probe and "seconds_per_chunk" not in probe:
        probe["frames_per_chunk"] = 1  # clips: any chunking will do
    with StreamReader(_PROBES[name], format="lavfi") as reader:
        add = reader.add_basic_video_stream if name == "video" else reader.add_basic_audio_stream
        try:
            add(**probe)
        except InvalidArgumentError as error:
            raise InvalidArgumentError(f"{name}=: {error}") from None


def _check_arguments(name: str, method, options: Dict[str, Any]) -> None:
    """An unknown keyword fails when the dataset is made, not in a worker."""
    try:
        inspect.signature(method).bind(None, **options)
    except TypeError as error:
        raise InvalidArgumentError(f"{name}=: {error} (arguments of {method.__name__})") from None


def read_items(source: Any, index: int, spec: ItemSpec, epoch: int = 0) -> Iterator[Item]:
    """The items of one source, decoded as ``spec`` says. Raises what the
    reader raises; the caller applies the error policy."""
    if spec.clip_frames is None:
        yield from _chunk_items(source, index, spec)
    else:
        yield from _clip_items(source, index, spec, epoch)


def _chunk_items(source: Any, index: int, spec: ItemSpec) -> Iterator[Item]:
    with StreamReader(source, **spec.reader) as reader:
        names = _add_outputs(reader, spec.video, spec.audio)
        given = [o for o in (spec.video, spec.audio) if o is not None]
        if all(o.get("frames_per_chunk") == -1 for o in given):
            reader.process_all_packets()
            batches = [reader.pop_chunks()]
        else:
            batches = reader.stream()  # type: ignore[assignment]
        for number, chunks in enumerate(batches):
            item: Item = {"source": source, "index": index, "chunk": number}
            for name, chunk in zip(names, chunks):
                _put(item, name, chunk)
            yield item


def _add_outputs(reader: StreamReader, video, audio) -> List[str]:
    """Adds the outputs, video first; returns their names in output order."""
    names = []
    if video is not None:
        reader.add_basic_video_stream(**_whole_stream_default(video))
        names.append("video")
    if audio is not None:
        reader.add_basic_audio_stream(**_whole_stream_default(audio))
        names.append("audio")
    return names


def _whole_stream_default(options: Dict[str, Any]) -> Dict[str, Any]:
    """A whole stream as one tensor must keep every chunk it buffers."""
    if options.get("frames_per_chunk") == -1 and "buffer_chunk_size" not in options:
        return {**options, "buffer_chunk_size": -1}
    return options


def _put(item: Item, name: str, chunk) -> None:
    """Stores a chunk as plain tensors (they cross process boundaries and
    collate as tensors): the data, its pts and, for video, every frame's pts."""
    if chunk is None:
        item[name], item[f"{name}_pts"] = None, None
        if name == "video":
            item["video_frame_pts"] = None
        return
    item[name] = chunk._elem
    item[f"{name}_pts"] = chunk.pts
    if name == "video":
        item["video_frame_pts"] = chunk.frame_pts


def clip_starts(num_frames: int, spec: ItemSpec, index: int, epoch: int) -> List[int]:
    """First frame of every clip of a source of ``num_frames`` frames.
    ``uniform``: evenly spaced from frame 0 to the last start that fits;
    ``random``: drawn from a generator seeded by (seed, epoch, index), so a
    source gets the same clips wherever and whenever it is read in an epoch."""
    last = num_frames - spec.clip_span
    if last < 0:
        raise InvalidArgumentError(
            f"the source has {num_frames} video frames; a clip of {spec.clip_frames} frames "
            f"{spec.frame_step} apart needs {spec.clip_span}"
        )
    count = spec.clips_per_source
    if spec.clip_sampling == "random":
        rng = random.Random(f"{spec.seed}/{epoch}/{index}")
        return sorted(rng.randint(0, last) for _ in range(count))
    if count == 1:
        return [0]
    return [round(k * last / (count - 1)) for k in range(count)]


def _clip_items(source: Any, index: int, spec: ItemSpec, epoch: int) -> Iterator[Item]:
    with StreamReader(source, **spec.reader) as reader:
        reader.add_basic_video_stream(1, -1, **spec.video)  # type: ignore[arg-type]
        num_frames = len(reader.get_frame_index(spec.video.get("stream_index")))  # type: ignore[union-attr]
        starts = clip_starts(num_frames, spec, index, epoch)
        audio = _ClipAudio(source, spec) if spec.audio is not None else None
        try:
            for number, start in enumerate(starts):
                frames = reader.get_frames_at(range(start, start + spec.clip_span, spec.frame_step))
                item: Item = {"source": source, "index": index, "clip": number, "start_frame": start}
                _put(item, "video", frames)
                if audio is not None:
                    times, durations = frames.frame_pts, frames.frame_duration
                    assert times is not None and durations is not None  # video chunks have them
                    begin, end = float(times[0]), float(times[-1] + durations[-1])
                    item["audio"], item["audio_pts"] = audio.between(begin, end)
                yield item
        finally:
            if audio is not None:
                audio.close()


class _ClipAudio:
    """The audio presented while a clip's frames are shown, from a second
    reader of the same source: it seeks to the clip's first frame, sample
    exactly, and takes the samples of the clip's duration."""

    def __init__(self, source: Any, spec: ItemSpec):
        self._reader = StreamReader(source, **spec.reader)
        self._reader.add_basic_audio_stream(_AUDIO_CLIP_CHUNK, -1, **spec.audio)  # type: ignore[arg-type]
        info = self._reader.get_out_stream_info(0)
        assert isinstance(info, OutputAudioStream)
        self._rate = info.sample_rate

    def between(self, begin: float, end: float):
        self._reader.seek(begin, "precise")
        wanted = max(0, round((end - begin) * self._rate))
        parts: List[torch.Tensor] = []
        pts: Optional[float] = None
        got = 0
        for (chunk,) in self._reader.stream():
            if chunk is None:
                continue
            if pts is None:
                pts = chunk.pts
            parts.append(chunk._elem)
            got += chunk.shape[0]
            if got >= wanted:
                break
        if not parts:
            raise InvalidArgumentError(
                f"the audio stream has no samples between {begin:.6f} s and {end:.6f} s"
            )
        return torch.cat(parts)[:wanted], pts

    def close(self) -> None:
        self._reader.close()


def check_error_policy(on_error: ErrorPolicy) -> None:
    if on_error not in ("skip", "raise") and not callable(on_error):
        raise InvalidArgumentError(f"on_error must be 'skip', 'raise' or a callable, got {on_error!r}")


def dataset_spec(
    sources, on_error: ErrorPolicy, *, format, option, safe, timeout, **decoding: Any
) -> ItemSpec:
    """The checks and the ItemSpec that MediaDataset and read_media share:
    ``decoding`` holds video, audio and the clip arguments, the rest goes to
    every reader."""
    if isinstance(sources, (str, bytes)) or not hasattr(sources, "__len__"):
        raise InvalidArgumentError(f"sources must be a list of sources, got {type(sources).__name__}")
    check_error_policy(on_error)
    reader = {"format": format, "option": option, "safe": safe, "timeout": timeout}
    return ItemSpec(reader=reader, **decoding)


def items_or_skip(
    source: Any, index: int, spec: ItemSpec, epoch: int, on_error: ErrorPolicy,
    skipped: Optional[List[Skipped]] = None,
) -> Iterator[Item]:
    """The items of one source under the error policy: ``"raise"`` lets the
    error out; ``"skip"`` logs it (logger ``ffstream.data``) and records it
    in ``skipped``; a callable is called with (index, source, error). Items
    yielded before a mid-file error stay yielded."""
    try:
        yield from read_items(source, index, spec, epoch)
    except Exception as error:  # noqa: BLE001 (a bad file must not end the epoch)
        if on_error == "raise":
            raise
        if callable(on_error):
            on_error(index, source, error)
            return
        record = Skipped(index, source, f"{type(error).__name__}: {error}")
        if skipped is not None:
            skipped.append(record)
        _log.warning("skipped source %d (%s): %s", index, describe(source), record.error)


def describe(source: Any) -> str:
    """A short name for a source in messages: a path as written, bytes by size."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"{len(source)} bytes"
    text = str(source)
    return text if len(text) <= 200 else text[:200] + "..."


def shard(count: int, shard_index: int, shard_count: int, order: Optional[Sequence[int]] = None) -> List[int]:
    """Positions of the sources one shard reads: every ``shard_count``-th of
    ``order`` (all positions in list order if not given), starting at
    ``shard_index``. The shards of one order cover every source once."""
    positions = list(range(count)) if order is None else list(order)
    return positions[shard_index::shard_count]
