"""The bad-input corpus: broken media files and misbehaving file objects.

Everything is derived deterministically (fixed seeds) from the cached test
media (media.RECIPES), so a failure names an input that the next run makes
again byte for byte from the same media:

- every source file cut at many points, with bytes flipped in its header
  (first KiB) and in its payload, and with a burst of random bytes;
- a zero-length file;
- hand-made WAV and YUV4MPEG2 headers declaring absurd sample rates, channel
  counts, sample sizes and picture sizes, and mp4/flac files whose declared
  dimensions or sample rates were patched;
- correct media under a wrong extension;
- file objects over the good files that return garbage, return too many
  bytes, raise at seeded points, return one byte per read, return None (no
  data yet), or whose seek() misbehaves.

``build(media, out_dir)`` writes the files and returns the list of
:class:`Item`; ``open_source(item)`` gives what to pass to StreamReader.
The items are plain data (``Item.to_dict`` / ``Item.from_dict``) so that a
worker process can run them (see test_corpus.py).
"""

from __future__ import annotations

import dataclasses
import io
import random
import struct
from pathlib import Path
from typing import Dict, List, Optional

# The media every damage is applied to.
SOURCES = [
    "h264.mp4",
    "vp9.webm",
    "av.mp4",
    "aac.m4a",
    "mp3.mp3",
    "flac.flac",
    "sine.wav",
    "two_audio.mkv",
]

# Items are reported by group: the source they damage, or the kind of input.
GROUPS = SOURCES + ["wav", "y4m", "patched", "ext", "empty"]

HEADER_SIZE = 1024  # "header" flips land in the first KiB
FLIP_SEEDS = range(4)


@dataclasses.dataclass(frozen=True)
class Item:
    """One corpus input.

    id: unique and readable, e.g. ``"flac.flac/cut-50pct[bytes]"``; the same
        for every run, whatever the sizes of the media.
    base: the media it was derived from (or ``"wav"`` / ``"y4m"``).
    category: cut, flip-header, flip-payload, burst, empty, absurd, ext,
        fileobj, or original (the undamaged file, the control).
    path: the file holding the bytes (for file objects, the bytes they serve).
    via: how the source is given: ``"path"``, ``"bytes"`` or a file-object kind
        (a class name in FILE_OBJECTS).
    params: arguments of the file-object class.
    expect: ``"decodes"`` when the input is good media that must decode
        completely, ``"error"`` when it must fail, ``None`` when either is fine.
    raises: for file objects that raise: the name of the exception class the
        caller must receive.
    """

    id: str
    base: str
    category: str
    path: str
    via: str = "path"
    params: Dict = dataclasses.field(default_factory=dict)
    expect: Optional[str] = None
    raises: Optional[str] = None

    @property
    def group(self) -> str:
        """The media name for damaged media, else wav, y4m, patched, ext or empty."""
        return self.id.split("/", 1)[0]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Item:
        return cls(**d)


# ---- damaged bytes ----


def cut_points(n: int) -> Dict[str, int]:
    """Named offsets to cut a file of n bytes at: the very start, header-ish
    sizes, fractions and one byte short of complete."""
    points = {
        "0": 0,
        "1": 1,
        "4": 4,
        "8": 8,
        "12": 12,
        "16": 16,
        "44": 44,
        "100": 100,
        "512": 512,
        "1024": 1024,
        "4096": 4096,
        "25pct": n // 4,
        "50pct": n // 2,
        "75pct": n * 3 // 4,
        "len-1": n - 1,
    }
    return {k: v for k, v in points.items() if 0 <= v < n}


def flip_bytes(data: bytes, lo: int, hi: int, count: int, seed: str) -> bytes:
    """XORs `count` bytes at seeded positions in [lo, hi) with nonzero values."""
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(count):
        i = rng.randrange(lo, hi)
        out[i] ^= rng.randrange(1, 256)
    return bytes(out)


def burst(data: bytes, seed: str, length: int = 64) -> bytes:
    """Overwrites `length` consecutive bytes after the header with random ones."""
    rng = random.Random(seed)
    start = rng.randrange(min(HEADER_SIZE, len(data) // 2), len(data) - length)
    out = bytearray(data)
    out[start : start + length] = rng.randbytes(length)
    return bytes(out)


# ---- hand-made headers ----


def wav_bytes(
    *,
    channels=1,
    sample_rate=16000,
    bits=16,
    audio_format=1,
    byte_rate=None,
    block_align=None,
    data_size=None,
    payload=b"",
    fmt_size=16,
    riff_size=None,
) -> bytes:
    """A RIFF/WAVE file; every header field can be given a wrong value."""
    if block_align is None:
        block_align = (channels * bits // 8) & 0xFFFF
    if byte_rate is None:
        byte_rate = (sample_rate * block_align) & 0xFFFFFFFF
    fmt = struct.pack(
        "<HHIIHH", audio_format, channels, sample_rate, byte_rate, block_align, bits
    )
    if fmt_size <= 64:  # a lying size beyond that keeps the 16 real bytes
        fmt = fmt.ljust(fmt_size, b"\0")[:fmt_size]
    fmt_chunk = b"fmt " + struct.pack("<I", fmt_size & 0xFFFFFFFF) + fmt
    size = len(payload) if data_size is None else data_size
    data_chunk = b"data" + struct.pack("<I", size & 0xFFFFFFFF) + payload
    body = b"WAVE" + fmt_chunk + data_chunk
    riff = len(body) if riff_size is None else riff_size
    return b"RIFF" + struct.pack("<I", riff & 0xFFFFFFFF) + body


def _sine_payload(frames: int, channels: int = 1) -> bytes:
    # A ramp rather than a real sine: values only need to be deterministic.
    return b"".join(
        struct.pack("<h", (i * 37) % 20000 - 10000) * channels for i in range(frames)
    )


WAV_CASES: Dict[str, dict] = {
    "ok": dict(payload=_sine_payload(1600)),  # the control: must decode
    "rate-0": dict(sample_rate=0, payload=_sine_payload(1600)),
    "rate-1": dict(sample_rate=1, payload=_sine_payload(1600)),
    "rate-4294967295": dict(sample_rate=4294967295, payload=_sine_payload(1600)),
    "rate-2147483647": dict(sample_rate=2147483647, payload=_sine_payload(1600)),
    "channels-0": dict(channels=0, block_align=2, payload=_sine_payload(1600)),
    "channels-65535": dict(channels=65535, payload=_sine_payload(1600)),
    "channels-65535-align-2": dict(
        channels=65535, block_align=2, payload=_sine_payload(1600)
    ),
    "bits-0": dict(bits=0, block_align=2, payload=_sine_payload(1600)),
    "bits-255": dict(bits=255, payload=_sine_payload(1600)),
    "bits-7": dict(bits=7, payload=_sine_payload(1600)),
    "align-0": dict(block_align=0, payload=_sine_payload(1600)),
    "align-65535": dict(block_align=65535, payload=_sine_payload(1600)),
    "byte-rate-0": dict(byte_rate=0, payload=_sine_payload(1600)),
    "float-8bit": dict(audio_format=3, bits=8, payload=_sine_payload(1600)),
    "format-65535": dict(audio_format=0xFFFF, payload=_sine_payload(1600)),
    "extensible-short": dict(audio_format=0xFFFE, payload=_sine_payload(1600)),
    "data-size-4294967295": dict(data_size=0xFFFFFFFF, payload=_sine_payload(100)),
    "data-size-0": dict(data_size=0, payload=_sine_payload(1600)),
    "no-payload": dict(payload=b""),
    "fmt-size-0": dict(fmt_size=0, payload=_sine_payload(100)),
    "fmt-size-4294967295": dict(fmt_size=0xFFFFFFFF, payload=_sine_payload(100)),
    "riff-size-0": dict(riff_size=0, payload=_sine_payload(1600)),
    "riff-size-4294967295": dict(riff_size=0xFFFFFFFF, payload=_sine_payload(1600)),
}


def y4m_bytes(header: str, frames: int = 1, frame_bytes: int = 64) -> bytes:
    """A YUV4MPEG2 stream with `header` parameters and a few short frames."""
    out = b"YUV4MPEG2 " + header.encode() + b"\n"
    for i in range(frames):
        out += b"FRAME\n" + bytes((i * 7 + j) % 256 for j in range(frame_bytes))
    return out


Y4M_CASES: Dict[str, bytes] = {
    "ok-16x16": y4m_bytes("W16 H16 F25:1 Ip A1:1 C420jpeg", frames=3, frame_bytes=384),
    "w100000-h100000": y4m_bytes("W100000 H100000 F25:1 Ip A1:1 C420jpeg"),
    "w2147483647-h2": y4m_bytes("W2147483647 H2 F25:1 C420jpeg"),
    "w0-h0": y4m_bytes("W0 H0 F25:1 C420jpeg"),
    "w-16-h-16": y4m_bytes("W-16 H-16 F25:1 C420jpeg"),
    "w1-h1": y4m_bytes("W1 H1 F25:1 C420jpeg", frames=2, frame_bytes=3),
    "rate-0-0": y4m_bytes("W16 H16 F0:0 C420jpeg", frames=2, frame_bytes=384),
    "rate-25-0": y4m_bytes("W16 H16 F25:0 C420jpeg", frames=2, frame_bytes=384),
    "rate-huge": y4m_bytes("W16 H16 F2147483647:1 C420jpeg", frames=2, frame_bytes=384),
    "colorspace-bogus": y4m_bytes("W16 H16 F25:1 Cnonsense", frames=2, frame_bytes=384),
    "header-only": b"YUV4MPEG2 W64 H48 F25:1 C420jpeg\n",
    "no-newline": b"YUV4MPEG2 W64 H48 F25:1 C420jpeg" + b"x" * 300,
}


def _patch_all(data: bytes, tag: bytes, offset: int, value: bytes) -> bytes:
    """Writes `value` at `offset` after every occurrence of the 4-byte `tag`."""
    out = bytearray(data)
    start = 0
    while (i := data.find(tag, start)) >= 0:
        at = i + offset
        if at + len(value) <= len(out):
            out[at : at + len(value)] = value
        start = i + 1
    return bytes(out)


def patched_containers(media: Dict[str, Path]) -> Dict[str, bytes]:
    """Good containers with absurd declared values patched into their headers."""
    out = {}
    h264 = media["h264.mp4"].read_bytes()
    # VisualSampleEntry: fourcc, 6 reserved, 2 index, 16 predefined, width, height.
    out["h264.mp4-avc1-65535x65535"] = _patch_all(
        h264, b"avc1", 28, struct.pack(">HH", 65535, 65535)
    )
    out["h264.mp4-avc1-0x0"] = _patch_all(h264, b"avc1", 28, struct.pack(">HH", 0, 0))
    # tkhd (version 0): width and height are 16.16 fixed point at its end.
    out["h264.mp4-tkhd-huge"] = _patch_all(
        h264, b"tkhd", 4 + 76, struct.pack(">II", 0xFFFFFFFF, 0xFFFFFFFF)
    )
    # mdhd (version 0): timescale 0 and an absurd duration.
    out["h264.mp4-mdhd-timescale-0"] = _patch_all(
        h264, b"mdhd", 4 + 12, struct.pack(">I", 0)
    )
    out["h264.mp4-mdhd-duration-max"] = _patch_all(
        h264, b"mdhd", 4 + 16, struct.pack(">I", 0xFFFFFFFF)
    )
    # stsz: every sample 4 GiB - 1 bytes (sample_size field, then count).
    out["h264.mp4-stsz-huge"] = _patch_all(
        h264, b"stsz", 8, struct.pack(">I", 0xFFFFFFFF)
    )
    aac = media["aac.m4a"].read_bytes()
    # AudioSampleEntry: fourcc, 6 reserved, 2 index, 8 reserved, channels,
    # sample size, 4 predefined/reserved, rate (16.16).
    out["aac.m4a-mp4a-channels-65535"] = _patch_all(
        aac, b"mp4a", 20, struct.pack(">H", 65535)
    )
    out["aac.m4a-mp4a-rate-0"] = _patch_all(aac, b"mp4a", 28, struct.pack(">I", 0))
    out["aac.m4a-mp4a-rate-max"] = _patch_all(
        aac, b"mp4a", 28, struct.pack(">I", 0xFFFFFFFF)
    )
    flac = media["flac.flac"].read_bytes()
    # STREAMINFO starts at byte 8: min/max block (2+2), min/max frame (3+3),
    # then 20 bits of sample rate, 3 of channels-1, 5 of bits-1, 36 of samples.
    info = 8 + 10
    for name, rate, ch, bits in [
        ("rate-0", 0, 0, 15),
        ("rate-max", 0xFFFFF, 0, 15),
        ("channels-8-bits-32", 16000, 7, 31),
        ("bits-1", 16000, 0, 0),
    ]:
        word = (rate << 12) | (ch << 9) | (bits << 4) | (flac[info + 3] & 0x0F)
        patched = bytearray(flac)
        patched[info : info + 4] = struct.pack(">I", word)
        out[f"flac.flac-streaminfo-{name}"] = bytes(patched)
    block = bytearray(flac)
    block[8:10] = b"\0\0"  # min block size 0
    block[10:12] = b"\xff\xff"  # max block size 65535
    out["flac.flac-streaminfo-blocksize"] = bytes(block)
    return out


# ---- file objects ----


class CorpusReadError(Exception):
    """What the raising file objects raise; the caller must receive it."""


class _Base:
    def __init__(self, data: bytes):
        self._f = io.BytesIO(data)
        self._n = len(data)

    def seek(self, offset, whence=0):
        return self._f.seek(offset, whence)

    def tell(self):
        return self._f.tell()


class GarbageFile(_Base):
    """Serves the real bytes before `start`, then random bytes of the requested
    size (up to the real length, then b""), different on every read."""

    def __init__(self, data: bytes, start: int, seed: str):
        super().__init__(data)
        self._start = start
        self._rng = random.Random(seed)

    def read(self, size=-1):
        pos = self._f.tell()
        if size < 0:
            size = self._n - pos
        if pos + size <= self._start:
            return self._f.read(size)
        n = max(0, min(size, self._n - pos))
        real = self._f.read(max(0, self._start - pos))
        self._f.seek(pos + n)
        return real + self._rng.randbytes(n - len(real))


class TooManyAtFile(_Base):
    """Reads normally until byte `at`, then returns more than asked for."""

    def __init__(self, data: bytes, at: int):
        super().__init__(data)
        self._at = at

    def read(self, size=-1):
        if self._f.tell() + max(size, 0) >= self._at:
            return self._f.read(size) + b"\0" * (max(size, 0) + 1)
        return self._f.read(size)


class RaiseAtFile(_Base):
    """Raises `exc` (a CorpusReadError, OSError or ValueError) from read(), or
    from seek() when `in_seek`, once the position reaches `at`."""

    EXCEPTIONS = {
        "CorpusReadError": CorpusReadError,
        "OSError": OSError,
        "ValueError": ValueError,
    }

    def __init__(self, data: bytes, at: int, exc: str, in_seek: bool = False):
        super().__init__(data)
        self._at = at
        self._exc = self.EXCEPTIONS[exc]
        self._in_seek = in_seek

    def _boom(self):
        return self._exc(f"corpus failure at byte {self._at}")

    def read(self, size=-1):
        if not self._in_seek and self._f.tell() + max(size, 0) >= self._at:
            raise self._boom()
        return self._f.read(size)

    def seek(self, offset, whence=0):
        if self._in_seek and self._f.tell() >= self._at:
            raise self._boom()
        return self._f.seek(offset, whence)


class OneByteFile(_Base):
    """Returns at most one byte per read()."""

    def read(self, size=-1):
        return self._f.read(1 if size != 0 else 0)


class NoDataAtFile(_Base):
    """Returns None ("no data yet", as non-blocking objects do) from byte `at` on."""

    def __init__(self, data: bytes, at: int):
        super().__init__(data)
        self._at = at

    def read(self, size=-1):
        if self._f.tell() >= self._at:
            return None
        return self._f.read(min(size, self._at - self._f.tell()) if size >= 0 else size)


class BadSeekFile(_Base):
    """seek() misbehaves: returns None, a str, always 0, or a negative number."""

    def __init__(self, data: bytes, how: str):
        super().__init__(data)
        self._how = how

    def read(self, size=-1):
        return self._f.read(size)

    def seek(self, offset, whence=0):
        pos = self._f.seek(offset, whence)
        return {"none": None, "str": "0", "zero": 0, "negative": -1}.get(self._how, pos)


class StrAtFile(_Base):
    """read() returns a str instead of bytes from byte `at` on."""

    def __init__(self, data: bytes, at: int):
        super().__init__(data)
        self._at = at

    def read(self, size=-1):
        if self._f.tell() + max(size, 0) >= self._at:
            return "not bytes"
        return self._f.read(size)


FILE_OBJECTS = {
    cls.__name__: cls
    for cls in (
        GarbageFile,
        TooManyAtFile,
        RaiseAtFile,
        OneByteFile,
        NoDataAtFile,
        BadSeekFile,
        StrAtFile,
    )
}


def open_source(item: Item):
    """What to pass to StreamReader for `item`."""
    if item.via == "path":
        return item.path
    data = Path(item.path).read_bytes()
    if item.via == "bytes":
        return data
    return FILE_OBJECTS[item.via](data, **item.params)


# ---- the corpus ----


def build(media: Dict[str, Path], out_dir: Path) -> List[Item]:
    """Writes the corpus files into `out_dir` and returns every item."""
    out_dir.mkdir(parents=True, exist_ok=True)
    items: List[Item] = []

    def write(name: str, data: bytes) -> str:
        path = out_dir / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        return str(path)

    def add(id_, base, category, data, name=None, via=("path",), expect=None):
        path = write(name or id_.replace("/", "__"), data)
        for v in via:
            suffix = "" if v == "path" else f"[{v}]"
            items.append(Item(f"{id_}{suffix}", base, category, path, v, expect=expect))

    for src in SOURCES:
        data = media[src].read_bytes()
        ext = src.rsplit(".", 1)[1]
        n = len(data)
        for label, at in cut_points(n).items():
            via = (
                ("path", "bytes") if label in ("50pct", "len-1", "1024") else ("path",)
            )
            add(
                f"{src}/cut-{label}",
                src,
                "cut",
                data[:at],
                name=f"{src}__cut-{label}.{ext}",
                via=via,
            )
        for seed in FLIP_SEEDS:
            count = 1 + seed * 3  # 1, 4, 7, 10 bytes
            add(
                f"{src}/flip-header-s{seed}",
                src,
                "flip-header",
                flip_bytes(data, 0, min(HEADER_SIZE, n), count, f"{src}-header-{seed}"),
                name=f"{src}__flip-header-s{seed}.{ext}",
                via=("path", "bytes") if seed == 0 else ("path",),
            )
            add(
                f"{src}/flip-payload-s{seed}",
                src,
                "flip-payload",
                flip_bytes(
                    data,
                    min(HEADER_SIZE, n // 2),
                    n,
                    count * 2,
                    f"{src}-payload-{seed}",
                ),
                name=f"{src}__flip-payload-s{seed}.{ext}",
                via=("path", "bytes") if seed == 0 else ("path",),
            )
        add(
            f"{src}/burst",
            src,
            "burst",
            burst(data, f"{src}-burst"),
            name=f"{src}__burst.{ext}",
        )

        # File objects over the good file.
        path = str(media[src])
        items.append(Item(f"{src}/original", src, "original", path, expect="decodes"))

        def fobj(kind, label, raises=None, expect=None, src=src, path=path, **params):
            item = Item(f"{src}/{kind}-{label}", src, "fileobj", path, kind, params,
                        expect=expect, raises=raises)  # fmt: skip
            items.append(item)

        rng = random.Random(f"{src}-fileobj")
        fobj("GarbageFile", "all", start=0, seed=f"{src}-garbage-all")
        fobj("GarbageFile", "after-half", start=n // 2, seed=f"{src}-garbage-half")
        fobj("TooManyAtFile", "half", at=n // 2)
        for i, exc in enumerate(["CorpusReadError", "OSError", "ValueError"]):
            fobj(
                "RaiseAtFile",
                f"read-{exc}-s{i}",
                raises=exc,
                at=rng.randrange(0, n),
                exc=exc,
            )
        fobj(
            "RaiseAtFile",
            "seek-CorpusReadError-s3",
            raises="CorpusReadError",
            at=rng.randrange(0, n),
            exc="CorpusReadError",
            in_seek=True,
        )
        fobj("OneByteFile", "all", expect="decodes")
        fobj("NoDataAtFile", "third", at=n // 3)
        fobj("StrAtFile", "third", at=n // 3)
        for how in ("none", "str", "zero", "negative"):
            fobj("BadSeekFile", how, how=how)

    add(
        "empty/zero-length.mp4",
        "empty",
        "empty",
        b"",
        name="empty.mp4",
        via=("path", "bytes"),
        expect="error",
    )
    add("empty/zero-length", "empty", "empty", b"", name="empty", expect="error")

    for label, params in WAV_CASES.items():
        add(
            f"wav/{label}",
            "wav",
            "absurd",
            wav_bytes(**params),
            name=f"wav__{label}.wav",
            via=("path", "bytes"),
            expect="decodes" if label == "ok" else None,
        )
    for label, data in Y4M_CASES.items():
        add(
            f"y4m/{label}",
            "y4m",
            "absurd",
            data,
            name=f"y4m__{label}.y4m",
            via=("path", "bytes"),
            expect="decodes" if label.startswith("ok") else None,
        )
    for label, data in patched_containers(media).items():
        base = label.split("-", 1)[0]
        add(f"patched/{label}", base, "absurd", data, name=f"patched__{label}")

    # Good media under a wrong extension: probing looks at the content.
    for src, wrong in [
        ("mp3.mp3", "mp4"),
        ("sine.wav", "mkv"),
        ("flac.flac", "wav"),
        ("h264.mp4", "mp3"),
        ("vp9.webm", "avi"),
        ("aac.m4a", "flac"),
        ("two_audio.mkv", "mp4"),
        ("av.mp4", "webm"),
    ]:
        add(
            f"ext/{src}-as-.{wrong}",
            src,
            "ext",
            media[src].read_bytes(),
            name=f"ext__{src.replace('.', '_')}.{wrong}",
            expect="decodes",
        )

    ids = [i.id for i in items]
    assert len(ids) == len(set(ids)), "corpus ids must be unique"
    return items


# ---- running an item (in a worker process, see test_corpus.py) ----

MAX_CHUNKS = 3000  # a 2 s file gives < 100 chunks; more means decoding never stops
VIDEO_SIZE = (64, 48)  # outputs are scaled to this, which bounds memory


def _error(e: BaseException) -> dict:
    import ffstream

    return {
        "type": type(e).__name__,
        "module": type(e).__module__,
        "mro": [c.__name__ for c in type(e).__mro__],
        "ffstream": isinstance(e, ffstream.FFStreamError),
        "message": str(e),
    }


def add_outputs(reader, frames_per_chunk=(4, 1024)) -> List[dict]:
    """Adds an output for the default streams and every other audio/video
    stream; returns the errors of the outputs that could not be added."""
    errors = []
    indices = [reader.default_video_stream, reader.default_audio_stream]
    for i in range(reader.num_src_streams):
        if i not in indices:
            indices.append(i)
    for i in indices:
        if i is None:
            continue
        try:
            kind = reader.get_src_stream_info(i).media_type
            if kind == "video":
                reader.add_basic_video_stream(
                    frames_per_chunk[0],
                    -1,
                    stream_index=i,
                    width=VIDEO_SIZE[0],
                    height=VIDEO_SIZE[1],
                )
            elif kind == "audio":
                reader.add_basic_audio_stream(frames_per_chunk[1], -1, stream_index=i)
        except Exception as e:  # noqa: BLE001 - recorded and judged by the test
            errors.append(_error(e))
    return errors


def decode_all(reader, max_chunks=MAX_CHUNKS, keep=False) -> dict:
    """Runs stream() to the end (or to max_chunks); returns frame counts,
    digests and shapes per output, the error that stopped it, if any, and,
    with `keep`, the concatenated frames. After an error, the chunks still
    buffered are taken with pop_chunks() (what was decodable)."""
    import hashlib

    import torch

    n = reader.num_out_streams
    frames = [0] * n
    digests = [hashlib.sha256() for _ in range(n)]
    shapes = [set() for _ in range(n)]
    kept = [[] for _ in range(n)]
    chunks = 0
    error = None
    stopped = False

    def take(out):
        for k, c in enumerate(out):
            if c is None:
                continue
            frames[k] += c.shape[0]
            digests[k].update(c.numpy().tobytes())
            shapes[k].add((str(c.dtype),) + tuple(c.shape[1:]))
            if keep:
                kept[k].append(torch.Tensor(c).clone())

    try:
        for out in reader.stream():
            chunks += 1
            take(out)
            if chunks >= max_chunks:
                break
        else:
            stopped = True
    except Exception as e:  # noqa: BLE001
        error = _error(e)
    if error is not None:
        # What was decoded before the error is still buffered: take it.
        try:
            while chunks < max_chunks:
                out = reader.pop_chunks()
                if all(c is None for c in out):
                    break
                chunks += 1
                take(out)
        except Exception as e:  # noqa: BLE001
            error["drain_error"] = _error(e)
    result = {
        "frames": frames,
        "digests": [d.hexdigest() for d in digests],
        "shapes": [sorted(map(list, s)) for s in shapes],
        "chunks": chunks,
        "stopped": stopped,
        "error": error,
    }
    if keep:
        result["data"] = [torch.cat(k) if k else None for k in kept]
    return result


def _attempt(f) -> dict:
    try:
        f()
        return {"ok": True}
    except Exception as e:  # noqa: BLE001
        return {"ok": False, "error": _error(e)}


def run_item(item: Item) -> dict:
    """Opens, decodes and probes the reader after decoding; records what
    happened at every step (the test judges it)."""
    import time

    import ffstream

    t0 = time.monotonic()
    result = {
        "id": item.id,
        "open_error": None,
        "add_errors": [],
        "decode": None,
        "after": {},
    }
    try:
        reader = ffstream.StreamReader(open_source(item))
    except Exception as e:  # noqa: BLE001
        result["open_error"] = _error(e)
        result["seconds"] = time.monotonic() - t0
        return result
    result["num_src_streams"] = reader.num_src_streams
    result["add_errors"] = add_outputs(reader)
    result["num_out_streams"] = reader.num_out_streams
    if reader.num_out_streams:
        result["decode"] = decode_all(reader)
    after = result["after"]
    after["info"] = _attempt(
        lambda: [reader.get_src_stream_info(i) for i in range(reader.num_src_streams)]
    )
    after["metadata"] = _attempt(reader.get_metadata)
    after["seek0"] = _attempt(lambda: reader.seek(0.0))
    if after["seek0"]["ok"] and reader.num_out_streams:
        # Usable after the seek: decoding again runs (and stops) cleanly.
        again = decode_all(reader)
        after["redecode"] = {
            k: again[k] for k in ("frames", "stopped", "error", "chunks")
        }
    after["close"] = _attempt(reader.close)
    try:
        _ = reader.num_src_streams
        after["closed_raises"] = None
    except Exception as e:  # noqa: BLE001
        after["closed_raises"] = _error(e)
    after["close_again"] = _attempt(reader.close)
    result["seconds"] = time.monotonic() - t0
    return result


def _hang():
    import time

    time.sleep(3600)


def _abort():
    import os

    os.abort()


# Items with these `via` stand for an input that crashes or hangs the
# decoder, so that the test can show the harness reports them by name.
_HARNESS_CHECKS = {"<abort>": _abort, "<hang>": _hang}


def worker(manifest: str, ids_file: str) -> None:
    """Runs the items whose ids are listed in `ids_file`, printing
    ``START <id>`` before and ``DONE <json>`` after each one."""
    import json
    import sys

    items = {d["id"]: Item.from_dict(d) for d in json.loads(Path(manifest).read_text())}
    for id_ in json.loads(Path(ids_file).read_text()):
        print("START " + id_, flush=True)
        if items[id_].via in _HARNESS_CHECKS:  # see test_corpus: the harness's own test
            _HARNESS_CHECKS[items[id_].via]()
        result = run_item(items[id_])
        print("DONE " + json.dumps(result), flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    import faulthandler
    import sys

    faulthandler.enable()
    worker(sys.argv[1], sys.argv[2])
