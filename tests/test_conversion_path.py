"""A basic output that only sets the format is converted by the converter
itself (swscale / swresample writing straight into the chunk, one copy). Its
values must equal those of the same conversion run through the filter graph,
which a user's filter_desc always takes."""

from __future__ import annotations

import pytest
import torch
from ffstream import StreamReader


def _decode(path, media, desc=None, fmt=None):
    """With `fmt`, a basic output of that format; else `desc` as written."""
    r = StreamReader(str(path))
    if media == "video":
        if fmt:
            r.add_basic_video_stream(-1, format=fmt)
        else:
            r.add_video_stream(-1, filter_desc=desc)
    else:
        if fmt:
            r.add_basic_audio_stream(-1, format=fmt)
        else:
            r.add_audio_stream(-1, filter_desc=desc)
    r.process_all_packets()
    (chunk,) = r.pop_chunks()
    return r.get_out_stream_info(0), chunk


@pytest.mark.parametrize("name", ["h264.mp4", "yuvj420p.mp4", "rgb_lossless.mkv", "vp9.webm"])
@pytest.mark.parametrize("fmt", ["rgb24", "bgr24", "rgba", "argb", "gray", "rgb48le", "yuv444p"])
def test_direct_pixel_conversion_equals_the_filter_graph(make_media, name, fmt):
    path = make_media(name)
    info, direct = _decode(path, "video", fmt=fmt)
    _, graph = _decode(path, "video", f"format=pix_fmts={fmt}")
    assert info.format == fmt
    assert info.filter_description == f"format=pix_fmts={fmt}"
    assert direct.shape == graph.shape and direct.dtype == graph.dtype
    assert torch.equal(direct, graph)


@pytest.mark.parametrize("name", ["sine.wav", "stereo_f32.wav", "aac.m4a", "flac.flac"])
@pytest.mark.parametrize("fmt", ["u8", "s16p", "s32", "s64p", "flt", "fltp", "dbl"])
def test_direct_sample_conversion_equals_the_filter_graph(make_media, name, fmt):
    path = make_media(name)
    info, direct = _decode(path, "audio", fmt=fmt)
    _, graph = _decode(path, "audio", f"aformat=sample_fmts={fmt}")
    assert info.format == fmt
    assert direct.shape == graph.shape and direct.dtype == graph.dtype
    assert torch.equal(direct, graph)
