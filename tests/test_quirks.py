"""Real-world media quirks (media.QUIRKS and media.DERIVED): odd frame sizes in
every video codec family, edit lists that discard frames, first pts that are
not 0, variable frame rates, a display matrix, B-frames without pts, MPEG
program streams and audio with encoder priming and padding.

For every file, ffstream must give what the ffmpeg command gives: the same
frames (count, per-frame pts as ffprobe's best-effort timestamps, rgb24
pixels to the bit), the same samples (count and float values), and the same
frames on demand as by streaming.

The ffmpeg command's decodes use `-fps_mode passthrough`: to the rawvideo
muxer, FFmpeg 5.1 otherwise makes a constant frame rate, duplicating frames
of the variable-rate files and padding the edit-list ones (vfr_select.mkv
gives 50 frames, not 35). They use `-noautorotate` too, since ffstream
gives frames as stored, as torchaudio did.
"""

from __future__ import annotations

import json
import subprocess
from functools import lru_cache
from pathlib import Path

import media
import numpy as np
import pytest
import torch
from ffstream import StreamReader
from helpers import decode_whole_audio, decode_whole_video, streamed_and_indexed

ODD_SIZES = [
    "odd_h264_444.mp4", "odd_h264_420.mp4", "odd_h264_gray.mkv", "odd_hevc_444.mp4",
    "odd_hevc_420.mkv", "odd_vp8.webm", "odd_vp9.webm", "odd_vp9_444.webm", "odd_av1.mkv",
    "odd_mpeg2.mkv", "odd_mpeg4.mp4", "odd_mjpeg.avi", "odd_mjpeg_420.mkv", "odd_prores.mov",
    "odd_prores_4444.mov",
]
EDIT_LISTS = ["edit_list.mp4", "edit_list_neg.mp4"]
VIDEO = [
    *ODD_SIZES, *EDIT_LISTS, "start_offset.mp4", "start_offset.ts", "vfr_select.mkv",
    "vfr_select.mp4", "rotated.mp4", "bframes_annexb.h264", "bframes_h264.avi", "program.mpg",
]
AUDIO = [
    "prime_aac.m4a", "prime_aac.aac", "prime_mp3.mp3", "prime_opus.ogg", "prime_opus.webm",
    "edit_list.mp4", "start_offset.ts", "program.mpg",
]

def _run(cmd) -> bytes:
    return subprocess.run(cmd, check=True, capture_output=True).stdout


@lru_cache(maxsize=None)
def ffprobe_video_frames(path: Path):
    """(pts, duration, key_frame) of every frame of the first video stream as
    ffprobe decodes it: pts from the best-effort timestamp (None where
    ffprobe has none) and duration from the packet's, both from ticks with
    the arithmetic ffstream documents (ticks * num / den)."""
    info = json.loads(_run([
        media.FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
        "stream=time_base:frame=best_effort_timestamp,pkt_duration,duration,key_frame",
        "-of", "json", str(path),
    ]))
    num, den = (int(x) for x in info["streams"][0]["time_base"].split("/"))

    def seconds(ticks):
        return None if ticks is None else int(ticks) * num / den

    return [
        # ffprobe 7.0 and later call the frame's duration "duration".
        (seconds(f.get("best_effort_timestamp")), seconds(f.get("duration", f.get("pkt_duration"))),
         bool(f["key_frame"]))
        for f in info["frames"]
    ]


def ffprobe_packets(path: Path, stream: str = "v:0"):
    """pts (None where the packet has none) of every packet of `stream`."""
    info = json.loads(_run([
        media.FFPROBE, "-v", "error", "-select_streams", stream, "-show_entries", "packet=pts",
        "-of", "json", str(path),
    ]))
    return [p.get("pts") for p in info["packets"]]


@lru_cache(maxsize=None)
def ffmpeg_rgb24(path: Path) -> np.ndarray:
    """Every frame as the ffmpeg command decodes it, (N, H, W, 3) uint8."""
    stream = next(s for s in media.ffprobe(path)["streams"] if s["codec_type"] == "video")
    raw = _run([
        media.FFMPEG, "-nostdin", "-v", "error", "-noautorotate", "-i", str(path), "-map", "0:v:0",
        "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ])
    return np.frombuffer(raw, np.uint8).reshape(-1, int(stream["height"]), int(stream["width"]), 3)


def ffmpeg_f32(path: Path) -> np.ndarray:
    """Every sample of the first audio stream as the ffmpeg command decodes
    it, (frames, channels) float32."""
    stream = next(s for s in media.ffprobe(path)["streams"] if s["codec_type"] == "audio")
    raw = _run([media.FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0",
                "-f", "f32le", "-"])
    return np.frombuffer(raw, np.float32).reshape(-1, int(stream["channels"]))


def ffprobe_first_audio_time(path: Path) -> float:
    """ffprobe's best-effort time of the first audio frame (the files are
    small: all are read, as the first packets may hold only samples that the
    decoder drops)."""
    info = json.loads(_run([
        media.FFPROBE, "-v", "error", "-select_streams", "a:0",
        "-show_entries", "stream=time_base:frame=best_effort_timestamp", "-of", "json", str(path),
    ]))
    num, den = (int(x) for x in info["streams"][0]["time_base"].split("/"))
    return int(info["frames"][0]["best_effort_timestamp"]) * num / den


@pytest.mark.parametrize("name", VIDEO)
def test_frames_and_pts_equal_ffprobe_and_ffmpeg(make_media, name):
    path = make_media(name)
    whole = decode_whole_video(path)
    probed = ffprobe_video_frames(path)
    assert whole.shape[0] == len(probed) == ffmpeg_rgb24(path).shape[0]
    pts = whole.frame_pts.tolist()
    duration = whole.frame_duration.tolist()
    if name == "bframes_annexb.h264":
        # A raw stream has no timestamps: ffprobe shows none, ffmpeg makes
        # them from the frame rate (25 fps), and so does ffstream.
        assert all(t is None for t, _, _ in probed)
        assert pts == [i / 25 for i in range(len(pts))]
    else:
        for i, (t, _, _) in enumerate(probed):
            # Where ffprobe has no time (the last frames of AVI and MPEG-PS
            # with B-frames, flushed without a pts), ffstream gives the time
            # where the frame before ends.
            expected = pts[i - 1] + duration[i - 1] if t is None and i > 0 else t
            assert pts[i] == expected, f"frame {i}"
        assert duration == [d for _, d, _ in probed]
    assert whole.pts == pts[0]


@pytest.mark.parametrize("name", VIDEO)
def test_rgb24_pixels_equal_ffmpeg_exactly(make_media, name):
    # The same FFmpeg decodes and the same swscale converts, with odd sizes
    # and 10-bit sources too: bit-exact.
    path = make_media(name)
    whole = decode_whole_video(path)
    ref = ffmpeg_rgb24(path)
    assert whole.shape == (ref.shape[0], 3, *ref.shape[1:3])
    assert np.array_equal(whole.permute(0, 2, 3, 1).numpy(), ref)


@pytest.mark.parametrize("name", VIDEO)
def test_frames_on_demand_equal_streaming(make_media, name):
    path = make_media(name)
    whole, reader, index = streamed_and_indexed(path)
    n = whole.shape[0]
    assert index.num_frames == n
    assert torch.equal(index.pts, whole.frame_pts)
    assert index.key_frame.tolist() == [k for _, _, k in ffprobe_video_frames(path)]
    for indices in ([n - 1, 0, n // 2, 3, n // 2 + 1], [1, 1, n - 2, 2], list(range(n - 1, -1, -4))):
        got = reader.get_frames_at(indices)
        assert torch.equal(got._elem, whole._elem[indices]), indices
        assert torch.equal(got.frame_pts, whole.frame_pts[indices]), indices
        assert torch.equal(got.frame_duration, whole.frame_duration[indices]), indices


@pytest.mark.parametrize("name", EDIT_LISTS)
def test_edit_list_files_discard_frames(make_media, name):
    # The files are what they claim: the demuxer gives more packets than the
    # decoder shows frames, and the first frame shown is at 0.
    path = make_media(name)
    whole = decode_whole_video(path)
    assert len(ffprobe_packets(path)) > whole.shape[0]
    assert whole.frame_pts[0].item() == 0.0


@pytest.mark.parametrize("name, first", [("start_offset.mp4", 1.3), ("start_offset.ts", 1.48)])
def test_first_pts_is_not_zero(make_media, name, first):
    whole = decode_whole_video(make_media(name))
    assert whole.pts == pytest.approx(first, abs=1e-9)
    assert torch.allclose(torch.diff(whole.frame_pts), torch.tensor(0.04, dtype=torch.float64))


@pytest.mark.parametrize("name", ["vfr_select.mkv", "vfr_select.mp4"])
def test_variable_frame_rate_keeps_the_gaps(make_media, name):
    # Of 50 frames at 25 fps, 10-19 and those with n % 7 == 3 were dropped.
    kept = [n for n in range(50) if not (10 <= n <= 19 or n % 7 == 3)]
    whole = decode_whole_video(make_media(name))
    assert whole.frame_pts.tolist() == pytest.approx([n * 0.04 for n in kept], abs=1e-9)


def test_rotation_is_reported(make_media):
    reader = StreamReader(str(make_media("rotated.mp4")))
    info = reader.get_src_stream_info(reader.default_video_stream)
    assert (info.width, info.height) == (200, 112)  # as stored
    assert info.rotation == 90.0


@pytest.mark.parametrize("name", ["bframes_annexb.h264", "bframes_h264.avi", "program.mpg"])
def test_packets_without_pts_are_indexed_by_decoding(make_media, name):
    path = make_media(name)
    assert None in ffprobe_packets(path)
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(4)
    assert reader.get_frame_index().decoded


def test_raw_h264_precise_seek_decodes_from_the_start(make_media):
    # libavformat cannot seek a raw stream by time (its packets have no
    # timestamps); a precise seek decodes from the start to the frame asked.
    path = make_media("bframes_annexb.h264")
    whole = decode_whole_video(path)
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, -1)
    for at, first in [(1.0, 25), (0.3, 8), (1.5, 38)]:
        reader.seek(at)
        reader.process_all_packets()
        (chunk,) = reader.pop_chunks()
        assert torch.equal(chunk._elem, whole._elem[first:]), at
        assert torch.equal(chunk.frame_pts, whole.frame_pts[first:]), at


def test_program_stream_frames_on_demand_with_audio_output(make_media):
    path = make_media("program.mpg")
    whole = decode_whole_video(path)
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(4)
    reader.add_basic_audio_stream(1024, -1)
    got = reader.get_frames_at([40, 3])
    assert torch.equal(got._elem, whole._elem[[40, 3]])


def test_program_stream_precise_audio_seek(make_media):
    path = make_media("program.mpg")
    ref = ffmpeg_f32(path)
    start = ffprobe_first_audio_time(path)
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(-1, -1)
    reader.seek(1.5)
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    first = round((chunk.pts - start) * 44100)
    assert chunk.pts == pytest.approx(1.5, abs=1 / 44100)
    # FFmpeg's fixed-point MP2 decoder carries a dither state from frame to
    # frame, which a seek restarts: within one 16-bit step of the decode
    # from the start (test_seek.py checks mp2float sample for sample).
    want = ref[first:first + chunk.shape[0]]
    assert chunk.shape == want.shape
    assert np.abs(chunk.numpy() - want).max() <= 1 / 32768


@pytest.mark.parametrize("name", AUDIO)
def test_audio_equals_ffmpeg_exactly(make_media, name):
    path = make_media(name)
    chunk = decode_whole_audio(path)
    ref = ffmpeg_f32(path)
    assert chunk.shape == ref.shape
    assert np.array_equal(chunk.numpy(), ref)
    assert chunk.pts == ffprobe_first_audio_time(path)


@pytest.mark.parametrize(
    "name, samples",
    [
        # The encoders' delay and padding trimmed to the 1.05 s that went in.
        ("prime_mp3.mp3", 46305), ("prime_opus.ogg", 50400), ("prime_opus.webm", 50400),
        # MP4: as its edit list says (media.mp4_aac_samples); ADTS says
        # nothing, so the priming and the padding stay.
        ("prime_aac.m4a", None), ("prime_aac.aac", 47 * 1024),
    ],
)
def test_priming_and_padding_are_trimmed_as_the_container_says(make_media, name, samples):
    if samples is None:
        samples = media.mp4_aac_samples(46305)  # 1.05 s at 44.1 kHz
    assert decode_whole_audio(make_media(name)).shape[0] == samples
