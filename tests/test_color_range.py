"""The colour-range rule (csrc/ffstream/detail/converter.h): a chunk in a
YUV format holds limited-range samples, whichever path the frames take and
whichever FFmpeg decodes them; RGB and gray chunks are full range, converted
from the frame's stated range.

Full-range video is what phones record. FFmpeg 5.1 decodes full-range H.264
as yuvj420p and converts it to limited range on the way to any YUV format
(torchaudio gave that); later versions keep the full range through their
filters unless asked, so without the rule the same file would give other
levels on another FFmpeg. The references are the ffmpeg command's frames
with limited range asked for ("scale=out_range=tv")."""

from __future__ import annotations

import media
import numpy as np
import pytest
from ffstream import StreamReader

# Full range as 5.1 to 8.1 decode H.264 (yuvj420p), and as every FFmpeg
# decodes VP9 (yuv420p, color_range pc).
FULL_RANGE = ["yuvj420p.mp4", "vp9_full_range.webm"]
YUV_OUTPUTS = ["yuv420p", "yuv444p", "nv12", "yuv420p10le"]


def _upsampled(planes: list) -> list:
    """Planes in the chunk layout: chroma upsampled to full size."""
    y = planes[0]
    return [y] + [p.repeat(2, axis=-2).repeat(2, axis=-1)[..., : y.shape[-2], : y.shape[-1]]
                  for p in planes[1:]]


def _decode(path, **output) -> np.ndarray:
    r = StreamReader(str(path))
    r.add_basic_video_stream(-1, **output)
    r.process_all_packets()
    (chunk,) = r.pop_chunks()
    assert r.get_out_stream_info(0).format == output["format"]
    return chunk.numpy()


def _assert_planes_equal(chunk: np.ndarray, want: list) -> None:
    got = chunk.astype(np.uint16) if chunk.dtype == np.int16 else chunk
    for plane, w in enumerate(want):
        assert np.array_equal(got[:, plane], w), f"plane {plane} differs from ffmpeg's"


@pytest.mark.parametrize("name", FULL_RANGE)
@pytest.mark.parametrize("pix_fmt", YUV_OUTPUTS)
def test_yuv_output_of_full_range_video_is_limited_range(make_media, name, pix_fmt):
    path = make_media(name)
    chunk = _decode(path, format=pix_fmt)
    want = media.ffmpeg_decode_video_planes(path, pix_fmt, vf="scale=out_range=tv")
    _assert_planes_equal(chunk, want if pix_fmt == "yuv444p" else _upsampled(want))
    # Limited range: luma within [16, 235] (8 bits) or [64, 940] (10 bits).
    low, high = (64, 940) if pix_fmt == "yuv420p10le" else (16, 235)
    luma = chunk[:, 0].astype(np.int32)
    assert low <= luma.min() and luma.max() <= high


@pytest.mark.parametrize("name", FULL_RANGE)
def test_full_range_video_without_a_filter_gives_limited_range_yuv420p(make_media, name):
    # yuvj420p has no converter of its own: it is converted to the nearest
    # format; yuv420p is kept, in limited range.
    path = make_media(name)
    r = StreamReader(str(path))
    r.add_video_stream(-1)
    r.process_all_packets()
    chunk = r.pop_chunks()[0].numpy()
    assert r.get_out_stream_info(0).format == "yuv420p"
    want = media.ffmpeg_decode_video_planes(path, "yuv420p", vf="scale=out_range=tv")
    _assert_planes_equal(chunk, _upsampled(want))


@pytest.mark.parametrize("name", FULL_RANGE)
def test_scaled_yuv_output_of_full_range_video_is_limited_range(make_media, name):
    path = make_media(name)
    chunk = _decode(path, format="yuv444p", width=32, height=24)
    raw = media.ffmpeg_decode_raw(path, [
        "-vf", "scale=width=32:height=24:out_range=tv,format=pix_fmts=yuv444p",
        "-f", "rawvideo", "-pix_fmt", "yuv444p"])
    assert np.array_equal(chunk, raw.reshape(-1, 3, 24, 32))


@pytest.mark.parametrize("name", FULL_RANGE)
def test_a_user_filter_ending_in_yuv_gives_limited_range(make_media, name):
    path = make_media(name)
    r = StreamReader(str(path))
    r.add_video_stream(-1, filter_desc="hflip,format=pix_fmts=yuv444p")
    r.process_all_packets()
    chunk = r.pop_chunks()[0].numpy()
    want = media.ffmpeg_decode_video_planes(
        path, "yuv444p", vf="hflip,scale=out_range=tv,format=pix_fmts=yuv444p")
    _assert_planes_equal(chunk, want)


@pytest.mark.parametrize("name", FULL_RANGE)
def test_rgb_output_reads_the_full_range(make_media, name):
    path = make_media(name)
    chunk = _decode(path, format="rgb24")
    want = media.ffmpeg_decode_video(path, "rgb24")
    assert np.array_equal(chunk.transpose(0, 2, 3, 1), want)


@pytest.mark.parametrize("name", FULL_RANGE + ["h264.mp4"])
def test_gray_output_is_full_range(make_media, name):
    # Gray is luma in full range, from full-range sources as they are and
    # from limited-range ones (h264.mp4) expanded, as FFmpeg 5.1 gave it.
    path = make_media(name)
    chunk = _decode(path, format="gray")
    (want,) = media.ffmpeg_decode_video_planes(path, "gray", vf="scale=out_range=pc")
    assert np.array_equal(chunk[:, 0], want)
