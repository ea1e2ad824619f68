"""Time you can trust: every video frame's pts and duration (frame_pts,
frame_duration) against ffprobe, chunks cut by seconds (seconds_per_chunk)
against slices of a whole decode, and ChunkTensor keeping frame times when
frames are selected."""

from __future__ import annotations

import math

import media
import numpy as np
import pytest
import torch
from ffstream import ChunkTensor, InvalidArgumentError, StreamReader
from helpers import decode_whole_audio, decode_whole_video, pop_all

# B-frame H.264 (ntsc_av, vfr), open-GOP HEVC (x265's default), variable
# frame rate, first pts not 0 (offset, and the MPEG-TS files), AVI with a
# tick per frame and gaps, AVI whose B-frames have no pts, VP9.
FRAME_TIME_FILES = [
    "ntsc_av.mp4", "hevc.mp4", "hevc.ts", "vfr.mp4", "offset.mkv", "h264.ts",
    "dropped.avi", "bframes.avi", "vp9.webm", "mpeg2.ts",
]


def all_frame_times(reader: StreamReader):
    """Pops every chunk; (frame_pts, frame_duration) of all of them, after
    checking that each chunk's pts is its first frame's."""
    pts, durations = [], []
    for chunk in pop_all(reader):
        assert chunk.frame_pts is not None and chunk.frame_pts.dtype == torch.float64
        assert chunk.frame_pts.shape == (chunk.shape[0],)
        assert chunk.frame_duration.shape == (chunk.shape[0],)
        assert chunk.frame_pts[0].item() == chunk.pts
        pts += chunk.frame_pts.tolist()
        durations += chunk.frame_duration.tolist()
    return pts, durations


def pop_all_chunks(reader: StreamReader):
    """Every list pop_chunks gives until the end, as stream() yields them."""
    return list(reader.stream())


@pytest.mark.parametrize("name", FRAME_TIME_FILES)
def test_frame_pts_and_duration_match_ffprobe(make_media, name):
    path = make_media(name)
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(7, -1)
    reader.process_all_packets()
    pts, durations = all_frame_times(reader)
    probe = media.ffprobe_frame_times(path)
    assert len(pts) == len(probe)
    for i, ((p, d), (ref_p, ref_d)) in enumerate(zip(zip(pts, durations), probe)):
        if ref_p is not None:  # ffprobe has no pts for some AVI B-frames
            assert p == ref_p, f"frame {i}"
        # The frame's own duration, else (none in the file) a frame period.
        if ref_d > 0:
            assert d == ref_d, f"frame {i}"
        assert d > 0


def test_variable_frame_rate_pts_are_the_files(make_media):
    pts, durations = all_frame_times(_reader(make_media("vfr.mp4"), 10))
    expected = [(n * 40 + (n % 3) * 15) / 1000 for n in range(len(pts))]
    assert pts == expected


def _reader(path, frames_per_chunk, buffer_chunk_size=-1, **kwargs):
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(frames_per_chunk, buffer_chunk_size, **kwargs)
    reader.process_all_packets()
    return reader


@pytest.mark.parametrize("name", ["ntsc_av.mp4", "hevc.mp4", "h264.ts", "vfr.mp4"])
def test_frame_pts_after_a_precise_seek(make_media, name):
    path = make_media(name)
    probe = [p for p, _ in media.ffprobe_frame_times(path)]
    target = probe[len(probe) // 2] - 0.001
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(5, -1)
    reader.seek(target)
    reader.process_all_packets()
    pts, _ = all_frame_times(reader)
    assert pts == [p for p in probe if p >= target]


def test_frame_pts_of_the_frames_that_survive_a_drop(make_media):
    path = make_media("h264.ts")
    probe = [p for p, _ in media.ffprobe_frame_times(path)]
    reader = _reader(path, 4, 2)  # 150 frames: 37 whole chunks and 2 frames
    pts, _ = all_frame_times(reader)
    assert pts == probe[-6:]
    assert reader.stats().frames_dropped == [len(probe) - 6]


def test_frame_duration_is_the_output_frame_period_after_fps(make_media):
    chunk = decode_whole_video(make_media("h264.mp4"), frame_rate=10)
    assert chunk.frame_pts.tolist() == pytest.approx([i / 10 for i in range(20)])
    assert chunk.frame_duration.tolist() == pytest.approx([0.1] * 20)


def test_audio_chunks_have_no_frame_times(make_media):
    chunk = decode_whole_audio(make_media("sine.wav"))
    assert chunk.frame_pts is None and chunk.frame_duration is None


# ---- ChunkTensor: selecting frames keeps their times ----


def test_selecting_frames_keeps_their_times(make_media):
    chunk = decode_whole_video(make_media("vfr.mp4"))
    times = chunk.frame_pts
    for index in [slice(2, 5), slice(None, None, 3), [4, 1, 1], torch.tensor([7, 0]),
                  chunk.frame_pts > 1.0, (slice(1, 3), 0)]:
        part = chunk[index]
        first = index[0] if isinstance(index, tuple) else index
        assert isinstance(part, ChunkTensor), index
        assert torch.equal(part.frame_pts, times[first])
        assert torch.equal(part.frame_duration, chunk.frame_duration[first])
        assert part.pts == times[first][0].item()
        assert torch.equal(part._elem, chunk._elem[index])
    # One frame, arithmetic, and audio slices are plain tensors.
    assert type(chunk[3]) is torch.Tensor
    assert type(chunk * 2) is torch.Tensor
    assert type(chunk[..., 0]) is torch.Tensor
    audio = decode_whole_audio(make_media("sine.wav"))
    assert type(audio[100:200]) is torch.Tensor


def test_hand_made_chunks_take_frame_times():
    data = torch.zeros(3, 1, 2, 2, dtype=torch.uint8)
    chunk = ChunkTensor(data, 0.5)
    assert chunk.frame_pts is None and type(chunk[1:]) is torch.Tensor
    chunk = ChunkTensor(data, 0.5, [0.5, 0.6, 0.7], [0.1, 0.1, 0.1])
    assert chunk[1:].pts == 0.6
    with pytest.raises(ValueError, match="one value per frame"):
        ChunkTensor(data, 0.5, [0.5, 0.6])


# ---- seconds_per_chunk ----


def window_of(pts: float, seconds: float) -> int:
    return math.floor(pts / seconds + 1e-9)


@pytest.mark.parametrize("seconds", [0.5, 0.3, 1.0, 0.07])
def test_seconds_per_chunk_audio_and_video_cover_the_same_time(make_media, seconds):
    path = make_media("av.mp4")
    video = decode_whole_video(path)
    audio = decode_whole_audio(path)
    rate = media.SINE_RATE
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(seconds_per_chunk=seconds)
    reader.add_basic_audio_stream(buffer_chunk_size=-1, seconds_per_chunk=seconds)
    items = pop_all_chunks(reader)
    seen_frames = seen_samples = 0
    for k, (v, a) in enumerate(items):
        lo, hi = k * seconds, (k + 1) * seconds
        # Video: exactly the frames whose pts is in [lo, hi).
        in_window = [i for i, p in enumerate(video.frame_pts.tolist()) if lo - 1e-9 <= p < hi - 1e-9]
        if in_window:
            assert v is not None and v.frame_pts.tolist() == video.frame_pts[in_window].tolist()
            assert torch.equal(v._elem, video._elem[in_window[0]:in_window[-1] + 1])
            seen_frames += v.shape[0]
        else:
            assert v is None
        # Audio: exactly the samples presented in [lo, hi), cut at the sample.
        first = max(math.ceil((lo - audio.pts) * rate - 1e-6), 0)
        last = min(math.ceil((hi - audio.pts) * rate - 1e-6), audio.shape[0])
        if last > first:
            assert a is not None and a.shape[0] == last - first, f"window {k}"
            assert a.pts == pytest.approx(audio.pts + first / rate, abs=1e-9)
            assert torch.equal(a._elem, audio._elem[first:last])
            seen_samples += a.shape[0]
        else:
            assert a is None
    assert seen_frames == video.shape[0] and seen_samples == audio.shape[0]


def test_seconds_per_chunk_on_a_variable_frame_rate(make_media):
    path = make_media("vfr.mp4")
    whole = decode_whole_video(path)
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(seconds_per_chunk=0.25, buffer_chunk_size=-1)
    reader.process_all_packets()
    chunks = pop_all(reader)
    counts = [c.shape[0] for c in chunks]
    assert len(set(counts)) > 1, "a variable rate gives chunks of varying size"
    assert torch.equal(torch.cat([c.frame_pts for c in chunks]), whole.frame_pts)
    for c in chunks:
        k = window_of(c.pts, 0.25)
        assert all(k * 0.25 - 1e-9 <= p < (k + 1) * 0.25 for p in c.frame_pts.tolist())


def test_seconds_per_chunk_after_seek_keeps_windows_on_the_source_timeline(make_media):
    path = make_media("av.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(seconds_per_chunk=0.5)
    reader.add_basic_audio_stream(seconds_per_chunk=0.5)
    reader.seek(1.3)
    items = pop_all_chunks(reader)
    v, a = items[0]
    assert v.pts == pytest.approx(1.32) and v.frame_pts[-1].item() == pytest.approx(1.48)
    assert a.pts == pytest.approx(1.3) and a.shape[0] == round(0.2 * media.SINE_RATE)
    assert len(items) >= 2
    for k, (v, a) in enumerate(items[1:], start=3):
        # AAC's last frame may reach past the video's end (2 s).
        assert v is not None or k * 0.5 >= 2.0
        if v is not None:
            assert window_of(v.pts, 0.5) == k
        assert window_of(a.pts, 0.5) == k and a.pts == pytest.approx(k * 0.5)


def test_seconds_per_chunk_with_a_late_stream_gives_none_until_it_starts(make_media):
    # late_audio.mkv: video from 0 s to 2 s, audio from 1 s to 3 s. An
    # output has None in the windows where its stream has nothing.
    reader = StreamReader(str(make_media("late_audio.mkv")))
    reader.add_basic_video_stream(seconds_per_chunk=0.25, buffer_chunk_size=-1)
    reader.add_basic_audio_stream(seconds_per_chunk=0.25, buffer_chunk_size=-1)
    items = pop_all_chunks(reader)
    assert [(v is None, a is None) for v, a in items] == (
        [(False, True)] * 4 + [(False, False)] * 4 + [(True, False)] * 4
    )
    for k, (v, a) in enumerate(items):
        for chunk in (v, a):
            assert chunk is None or window_of(chunk.pts, 0.25) == k


def test_seconds_per_chunk_windows_start_at_pts_0(make_media):
    # offset.mkv starts at 1.5 s: its first chunk is the window [1.5, 2.0).
    reader = StreamReader(str(make_media("offset.mkv")))
    reader.add_basic_video_stream(seconds_per_chunk=0.5)
    (first,) = next(reader.stream())
    assert first.pts == 1.5 and first.shape[0] == 13


def test_buffer_chunk_size_counts_time_windows(make_media):
    path = make_media("sine.wav")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(buffer_chunk_size=2, seconds_per_chunk=0.3)
    reader.process_all_packets()
    chunks = pop_all(reader)
    # 2 s: windows of 4800 samples, the last one 3200: the newest two stay.
    assert [c.shape[0] for c in chunks] == [4800, 3200]
    assert [c.pts for c in chunks] == pytest.approx([1.5, 1.8])
    assert reader.stats().frames_dropped == [32000 - 8000]


def test_seconds_per_chunk_at_a_rate_that_does_not_divide(make_media):
    # 0.35 s at 44.1 kHz is 15435 samples; 0.1 s windows of 25 fps video
    # hold 2 or 3 frames.
    audio = decode_whole_audio(make_media("stereo_f32.wav"))
    reader = StreamReader(str(make_media("stereo_f32.wav")))
    reader.add_basic_audio_stream(seconds_per_chunk=0.35, buffer_chunk_size=-1)
    reader.process_all_packets()
    chunks = pop_all(reader)
    assert [c.shape[0] for c in chunks[:-1]] == [15435] * (len(chunks) - 1)
    assert torch.equal(torch.cat([c._elem for c in chunks]), audio._elem)
    assert [c.pts for c in chunks] == pytest.approx([k * 0.35 for k in range(len(chunks))])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "give frames_per_chunk or seconds_per_chunk"),
        ({"frames_per_chunk": 10, "seconds_per_chunk": 0.5}, "not both"),
        ({"seconds_per_chunk": 0}, "seconds_per_chunk must be positive"),
        ({"seconds_per_chunk": -1.0}, "seconds_per_chunk must be positive"),
        ({"seconds_per_chunk": float("nan")}, "seconds_per_chunk must be positive"),
        ({"seconds_per_chunk": "0.5"}, "seconds_per_chunk must be a number"),
    ],
)
def test_seconds_per_chunk_bad_arguments(make_media, kwargs, message):
    reader = StreamReader(str(make_media("av.mp4")))
    for add in (reader.add_basic_video_stream, reader.add_basic_audio_stream,
                reader.add_video_stream, reader.add_audio_stream):
        with pytest.raises(InvalidArgumentError, match=message):
            add(**kwargs)
    assert reader.num_out_streams == 0


def test_frames_per_chunk_keeps_its_position_and_meaning(make_media):
    reader = StreamReader(str(make_media("av.mp4")))
    reader.add_basic_video_stream(8, 2)
    reader.add_audio_stream(1000, -1)
    reader.fill_buffer()
    video, audio = reader.pop_chunks()
    assert video.shape[0] == 8 and audio.shape[0] == 1000
    assert np.isclose(video.frame_pts[1].item(), 0.04)


# ---- nothing dropped without the user knowing ----


def test_dropped_frames_are_counted_and_warned_once_per_output(make_media, caplog):
    reader = StreamReader(str(make_media("av.mp4")))
    reader.add_basic_video_stream(5, 1)  # drops all but the newest chunk
    reader.add_basic_audio_stream(1000, -1)  # keeps everything
    with caplog.at_level("WARNING", logger="ffstream"):
        reader.process_all_packets()
        reader.pop_chunks()
        reader.pop_chunks()
    warnings = [r.getMessage() for r in caplog.records if r.name == "ffstream"]
    assert len(warnings) == 1
    assert warnings[0].startswith("output 0 (video of source stream 0) dropped 45 frames")
    assert "buffer_chunk_size" in warnings[0]
    assert reader.stats().frames_dropped == [45, 0]
