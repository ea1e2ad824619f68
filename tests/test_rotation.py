"""Display-matrix rotation: SourceVideoStream.rotation, frames kept as stored
by default (torchaudio's behaviour), and add_basic_video_stream(rotate=True)
turning them upright exactly as the ffmpeg command's autorotate does. The
files are lossless RGB (media.DERIVED: rgb_lossless.mkv copied with a display
matrix), so that every comparison is exact."""

from __future__ import annotations

import media
import pytest
import torch
from ffstream import (
    InvalidArgumentError,
    NotSupportedError,
    SourceVideoStream,
    StreamReader,
)
from helpers import decode_whole_video

W, H = media.VIDEO_SIZE
N = media.VIDEO_RATE * media.DURATION

# File -> the counter-clockwise turn FFmpeg reads from its display matrix.
TURNED = {"rgb_rot90.mp4": 90.0, "rgb_rot180.mp4": 180.0, "rgb_rot270.mp4": -90.0}


def turned_size(angle: float, width: int = W, height: int = H):
    """(height, width) of a frame after turning it by `angle` degrees."""
    return (width, height) if round(angle / 90) % 2 else (height, width)


@pytest.mark.parametrize("name, angle", [*TURNED.items(), ("rgb_rot45.mp4", 45.0),
                                         ("rgb_lossless.mkv", 0.0)])
def test_rotation_is_reported_and_size_stays_stored(make_media, as_input, name, angle):
    with StreamReader(as_input(make_media(name))) as r:
        info = r.get_src_stream_info(r.default_video_stream)
    assert isinstance(info, SourceVideoStream)
    assert info.rotation == angle
    assert (info.width, info.height) == (W, H)


def test_source_video_stream_still_builds_from_torchaudio_fields():
    # Code that built the dataclass positionally, as torchaudio defined it.
    info = SourceVideoStream("video", "h264", "H.264", "yuv420p", 0, 50, 8, {}, W, H, 25.0)
    assert info.rotation == 0.0


@pytest.mark.parametrize("name", sorted(TURNED))
def test_default_keeps_frames_as_stored(make_media, name):
    stored = decode_whole_video(make_media("rgb_lossless.mkv"))
    got = decode_whole_video(make_media(name))
    assert got.shape == (N, 3, H, W)
    assert torch.equal(got, stored)
    assert torch.equal(got.frame_pts, stored.frame_pts)


@pytest.mark.parametrize("name, angle", sorted(TURNED.items()))
def test_rotate_equals_ffmpeg_autorotate_and_rot90(make_media, as_input, name, angle):
    path = make_media(name)
    stored = decode_whole_video(path)
    reader = StreamReader(as_input(path))
    reader.add_basic_video_stream(-1, -1, rotate=True)
    out = reader.get_out_stream_info(0)
    h, w = turned_size(angle)
    assert (out.width, out.height) == (w, h)
    reader.process_all_packets()
    (turned,) = reader.pop_chunks()
    assert turned.shape == (N, 3, h, w)
    # The ffmpeg command turns the frame with its display matrix by default.
    ref = media.ffmpeg_decode_raw(path, ["-f", "rawvideo", "-pix_fmt", "rgb24"])
    ref = torch.from_numpy(ref.reshape(N, h, w, 3).copy())
    assert torch.equal(turned.permute(0, 2, 3, 1), ref)
    # And that is the stored frames turned counter-clockwise by `angle`.
    assert torch.equal(turned, torch.rot90(stored, round(angle / 90), dims=(-2, -1)))
    assert torch.equal(turned.frame_pts, stored.frame_pts)
    assert turned.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("fmt", ["gray", "bgra", "yuv444p", "rgb48le"])
def test_rotate_in_other_formats(make_media, fmt):
    # The turn comes after the format step, so it only moves pixels.
    path = make_media("rgb_rot90.mp4")
    stored = decode_whole_video(path, format=fmt)
    turned = decode_whole_video(path, format=fmt, rotate=True)
    assert torch.equal(turned, torch.rot90(stored, 1, dims=(-2, -1)))


@pytest.mark.parametrize("name, angle", sorted(TURNED.items()))
def test_size_applies_to_the_turned_frame(make_media, name, angle):
    path = make_media(name)
    k = round(angle / 90)
    turned = decode_whole_video(path, rotate=True, width=40, height=30)
    assert turned.shape == (N, 3, 30, 40)
    # The same as scaling to the size that turning makes 40x30, then turning.
    h, w = turned_size(angle, 40, 30)
    stored = decode_whole_video(path, width=w, height=h)
    assert torch.equal(turned, torch.rot90(stored, k, dims=(-2, -1)))
    # Width alone keeps the turned frame's height.
    assert decode_whole_video(path, rotate=True, width=40).shape == (
        N, 3, turned_size(angle)[0], 40)


def test_rotate_without_display_matrix_changes_nothing(make_media):
    path = make_media("rgb_lossless.mkv")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, rotate=True)
    assert "transpose" not in reader.get_out_stream_info(0).filter_description
    assert torch.equal(decode_whole_video(path, rotate=True), decode_whole_video(path))


def test_frames_on_demand_are_turned(make_media):
    path = make_media("rgb_rot270.mp4")
    whole = decode_whole_video(path, rotate=True)
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(4, rotate=True)
    indices = [33, 0, 12, N - 1, 12]
    got = reader.get_frames_at(indices)
    assert torch.equal(got, whole[indices])
    assert torch.equal(got.frame_pts, whole.frame_pts[indices])
    played = reader.get_frames_played_at([0.5, 0.1])
    assert torch.equal(played, whole[[12, 2]])


def test_rotate_refuses_an_angle_that_is_not_a_quarter_turn(make_media):
    reader = StreamReader(str(make_media("rgb_rot45.mp4")))
    with pytest.raises(NotSupportedError, match="asks for 45 degrees"):
        reader.add_basic_video_stream(-1, rotate=True)
    assert reader.num_out_streams == 0
    # Without rotate the frames come as stored.
    reader.add_basic_video_stream(-1)
    assert reader.get_out_stream_info(0).width == W


def test_rotate_refuses_hw_accel_before_opening_a_device(make_media):
    reader = StreamReader(str(make_media("rgb_rot90.mp4")))
    with pytest.raises(InvalidArgumentError, match="rotate=True"):
        reader.add_basic_video_stream(-1, rotate=True, hw_accel="cuda")
