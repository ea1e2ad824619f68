"""Precise seek on codecs that reorder frames (H.264, HEVC, MPEG-2, MPEG-4
with B-frames; VP9 with hidden frames): after seek(t), the first frame is the
one that sequential decoding shows at t, pixel for pixel.

While a precise seek decodes up to its target, the decoder skips frames that
no other frame refers to; these tests are what says that skipping never
changes a frame the user sees, nor which frame comes first."""

from __future__ import annotations

import math
import subprocess
import sys

import media
import numpy as np
import pytest
import torch
from ffstream import StreamReader
from helpers import packet_count

CODECS = ["h264.mp4", "hevc.mp4", "hevc.ts", "mpeg2.ts", "mpeg4.mkv", "vp9.webm"]


def decode_all(path, filter_desc=None):
    """Every frame and its pts, decoded from the start."""
    reader = StreamReader(str(path))
    reader.add_video_stream(1, -1, filter_desc=filter_desc)
    frames, pts = [], []
    for (chunk,) in reader.stream():
        frames.append(chunk[0].clone())
        pts.append(chunk.pts)
    return frames, pts


def first_frame_after_seek(reader, t, mode="precise"):
    reader.seek(t, mode)
    reader.fill_buffer()
    (chunk,) = reader.pop_chunks()
    assert chunk is not None, f"no frame after seek({t}, {mode!r})"
    return chunk


@pytest.mark.parametrize("name", CODECS)
def test_precise_seek_to_every_frame_gives_that_frame(make_media, name):
    path = make_media(name)
    frames, pts = decode_all(path)
    assert len(frames) == 50
    reader = StreamReader(str(path))
    reader.add_video_stream(1, -1)
    # Out of order, so that seeks go backwards, forwards and within a GOP.
    order = list(range(0, 50, 3)) + list(range(49, 0, -4)) + [7, 8, 9, 10]
    for k in order:
        chunk = first_frame_after_seek(reader, pts[k])
        assert chunk.pts == pytest.approx(pts[k], abs=1e-6), f"frame {k}"
        assert np.array_equal(chunk[0].numpy(), frames[k].numpy()), f"frame {k}"


@pytest.mark.parametrize("name", CODECS)
def test_precise_seek_between_frames_gives_the_next_frame(make_media, name):
    path = make_media(name)
    frames, pts = decode_all(path)
    reader = StreamReader(str(path))
    reader.add_video_stream(4, -1)
    for k in (1, 5, 11, 12, 23, 38, 49):
        t = (pts[k - 1] + pts[k]) / 2
        chunk = first_frame_after_seek(reader, t)
        assert chunk.pts == pytest.approx(pts[k], abs=1e-6)
        n = chunk.shape[0]
        assert n == min(4, 50 - k)
        expected = np.stack([f.numpy() for f in frames[k:k + n]])
        assert np.array_equal(chunk.numpy(), expected), f"frames {k}.."


@pytest.mark.parametrize(
    "filter_desc",
    [
        "hflip,scale=32:24",  # each frame on its own
        "tmix=frames=3",  # mixes each frame with the two before it
        "fps=10",  # picks frames by their time
    ],
)
def test_precise_seek_equals_key_seek_then_dropping(make_media, filter_desc):
    """A precise seek gives what decoding from the key frame and dropping the
    frames before t gives, whatever the filter does with earlier frames."""
    path = make_media("h264.mp4")
    precise = StreamReader(str(path))
    precise.add_video_stream(1, -1, filter_desc=filter_desc)
    by_key = StreamReader(str(path))
    by_key.add_video_stream(1, -1, filter_desc=filter_desc)
    for t in (0.33, 0.9, 1.27, 0.61):
        got = first_frame_after_seek(precise, t)
        by_key.seek(t, "key")
        expected = None
        for (chunk,) in by_key.stream():
            if chunk.pts >= t - 1e-6:
                expected = chunk
                break
        assert expected is not None
        assert got.pts == pytest.approx(expected.pts, abs=1e-6)
        assert np.array_equal(got.numpy(), expected.numpy()), f"t={t}"


def test_precise_seek_with_two_outputs_on_one_stream(make_media):
    """A frame-by-frame output and a temporal one share the decoder: both get
    their exact frames."""
    path = make_media("h264.mp4")
    plain, _ = decode_all(path)
    reader = StreamReader(str(path))
    reader.add_video_stream(1, -1)
    reader.add_video_stream(1, -1, filter_desc="tmix=frames=2")
    reader.seek(0.52, "precise")
    reader.fill_buffer()
    a, b = reader.pop_chunks()
    assert a.pts == pytest.approx(0.52) and b.pts == pytest.approx(0.52)
    assert np.array_equal(a[0].numpy(), plain[13].numpy())
    # tmix=frames=2 averages frame 13 with frame 12, which must be decoded.
    mixed = (plain[12].int() + plain[13].int() + 1) // 2
    assert (b[0].int() - mixed).abs().max() <= 1


@pytest.mark.parametrize("name", CODECS)
def test_key_seek_never_starts_after_t(make_media, name):
    """Key mode starts at a key frame at or before t, also where the
    container's index is in decode order (HEVC's open GOPs in MP4) or
    missing (MPEG-TS)."""
    path = make_media(name)
    frames, pts = decode_all(path)
    reader = StreamReader(str(path))
    reader.add_video_stream(1, -1)
    for k in (9, 10, 19, 21, 30, 39, 49):
        chunk = first_frame_after_seek(reader, pts[k], "key")
        assert chunk.pts <= pts[k] + 1e-6, f"seek to frame {k}"
        j = pts.index(min(pts, key=lambda p: abs(p - chunk.pts)))
        assert np.array_equal(chunk[0].numpy(), frames[j].numpy())


def test_seeking_again_neither_loses_nor_repeats_delivered_audio(make_media):
    """Seeking to a frame that MP4's index places after its key frame makes
    the reader seek again; the audio delivered meanwhile, popped packet by
    packet, must go on without a gap or a repeat."""
    path = make_media("hevc_av.mp4")
    _, pts = decode_all(path)
    t = pts[9]  # shown before the key frame at 0.4, decoded after it
    full = StreamReader(str(path))
    full.add_audio_stream(-1, -1)
    full.process_all_packets()
    (all_audio,) = full.pop_chunks()
    start = round(t * media.SINE_RATE)

    reader = StreamReader(str(path))
    reader.add_audio_stream(256, -1)
    reader.add_video_stream(1, -1)
    reader.seek(t, "precise")
    audio, video_pts = [], []
    done = False
    while not done:
        done = reader.process_packet()
        while True:  # everything that is ready, as soon as it is
            a, v = reader.pop_chunks()
            if a is None and v is None:
                break
            if a is not None:
                audio.append(a)
            if v is not None:
                video_pts.append(v.pts)
    assert video_pts[0] == pytest.approx(t, abs=1e-6)
    assert audio[0].pts == pytest.approx(start / media.SINE_RATE, abs=1e-6)
    got = torch.cat(audio)
    assert torch.equal(got, all_audio[start:start + got.shape[0]])
    assert got.shape[0] == all_audio.shape[0] - start


@pytest.mark.parametrize("t", [100.0, 1e6])
def test_seek_past_the_end_ends_after_a_bounded_read(make_media, t):
    """MPEG-TS past its end: no frame comes, and the stream simply ends after
    a bounded number of demuxer seeks and packets."""
    path = make_media("mpeg2.ts")
    reader = StreamReader(str(path))
    reader.add_video_stream(1, -1)
    reader.seek(t, "precise")
    assert [c for (c,) in reader.stream()] == []
    counters = reader._seek_counters()
    # The first try, at most four retries further back, one from the start.
    assert 1 <= counters.demuxer_seeks <= 6
    assert counters.packets_read <= 6 * packet_count(path)


def seek_and_read(path, t, mode):
    reader = StreamReader(str(path))
    reader.add_video_stream(1, -1)
    reader.seek(t, mode)
    delivered = sum(c.shape[0] for (c,) in reader.stream())
    return delivered, reader._seek_counters()


def test_precise_seek_counts_one_demuxer_seek_and_skips_unreferenced_frames(make_media):
    # Key frames 5 s apart: seek(4.0) decodes from frame 0, drops the 120
    # frames before the target, and skips decoding the B-frames among them.
    path = make_media("far_keys.mp4")
    delivered, counters = seek_and_read(path, 4.0, "precise")
    assert delivered == 180
    assert counters.demuxer_seeks == 1
    assert counters.frames_decoded == delivered + counters.frames_dropped
    assert 0 < counters.frames_dropped < 120


def test_seeks_that_land_late_count_their_retries(make_media):
    # MP4 indexes HEVC's open-GOP key frames by dts: seek(0.36) lands on the
    # key frame shown at 0.40. A precise seek goes back once; a key seek goes
    # back, probes for the key frame at or before 0.36, then replays.
    path = make_media("hevc.mp4")
    _, precise = seek_and_read(path, 0.36, "precise")
    _, key = seek_and_read(path, 0.36, "key")
    _, on_key = seek_and_read(path, 0.40, "key")
    assert precise.demuxer_seeks == 2
    assert key.demuxer_seeks == 3
    assert on_key.demuxer_seeks == 1


def test_seeking_again_keeps_every_video_frame_with_ms_rounded_pts(make_media):
    """The audio starts 1 s after the video, so a seek to 0.5 s finds no audio
    frame at first and seeks again after video frames were delivered. The
    video goes on after its last delivered frame, whose successor may come
    less than a frame period later (33 and 34 ms steps)."""
    path = make_media("late_audio.mkv")
    results = {}
    for with_audio in (False, True):
        reader = StreamReader(str(path))
        reader.add_video_stream(1, -1)
        if with_audio:
            reader.add_audio_stream(4096, -1)
        reader.seek(0.5, "precise")
        results[with_audio] = [
            round(chunks[0].pts, 3)
            for chunks in reader.stream()
            if chunks[0] is not None
        ]
    assert results[True] == results[False]
    assert results[False][0] == pytest.approx(0.5, abs=0.002)
    assert len(results[False]) == 45  # 0.5 s to 2 s at 30 fps


def key_frame_times(path):
    out = subprocess.run(
        [media.FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
         "packet=pts_time,flags", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout
    return sorted(
        float(line.split(",")[0]) for line in out.split() if ",K" in line
    )


@pytest.mark.parametrize("name", ["mpeg2.ts", "hevc.mp4", "hevc.ts", "h264.mp4"])
def test_key_seek_starts_at_the_last_key_frame_at_or_before_t(make_media, name):
    path = make_media(name)
    keys = key_frame_times(path)
    _, pts = decode_all(path)
    reader = StreamReader(str(path))
    reader.add_video_stream(1, -1)
    for t in [pts[k] for k in (0, 9, 12, 21, 30, 39, 45, 49)]:
        expected = max(k for k in keys if k <= t + 1e-6)
        chunk = first_frame_after_seek(reader, t, "key")
        assert chunk.pts == pytest.approx(expected, abs=1e-6), f"t={t}"


def test_filters_that_count_frames_see_every_frame(make_media):
    """crop's x may depend on the frame number n: frames before the target
    are then decoded, so the crop is what decoding from the key frame gives
    (setpts=PTS, which changes nothing, keeps skipping off for reference)."""
    path = make_media("h264.mp4")
    crop = "crop=w=32:h=24:x='mod(n\\,2)*16':y=0"
    a = StreamReader(str(path))
    a.add_video_stream(1, -1, filter_desc=crop)
    b = StreamReader(str(path))
    b.add_video_stream(1, -1, filter_desc=crop + ",setpts=PTS")
    for t in (0.12, 0.24, 0.52, 0.96, 1.32, 1.72):
        x = first_frame_after_seek(a, t)
        y = first_frame_after_seek(b, t)
        assert x.pts == pytest.approx(y.pts)
        assert np.array_equal(x.numpy(), y.numpy()), f"t={t}"


def test_a_huge_chunk_commits_only_the_memory_written(make_media):
    """frames_per_chunk far above the stream's length: the chunk's block is
    reserved, but only the pages that frames were written to are mapped."""
    path = make_media("h264.mp4")
    code = (
        "import resource, sys\n"
        "from ffstream import StreamReader\n"
        "r = StreamReader(sys.argv[1])\n"
        "r.add_video_stream(20000, -1)\n"  # 20000 x 9 KiB = 184 MB
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "r.process_all_packets()\n"
        "(c,) = r.pop_chunks()\n"
        "assert c.shape[0] == 50, c.shape\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        check=True, capture_output=True, text=True,
    ).stdout
    grown_mb = int(out) / 1024
    assert grown_mb < 50, f"max RSS grew by {grown_mb:.0f} MB"


def test_audio_preroll_does_not_cost_video_an_earlier_gop(make_media):
    """seek(t) just after a key frame: the audio pre-roll sends the demuxer
    into the previous GOP, but the video packets before the key frame that t
    needs are dropped unread, so video decodes what it decodes alone. Video
    and audio are still exact."""
    path = make_media("gop1s_av.mp4")
    whole = StreamReader(str(path))
    whole.add_basic_video_stream(-1, -1)
    whole.add_basic_audio_stream(-1, -1)
    whole.process_all_packets()
    all_video, all_audio = whole.pop_chunks()

    def seek(t, video, audio):
        r = StreamReader(str(path))
        if video:
            r.add_basic_video_stream(-1, -1)
        if audio:
            r.add_basic_audio_stream(-1, -1)
        r.seek(t)
        r.process_all_packets()
        return r.pop_chunks(), r._seek_counters().frames_decoded

    for t in (1.2, 3.08, 4.5):
        (video, audio), both = seek(t, True, True)
        _, video_alone = seek(t, True, False)
        _, audio_alone = seek(t, False, True)
        assert both == video_alone + audio_alone
        k = round(video.pts * 25)
        assert k == math.ceil(t * 25 - 1e-9)
        assert torch.equal(video, all_video[k:])
        start = round(audio.pts * 16000)
        assert start == round(t * 16000)
        assert torch.equal(audio, all_audio[start:])
