"""AudioEffector: torchaudio's filters-and-codec round trip on waveforms,
in memory, built on StreamWriter (encoding, with the effect as its filter)
and StreamReader (decoding back to the input's sample format)."""

from __future__ import annotations

import io
from numbers import Integral
from typing import Iterator, List, Optional, Tuple

import torch

from . import utils
from ._errors import InvalidArgumentError
from ._stream_reader import StreamReader
from ._stream_writer import CodecConfig, StreamWriter

# The dtypes a waveform may have: FFmpeg's sample format for each, and the
# raw PCM format that carries it when no codec is asked for.
_FORMATS = {
    torch.uint8: ("u8", "u8"),
    torch.int16: ("s16", "s16le"),
    torch.int32: ("s32", "s32le"),
    torch.float32: ("flt", "f32le"),
    torch.float64: ("dbl", "f64le"),
}
# Formats with no header: the reader is told the rate and channels.
_HEADERLESS = {"mulaw", "alaw", "u8", "s16le", "s32le", "f32le", "f64le"}
# Muxers whose demuxer has another name.
_DEMUXER_OF = {"adts": "aac"}


def _demuxer(muxer: str) -> Optional[str]:
    """The demuxer that reads what `muxer` wrote, or None to let FFmpeg
    probe (a muxer with no demuxer of its name)."""
    name = _DEMUXER_OF.get(muxer, muxer)
    return name if name in utils.get_demuxers() else None


class _Pipe:
    """Bytes a StreamWriter writes, handed to a StreamReader as it reads
    them: the writer encodes the next slice of the waveform whenever the
    reader needs more, so neither side holds the whole encoded stream."""

    def __init__(self, waveform: torch.Tensor, make_writer, frames_per_chunk: int):
        self._waveform = waveform
        self._step = frames_per_chunk
        self._next = 0
        self._pending: List[bytes] = []
        self._writer = make_writer(self)

    def write(self, data: bytes) -> int:
        if data:
            self._pending.append(bytes(data))
        return len(data)

    def read(self, size: int = -1) -> bytes:
        while not self._pending and self._writer is not None:
            chunk = self._waveform[self._next : self._next + self._step]
            self._next += self._step
            if chunk.shape[0]:
                self._writer.write_audio_chunk(0, chunk)
            if self._next >= self._waveform.shape[0]:
                self._writer.close()
                self._writer = None
        if not self._pending:
            return b""
        head = self._pending[0]
        if size < 0 or len(head) <= size:
            return self._pending.pop(0)
        self._pending[0] = head[size:]
        return head[:size]


class AudioEffector:
    """Applies FFmpeg audio filters and/or a codec round trip to waveforms.

    Args:
        effect: A filter chain (``"atempo=1.5"``, ``"aecho=0.8:0.88:60:0.4"``,
            ``"highpass=f=200,lowpass=f=3000"``), or None for none.
        format: Encode into this format and decode back (``"wav"``,
            ``"mp3"``, ``"ogg"``, ``"adts"``, ``"webm"``, ``"g722"``...), as
            data augmentation that simulates compression; None: no codec.
        encoder: The encoder to use instead of the format's default
            (``"libopus"`` or ``"opus"`` for ``"ogg"``...). Needs ``format``.
        codec_config: The encoder's bit rate, quality and so on. Needs
            ``format``.
        pad_end: Pad the result with silence to the input's duration when
            the effect or codec made it shorter.

    The result has the input's dtype and channels, and its sample rate
    unless ``output_sample_rate`` says otherwise. ``pad_end`` pads to the
    input's duration at the output's rate; torchaudio padded to the input's
    sample count whatever the output rate, which made a resampled result
    too long or too short.

    Example:
        >>> effector = AudioEffector(format="mp3", codec_config=CodecConfig(bit_rate=32_000))
        >>> compressed = effector.apply(waveform, 16000)
        >>> for chunk in AudioEffector(effect="atempo=0.9").stream(waveform, 16000, 4000):
        ...     ...
    """

    def __init__(
        self,
        effect: Optional[str] = None,
        format: Optional[str] = None,
        *,
        encoder: Optional[str] = None,
        codec_config: Optional[CodecConfig] = None,
        pad_end: bool = True,
    ):
        if format is None and (encoder is not None or codec_config is not None):
            raise InvalidArgumentError(
                "encoder and codec_config configure the encoding of a format: give format too"
            )
        self.effect = effect
        self.format = format
        self.encoder = encoder
        self.codec_config = codec_config
        self.pad_end = pad_end

    def _check(self, waveform, sample_rate, output_sample_rate) -> Tuple[str, str, int]:
        if not isinstance(waveform, torch.Tensor) or waveform.dim() != 2:
            shape = tuple(waveform.shape) if isinstance(waveform, torch.Tensor) else type(waveform).__name__
            raise InvalidArgumentError(f"waveform must be a (frames, channels) tensor, got {shape}")
        if waveform.dtype not in _FORMATS:
            names = ", ".join(str(d) for d in _FORMATS)
            raise InvalidArgumentError(f"waveform dtype {waveform.dtype} is not one of {names}")
        for name, value in (("sample_rate", sample_rate), ("output_sample_rate", output_sample_rate)):
            if value is None and name == "output_sample_rate":
                continue
            if isinstance(value, bool) or not isinstance(value, Integral) or value <= 0:
                raise InvalidArgumentError(f"{name} must be a positive int, got {value!r}")
        sample_format, raw = _FORMATS[waveform.dtype]
        out_rate = int(output_sample_rate or sample_rate)
        return sample_format, raw, out_rate

    def _reader(self, waveform, sample_rate, output_sample_rate, frames_per_chunk=None):
        sample_format, raw, out_rate = self._check(waveform, sample_rate, output_sample_rate)
        frames, channels = waveform.shape
        muxer = self.format or raw
        waveform = waveform.detach().cpu()

        def make_writer(dst):
            w = StreamWriter(dst, format=muxer)
            w.add_audio_stream(
                int(sample_rate),
                channels,
                format=sample_format,
                encoder=self.encoder,
                codec_config=self.codec_config,
                filter_desc=self.effect,
            )
            return w.open()

        if frames_per_chunk is None:
            buffer = io.BytesIO()
            with make_writer(buffer) as writer:
                writer.write_audio_chunk(0, waveform)
            src = buffer.getvalue()
        else:
            src = _Pipe(waveform, make_writer, frames_per_chunk)
        option = {}
        if muxer in _HEADERLESS:
            option = {"sample_rate": str(int(sample_rate)), "ch_layout": f"{channels}c"}
        desc = f"aresample={out_rate},aformat=sample_fmts={sample_format}:channel_layouts={channels}c"
        if self.pad_end:
            # The input's duration, in samples of the output's rate.
            desc += f",apad=whole_len={(frames * out_rate + sample_rate // 2) // sample_rate}"
        reader = StreamReader(src, format=_demuxer(muxer), option=option)
        reader.add_audio_stream(frames_per_chunk or -1, -1, filter_desc=desc)
        return reader

    def apply(
        self, waveform: torch.Tensor, sample_rate: int, output_sample_rate: Optional[int] = None
    ) -> torch.Tensor:
        """The whole waveform, ``(frames, channels)``, through the effect and
        codec; the result may have another number of frames."""
        self._check(waveform, sample_rate, output_sample_rate)
        if waveform.numel() == 0:
            return waveform
        reader = self._reader(waveform, sample_rate, output_sample_rate)
        reader.process_all_packets()
        (applied,) = reader.pop_chunks()
        if applied is None:
            return torch.empty((0, waveform.shape[1]), dtype=waveform.dtype)
        return applied.as_subclass(torch.Tensor)

    def stream(
        self,
        waveform: torch.Tensor,
        sample_rate: int,
        frames_per_chunk: int,
        output_sample_rate: Optional[int] = None,
    ) -> Iterator[torch.Tensor]:
        """The waveform through the effect and codec, ``frames_per_chunk``
        frames at a time (the last chunk may be shorter); the input is
        encoded a slice at a time as the chunks are taken."""
        self._check(waveform, sample_rate, output_sample_rate)
        fpc = frames_per_chunk
        if isinstance(fpc, bool) or not isinstance(fpc, Integral) or fpc <= 0:
            raise InvalidArgumentError(f"frames_per_chunk must be a positive int, got {frames_per_chunk!r}")
        if waveform.numel() == 0:
            return
        reader = self._reader(waveform, sample_rate, output_sample_rate, int(frames_per_chunk))
        for (applied,) in reader.stream():
            yield applied.as_subclass(torch.Tensor)
