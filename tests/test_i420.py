"""yuv_layout="i420": yuv420p frames with their planes as decoded, one
(N, H * 3 / 2, W) uint8 tensor, against the ffmpeg command's raw yuv420p,
and the helpers that view the planes or bring chroma to full size."""

from __future__ import annotations

import pytest
import torch
from ffstream import InvalidArgumentError, StreamReader
from ffstream.utils import i420_planes, i420_to_yuv
from helpers import decode_whole_video
from media import ffmpeg_decode_raw


def raw_i420(path, vf=None, size=(64, 48)):
    args = ["-vf", vf] if vf else []
    flat = ffmpeg_decode_raw(path, [*args, "-f", "rawvideo", "-pix_fmt", "yuv420p"])
    w, h = size
    return torch.from_numpy(flat.copy()).view(-1, h * 3 // 2, w)


@pytest.mark.parametrize("name", ["h264.mp4", "hevc.mp4", "vp9.webm"])
def test_i420_planes_are_the_decoded_planes(make_media, name):
    path = make_media(name)
    chunk = decode_whole_video(path, format="yuv420p", yuv_layout="i420")
    assert chunk.dtype == torch.uint8 and chunk.shape == (50, 72, 64)
    assert chunk.is_contiguous()
    assert torch.equal(chunk._elem, raw_i420(path))
    assert chunk.frame_pts.shape == (50,)


def test_helpers_view_the_planes_and_give_the_full_size_layout(make_media):
    path = make_media("h264.mp4")
    chunk = decode_whole_video(path, format="yuv420p", yuv_layout="i420")
    y, u, v = i420_planes(chunk)
    assert y.shape == (50, 48, 64) and u.shape == v.shape == (50, 24, 32)
    start, end = chunk.data_ptr(), chunk.data_ptr() + chunk.numel()
    assert all(start <= p.data_ptr() < end for p in (y, u, v)), "views, not copies"
    full = decode_whole_video(path, format="yuv420p")
    assert torch.equal(i420_to_yuv(chunk), full._elem)
    with pytest.raises(ValueError, match="expected an I420 chunk"):
        i420_planes(full)


def test_i420_after_a_filter_and_a_size_change(make_media):
    path = make_media("rgb_lossless.mkv")  # rgb24: the graph converts to yuv420p
    chunk = decode_whole_video(path, format="yuv420p", width=32, height=24, yuv_layout="i420")
    assert chunk.shape == (50, 36, 32)
    reader = StreamReader(str(path))
    reader.add_video_stream(-1, -1, filter_desc="scale=32:24,format=yuv420p", yuv_layout="i420")
    reader.process_all_packets()
    (filtered,) = reader.pop_chunks()
    assert torch.equal(filtered._elem, raw_i420(path, "scale=32:24", size=(32, 24)))


def test_i420_frames_on_demand(make_media):
    path = make_media("hevc.mp4")
    whole = decode_whole_video(path, format="yuv420p", yuv_layout="i420")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(4, format="yuv420p", yuv_layout="i420")
    got = reader.get_frames_at([17, 3, 3])
    assert torch.equal(got._elem, whole._elem[[17, 3, 3]])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"format": "yuv420p", "yuv_layout": "nv12"}, "yuv_layout must be 'full' or 'i420'"),
        ({"format": "rgb24", "yuv_layout": "i420"}, "needs yuv420p frames, the output gives rgb24"),
        ({"format": "yuv420p", "width": 33, "yuv_layout": "i420"}, "even width and height, got 33x48"),
    ],
)
def test_i420_bad_arguments(make_media, kwargs, message):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(InvalidArgumentError, match=message):
        reader.add_basic_video_stream(4, **kwargs)
    assert reader.num_out_streams == 0
