"""Damaged bytes for the bad-input corpus (corpus.py): media cut short, bytes
flipped, random bursts, hand-made WAV and YUV4MPEG2 headers that declare
absurd values, containers with patched dimensions. Deterministic: every
damage is derived from a seed string."""

from __future__ import annotations

import random
import struct
from pathlib import Path
from typing import Dict

HEADER_SIZE = 1024  # "header" flips land in the first KiB


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
