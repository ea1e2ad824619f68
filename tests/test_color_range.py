"""The colour-range rule (csrc/ffstream/detail/converter.h): a chunk in a
YUV format holds limited-range samples, whichever path the frames take and
whichever FFmpeg decodes them; RGB and gray chunks are full range, converted
from the frame's stated range.

Full-range video is what phones record. FFmpeg 5.1 decodes it as yuvj420p
and converts it to limited range on the way to any YUV format (torchaudio
gave that); 7.1 and later decode it as yuv420p with color_range=pc and their
filters keep that range, so the same file would give other levels on
another FFmpeg without the rule. The references are the ffmpeg command's
frames with limited range asked for in the same conversion."""

from __future__ import annotations

import subprocess

import media
import numpy as np
import pytest
from ffstream import StreamReader

W, H = 64, 48
# Full range, as a decoder of 7.1 and later gives it (yuv420p, color_range
# pc), and as 5.1's decoders gave it (yuvj420p).
FULL_RANGE_SOURCES = {
    "yuv420p-pc": f"testsrc2=size={W}x{H}:rate=10,trim=end_frame=3,format=yuv420p,setparams=range=pc",
    "yuvj420p": f"testsrc2=size={W}x{H}:rate=10,trim=end_frame=3,format=yuvj420p",
}
YUV_OUTPUTS = ["yuv420p", "yuv444p", "nv12", "yuv420p10le"]


def _reference_planes(source: str, vf: str, pix_fmt: str) -> list:
    """The ffmpeg command's frames of lavfi `source` through `vf`, as planes
    in the chunk layout (chroma upsampled to full size)."""
    raw = subprocess.run(
        [media.FFMPEG, "-nostdin", "-v", "error", "-f", "lavfi", "-i", source, "-vf", vf,
         "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"],
        check=True, capture_output=True,
    ).stdout
    wide = pix_fmt == "yuv420p10le"
    flat = np.frombuffer(raw, np.uint16 if wide else np.uint8)
    if pix_fmt == "yuv444p":
        return list(flat.reshape(-1, 3, H, W).transpose(1, 0, 2, 3))
    frames = flat.reshape(-1, H * W * 3 // 2)
    y = frames[:, : H * W].reshape(-1, H, W)
    rest = frames[:, H * W:]
    if pix_fmt == "nv12":
        uv = rest.reshape(-1, H // 2, W // 2, 2)
        u, v = uv[..., 0], uv[..., 1]
    else:
        u = rest[:, : H * W // 4].reshape(-1, H // 2, W // 2)
        v = rest[:, H * W // 4:].reshape(-1, H // 2, W // 2)
    up = lambda p: p.repeat(2, axis=-2).repeat(2, axis=-1)  # noqa: E731
    return [y, up(u), up(v)]


def _decode(source: str, **output):
    r = StreamReader(source, format="lavfi")
    r.add_basic_video_stream(-1, **output)
    r.process_all_packets()
    (chunk,) = r.pop_chunks()
    return chunk.numpy(), r.get_out_stream_info(0)


def _planes(chunk: np.ndarray, pix_fmt: str) -> list:
    if pix_fmt == "yuv420p10le":
        chunk = chunk.astype(np.uint16)
    return [chunk[:, c] for c in range(3)]


@pytest.mark.parametrize("source", sorted(FULL_RANGE_SOURCES))
@pytest.mark.parametrize("pix_fmt", YUV_OUTPUTS)
def test_yuv_output_of_full_range_video_is_limited_range(source, pix_fmt):
    chunk, info = _decode(FULL_RANGE_SOURCES[source], format=pix_fmt)
    assert info.format == pix_fmt
    want = _reference_planes(FULL_RANGE_SOURCES[source], "scale=out_range=tv", pix_fmt)
    got = _planes(chunk, pix_fmt)
    for plane, (g, w) in enumerate(zip(got, want)):
        assert np.array_equal(g, w), f"plane {plane} differs from ffmpeg's limited-range frames"
    # Limited range: luma within [16, 235] (8 bits) or [64, 940] (10 bits),
    # where the full-range pattern reaches below 16 and above 235.
    low, high = (64, 940) if pix_fmt == "yuv420p10le" else (16, 235)
    assert low <= got[0].min() and got[0].max() <= high


@pytest.mark.parametrize("source", sorted(FULL_RANGE_SOURCES))
def test_full_range_video_without_a_filter_gives_limited_range_yuv420p(source):
    r = StreamReader(FULL_RANGE_SOURCES[source], format="lavfi")
    r.add_video_stream(-1)
    r.process_all_packets()
    chunk = r.pop_chunks()[0].numpy()
    assert r.get_out_stream_info(0).format == "yuv420p"
    want = _reference_planes(FULL_RANGE_SOURCES[source], "scale=out_range=tv", "yuv420p")
    assert all(np.array_equal(g, w) for g, w in zip(_planes(chunk, "yuv420p"), want))


@pytest.mark.parametrize("source", sorted(FULL_RANGE_SOURCES))
def test_scaled_yuv_output_of_full_range_video_is_limited_range(source):
    # The scale runs in the filter graph: FFmpeg 7.1 and later keep the full
    # range there, and the converter then takes it to limited range.
    chunk, _ = _decode(FULL_RANGE_SOURCES[source], format="yuv444p", width=32, height=24)
    raw = subprocess.run(
        [media.FFMPEG, "-nostdin", "-v", "error", "-f", "lavfi", "-i", FULL_RANGE_SOURCES[source],
         "-vf", "scale=width=32:height=24,format=pix_fmts=yuv444p,scale=out_range=tv",
         "-f", "rawvideo", "-pix_fmt", "yuv444p", "-"],
        check=True, capture_output=True,
    ).stdout
    want = np.frombuffer(raw, np.uint8).reshape(-1, 3, 24, 32)
    assert np.array_equal(chunk, want)
    assert 16 <= chunk[:, 0].min() and chunk[:, 0].max() <= 235


@pytest.mark.parametrize("source", sorted(FULL_RANGE_SOURCES))
@pytest.mark.parametrize("pix_fmt", ["rgb24", "gray"])
def test_rgb_and_gray_outputs_read_the_full_range(source, pix_fmt):
    chunk, _ = _decode(FULL_RANGE_SOURCES[source], format=pix_fmt)
    channels = 3 if pix_fmt == "rgb24" else 1
    raw = subprocess.run(
        [media.FFMPEG, "-nostdin", "-v", "error", "-f", "lavfi", "-i", FULL_RANGE_SOURCES[source],
         "-vf", f"format=pix_fmts={pix_fmt}", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"],
        check=True, capture_output=True,
    ).stdout
    want = np.frombuffer(raw, np.uint8).reshape(-1, H, W, channels).transpose(0, 3, 1, 2)
    assert np.array_equal(chunk, want)
    # Full range: the pattern's darkest values lie below limited-range black.
    assert chunk.min() < 16


def test_a_user_filter_ending_in_full_range_yuv_is_made_limited_range():
    # The rule holds after a user's graph too: here FFmpeg 7.1 and later
    # would hand over full-range yuv444p.
    source = FULL_RANGE_SOURCES["yuv420p-pc"]
    r = StreamReader(source, format="lavfi")
    r.add_video_stream(-1, filter_desc="format=pix_fmts=yuv444p")
    r.process_all_packets()
    (chunk,) = r.pop_chunks()
    want = _reference_planes(source, "scale=out_range=tv,format=pix_fmts=yuv444p", "yuv444p")
    assert all(np.array_equal(g, w) for g, w in zip(_planes(chunk.numpy(), "yuv444p"), want))


def test_limited_range_video_is_left_as_it_is():
    source = f"testsrc2=size={W}x{H}:rate=10,trim=end_frame=3,format=yuv420p,setparams=range=tv"
    chunk, _ = _decode(source, format="yuv444p")
    want = _reference_planes(source, "format=pix_fmts=yuv444p", "yuv444p")
    assert all(np.array_equal(g, w) for g, w in zip(_planes(chunk, "yuv444p"), want))
