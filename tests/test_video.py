"""Video decoding: pixel values of every output format against the ffmpeg
command's rawvideo decodes, shapes, dtypes and memory layout."""

from __future__ import annotations

import os

import ffstream
import media
import numpy as np
import pytest
import torch
from ffstream import ChunkTensor, StreamReader

W, H = media.VIDEO_SIZE
N = media.VIDEO_RATE * media.DURATION  # 50 frames

SUPPORTED = {
    "rgb24", "bgr24", "argb", "rgba", "abgr", "bgra", "gray", "rgb48le",
    "yuv444p", "yuv420p", "yuv420p10le", "nv12",
}


def decode(path, fmt="rgb24", **kwargs) -> ChunkTensor:
    """Every frame of the default video stream as one chunk."""
    reader = StreamReader(str(path) if isinstance(path, os.PathLike) else path)
    reader.add_basic_video_stream(-1, -1, format=fmt, **kwargs)
    assert reader.get_out_stream_info(0).format == fmt
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk is not None
    assert reader.pop_chunks() == [None]
    return chunk


def nhwc(chunk: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) chunk -> (N, H, W, C) array, as the ffmpeg command lays out packed pixels."""
    return chunk.permute(0, 2, 3, 1).numpy()


def upsample2(plane: np.ndarray) -> np.ndarray:
    """(N, h, w) chroma plane -> (N, 2h, 2w), nearest neighbour."""
    return plane.repeat(2, axis=1).repeat(2, axis=2)


def test_lossless_rgb_equals_ffmpeg_rgb24_exactly(make_media):
    path = make_media("rgb_lossless.mkv")
    chunk = decode(path)
    assert isinstance(chunk, ChunkTensor)
    assert chunk.shape == (N, 3, H, W)
    assert chunk.dtype == torch.uint8
    assert chunk.pts == 0.0
    ref = torch.from_numpy(media.ffmpeg_decode_video(path, "rgb24").copy())
    assert torch.equal(chunk.permute(0, 2, 3, 1), ref)
    # Packed RGB is a channels_last view of the packed pixels.
    assert chunk.is_contiguous(memory_format=torch.channels_last)
    assert chunk.stride() == (H * W * 3, 1, W * 3, 3)


@pytest.mark.parametrize("name", ["h264.mp4", "vp9.webm", "yuvj420p.mp4"])
def test_yuv_sources_to_rgb24_equal_ffmpeg_exactly(make_media, as_input, name):
    # Same swscale conversion as the ffmpeg command: bit-exact, whatever
    # the kind of input.
    path = make_media(name)
    chunk = decode(as_input(path))
    assert chunk.shape == (N, 3, H, W)
    assert np.array_equal(nhwc(chunk), media.ffmpeg_decode_video(path, "rgb24"))


def test_bgr24_is_rgb24_with_channels_reversed(make_media):
    path = make_media("h264.mp4")
    rgb = decode(path, "rgb24")
    bgr = decode(path, "bgr24")
    assert bgr.shape == (N, 3, H, W)
    assert bgr.dtype == torch.uint8
    assert torch.equal(bgr, rgb.flip(1))
    assert np.array_equal(nhwc(bgr), media.ffmpeg_decode_video_packed(path, "bgr24", 3))


# where R, G, B and A are in each 4-channel format
ALPHA_FORMATS = {"rgba": (0, 1, 2, 3), "argb": (1, 2, 3, 0), "bgra": (2, 1, 0, 3), "abgr": (3, 2, 1, 0)}


@pytest.mark.parametrize("fmt", list(ALPHA_FORMATS))
def test_four_channel_formats_with_opaque_alpha(make_media, fmt):
    path = make_media("h264.mp4")
    chunk = decode(path, fmt)
    assert chunk.shape == (N, 4, H, W)
    assert chunk.dtype == torch.uint8
    r, g, b, a = ALPHA_FORMATS[fmt]
    assert bool((chunk[:, a] == 255).all())
    # Bit-exact with the ffmpeg command; swscale's alpha-first paths round a
    # little differently from rgb24's (at most 2 steps here), so the colour
    # channels are only close to the rgb24 decode.
    assert np.array_equal(nhwc(chunk), media.ffmpeg_decode_video_packed(path, fmt, 4))
    rgb = decode(path, "rgb24").to(torch.int16)
    assert (chunk[:, [r, g, b]].to(torch.int16) - rgb).abs().max() <= 2


def test_gray_has_one_channel(make_media):
    path = make_media("h264.mp4")
    chunk = decode(path, "gray")
    assert chunk.shape == (N, 1, H, W)
    assert chunk.dtype == torch.uint8
    (ref,) = media.ffmpeg_decode_video_planes(path, "gray")
    assert np.array_equal(chunk[:, 0].numpy(), ref)


@pytest.mark.parametrize("name", ["h264.mp4", "rgb_lossless.mkv"])
def test_rgb48le_is_16_bit(make_media, name):
    # torchaudio's representation: int16 holding the 16-bit value - 32768.
    path = make_media(name)
    chunk = decode(path, "rgb48le")
    assert chunk.shape == (N, 3, H, W)
    assert chunk.dtype == torch.int16
    values = nhwc(chunk.to(torch.int32)).astype(np.int64) + 32768
    ref = media.ffmpeg_decode_video_packed(path, "rgb48le", 3, dtype=np.uint16)
    assert np.array_equal(values, ref)
    # 16-bit range in use, and close to the 8-bit decode scaled by 257:
    # swscale computes rgb48 at higher precision, so a few 8-bit steps apart.
    assert values.max() > 255 * 256
    rgb24 = media.ffmpeg_decode_video(path, "rgb24").astype(np.int64)
    assert np.abs(values - rgb24 * 257).max() <= 3 * 257


@pytest.mark.parametrize("name", ["h264.mp4", "rgb_lossless.mkv"])
def test_yuv444p_is_planar_and_equals_ffmpeg(make_media, name):
    path = make_media(name)
    chunk = decode(path, "yuv444p")
    assert chunk.shape == (N, 3, H, W)
    assert chunk.dtype == torch.uint8
    assert chunk.is_contiguous()
    planes = media.ffmpeg_decode_video_planes(path, "yuv444p")
    assert np.array_equal(chunk.numpy(), np.stack(planes, axis=1))


@pytest.mark.parametrize("fmt", ["yuv420p", "nv12"])
@pytest.mark.parametrize("name", ["h264.mp4", "rgb_lossless.mkv"])
def test_420_formats_bring_chroma_to_full_size(make_media, name, fmt):
    path = make_media(name)
    chunk = decode(path, fmt)
    assert chunk.shape == (N, 3, H, W)
    assert chunk.dtype == torch.uint8
    y, u, v = media.ffmpeg_decode_video_planes(path, fmt)
    x = chunk.numpy()
    assert np.array_equal(x[:, 0], y)
    assert np.array_equal(x[:, 1], upsample2(u))
    assert np.array_equal(x[:, 2], upsample2(v))


def test_nv12_equals_yuv420p_on_a_yuv420p_source(make_media):
    path = make_media("h264.mp4")
    assert torch.equal(decode(path, "nv12"), decode(path, "yuv420p"))


def test_yuv420p10le_gives_10_bit_int16(make_media):
    path = make_media("h264.mp4")
    chunk = decode(path, "yuv420p10le")
    assert chunk.shape == (N, 3, H, W)
    assert chunk.dtype == torch.int16
    x = chunk.numpy()
    assert x.min() >= 0 and x.max() <= 1023
    assert x.max() > 255  # really 10 bits, not 8
    y, u, v = media.ffmpeg_decode_video_planes(path, "yuv420p10le")
    assert np.array_equal(x[:, 0], y)
    assert np.array_equal(x[:, 1], upsample2(u))
    assert np.array_equal(x[:, 2], upsample2(v))


def test_no_filter_keeps_a_supported_source_format(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_video_stream(-1, -1)
    info = reader.get_out_stream_info(0)
    assert info.format == "yuv420p"
    assert (info.width, info.height) == (W, H)
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.shape == (N, 3, H, W)
    y, u, v = media.ffmpeg_decode_video_planes(path, "yuv420p")
    assert np.array_equal(chunk[:, 0].numpy(), y)
    assert np.array_equal(chunk[:, 1].numpy(), upsample2(u))


def test_yuvj420p_without_filter_converts_to_a_supported_format(make_media):
    path = make_media("yuvj420p.mp4")
    reader = StreamReader(str(path))
    # FFmpeg 5.1 to 8.1 decode full-range H.264 as yuvj420p, 9.0 as yuv420p
    # with color_range=pc (the colour-range rule: tests/test_color_range.py).
    assert reader.get_src_stream_info(0).format in ("yuvj420p", "yuv420p")
    reader.add_video_stream(-1, -1, filter_desc=None)
    fmt = reader.get_out_stream_info(0).format
    assert fmt in SUPPORTED
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.shape[0] == N
    assert chunk.shape[2:] == (H, W)
    # Same values as the ffmpeg command converting to that format, in
    # limited range (FFmpeg 7.1 and later keep the full range unless asked).
    if fmt in ("yuv420p", "nv12", "yuv444p"):
        planes = media.ffmpeg_decode_video_planes(path, fmt, vf="scale=out_range=tv")
        if fmt != "yuv444p":
            planes = [planes[0], upsample2(planes[1]), upsample2(planes[2])]
        assert np.array_equal(chunk.numpy(), np.stack(planes, axis=1))
    elif fmt == "rgb24":
        assert np.array_equal(nhwc(chunk), media.ffmpeg_decode_video(path, "rgb24"))


def test_filter_ending_in_unsupported_format_names_it_and_the_supported_ones(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(ffstream.InvalidArgumentError, match="yuv410p") as excinfo:
        reader.add_video_stream(5, filter_desc="format=pix_fmts=yuv410p")
    message = str(excinfo.value)
    assert "yuv410p" in message
    for fmt in ("rgb24", "bgr24", "gray", "yuv420p", "nv12", "yuv444p", "rgba"):
        assert fmt in message
    assert reader.num_out_streams == 0


def test_vp9_decodes_fifty_frames(make_media):
    path = make_media("vp9.webm")
    reader = StreamReader(str(path))
    assert reader.get_src_stream_info(0).codec == "vp9"
    reader.add_basic_video_stream(10, -1)
    chunks = [c for (c,) in reader.stream()]
    assert [c.shape[0] for c in chunks] == [10] * 5
    assert [c.pts for c in chunks] == pytest.approx([0.0, 0.4, 0.8, 1.2, 1.6])
    frames = torch.cat(chunks)
    assert frames.shape == (N, 3, H, W)
    assert np.array_equal(nhwc(frames), media.ffmpeg_decode_video(path, "rgb24"))
