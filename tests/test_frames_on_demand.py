"""Frames on demand: get_frame_index (the exact frame count and every frame's
pts from the packets), get_frames_at and get_frames_played_at against the
same frames decoded sequentially, on every container the seek tests use."""

from __future__ import annotations

import random
import zlib

import media
import pytest
import torch
from ffstream import InvalidArgumentError, StreamReader
from helpers import decode_whole_video, pop_all, streamed_and_indexed

# B-frame H.264 in MP4 and MPEG-TS, open-GOP HEVC, VP9, MPEG-2 and MPEG-4
# Part 2, variable frame rate, a first pts that is not 0, key frames 5 s
# apart, AVI with a tick per frame and gaps, MP4 edit lists that hide the
# first frames, and two whose index comes from decoding: AVI whose B-frames
# have no pts, and an MPEG-TS cut mid-GOP.
# The 64x48 edit lists (test_quirks.py has edit_list.mp4, of another size).
EDIT_LISTS = sorted(name for name in media.DERIVED if name.startswith("edit_list_g"))
DECODED = ["bframes.avi", "mid_gop.ts"]
CONTAINERS = [
    "h264.mp4", "ntsc_av.mp4", "hevc.mp4", "hevc.ts", "vfr.mp4", "offset.mkv",
    "offset.mp4", "h264.ts", "dropped.avi", "vp9.webm", "mpeg2.ts",
    "far_keys.mp4", "mpeg4.mkv", "ntsc_k12.avi", "gop1s_av.mp4", "late_audio.mkv",
    "hevc_av.mp4", "rgb_lossless.mkv", *EDIT_LISTS, *DECODED,
]


def index_sets(n: int, seed: int):
    rng = random.Random(seed)
    picks = [rng.randrange(n) for _ in range(8)]
    return {
        "sorted": sorted(picks),
        "unsorted": picks + [0, n - 1],
        "repeated": [picks[0], picks[1], picks[0], picks[0], n - 1, n - 1],
        "descending": sorted(picks, reverse=True),
    }


@pytest.mark.parametrize("name", CONTAINERS)
def test_frames_at_equal_sequential_decoding(make_media, name):
    path = make_media(name)
    whole, reader, index = streamed_and_indexed(path)
    n = whole.shape[0]
    assert index.num_frames == len(index) == n
    assert torch.equal(index.pts, whole.frame_pts)
    assert index.decoded == (name in DECODED)
    for kind, indices in index_sets(n, seed=zlib.crc32(name.encode())).items():
        got = reader.get_frames_at(indices)
        assert got.shape == (len(indices), *whole.shape[1:]), kind
        assert torch.equal(got._elem, whole._elem[indices]), f"{kind}: {indices}"
        assert torch.equal(got.frame_pts, whole.frame_pts[indices]), kind
        assert torch.equal(got.frame_duration, whole.frame_duration[indices]), kind
        assert got.pts == whole.frame_pts[indices[0]].item()


@pytest.mark.parametrize("name", [*EDIT_LISTS, "mid_gop.ts", "offset.mp4"])
def test_index_holds_exactly_the_frames_decoding_gives(make_media, name):
    # Frames an edit list hides, or that a stream cut mid-GOP cannot
    # rebuild, have packets but are never decoded into frames.
    path = make_media(name)
    pts, keys, packets = media.ffprobe_video_frames(path)
    assert (len(pts) < packets) == (name != "offset.mp4")
    gray = media.ffmpeg_decode_raw(
        path, ["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray"]
    )
    assert gray.size == len(pts) * 64 * 48  # the ffmpeg command decodes as many
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(3)
    index = reader.get_frame_index()
    assert index.num_frames == len(pts)
    assert index.pts.tolist() == pytest.approx(pts, abs=1e-9)
    assert index.key_frame.nonzero().flatten().tolist() == keys
    whole = decode_whole_video(path)
    assert torch.equal(index.pts, whole.frame_pts)
    # Every frame (decoded forward), then frames that need seeks.
    n = len(pts)
    for indices in (list(range(n)), [n - 1, 0, n // 2, 1]):
        got = reader.get_frames_at(indices)
        assert torch.equal(got._elem, whole._elem[indices])
        assert torch.equal(got.frame_pts, whole.frame_pts[indices])


@pytest.mark.parametrize("name", ["h264.mp4", "hevc.ts", "vfr.mp4", "bframes.avi"])
def test_streaming_goes_on_after_the_latest_frame_returned(make_media, name):
    path = make_media(name)
    whole = decode_whole_video(path)
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(5, -1)
    reader.get_frames_at([30, 12])
    reader.process_all_packets()
    chunks = pop_all(reader)
    rest = torch.cat([c._elem for c in chunks])
    assert torch.equal(rest, whole._elem[31:])
    assert chunks[0].pts == whole.frame_pts[31].item()


def test_every_output_goes_on_from_the_same_time(make_media):
    path = make_media("av.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, -1)
    reader.add_basic_audio_stream(-1, -1)
    frame = reader.get_frames_at([20])
    reader.process_all_packets()
    video, audio = reader.pop_chunks()
    assert video.pts == pytest.approx(0.84)
    # Audio goes on from the frame's time (0.8 s), not from where it was.
    assert audio.pts == pytest.approx(frame.pts, abs=1 / 16000)


def test_each_frame_is_decoded_once_and_forward_when_it_can(make_media):
    path = make_media("far_keys.mp4")  # 300 frames, key frames at 0 and 150
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(1)
    reader.get_frame_index()
    before = reader.stats().frames_decoded[0]
    reader.get_frames_at([3, 3, 3, 1, 2, 2])
    one_pass = reader.stats().frames_decoded[0] - before
    assert one_pass <= 8  # frames 0..3 and the decoder's delay, once
    # Frames after a key frame: the reader seeks to it instead of decoding
    # the 150 frames before.
    before = reader.stats().frames_decoded[0]
    reader.get_frames_at([151])
    assert reader.stats().frames_decoded[0] - before < 20


def test_frames_played_at(make_media):
    path = make_media("vfr.mp4")  # frame n at n * 40 + (n mod 3) * 15 ms
    whole = decode_whole_video(path)
    pts = whole.frame_pts.tolist()
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(8)
    times = [pts[0], pts[1] - 1e-6, pts[1], (pts[7] + pts[8]) / 2, pts[-1], 0.5, 0.5]
    expected = [0, 0, 1, 7, len(pts) - 1, 12, 12]
    assert pts[12] <= 0.5 < pts[13]
    got = reader.get_frames_played_at(times)
    assert torch.equal(got._elem, whole._elem[expected])
    assert got.frame_pts.tolist() == [pts[i] for i in expected]
    got = reader.get_frames_played_at(torch.tensor([0.2, 0.1]))
    assert got.frame_pts.tolist() == [pts[4], pts[1]]  # from 175 ms and 55 ms


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r: r.get_frames_at([50]), r"frame index 50 is out of range: .* has 50 frames \(0 to 49\)"),
        (lambda r: r.get_frames_at([3, -1]), "frame index -1 is out of range"),
        (lambda r: r.get_frames_played_at([1.4]), r"no frame .* at 1\.4.*cover \[1\.500000, 3\.500000\)"),
        (lambda r: r.get_frames_played_at([3.5]), r"cover \[1\.500000, 3\.500000\)"),
    ],
)
def test_out_of_range_raises_index_error_naming_the_range(make_media, call, message):
    reader = StreamReader(str(make_media("offset.mkv")))  # 50 frames from 1.5 s
    reader.add_basic_video_stream(4)
    with pytest.raises(IndexError, match=message):
        call(reader)


@pytest.mark.parametrize(
    "filter_desc",
    ["crop=40:30:8:6", "crop=32:24:t*40:0", "pad=80:64:8:6:red", "transpose=1", "hflip",
     "vflip,colorlevels=rimax=0.8", "rotate=0.3", "hue=H=t*3", "scale=33:25"],
)
def test_filters_that_keep_each_frame_apart_give_the_streamed_frames(make_media, filter_desc):
    path = make_media("edit_list_g8_bf3.mp4")
    desc = filter_desc + ",format=rgb24"
    reader = StreamReader(str(path))
    reader.add_video_stream(-1, -1, filter_desc=desc)
    reader.process_all_packets()
    (whole,) = reader.pop_chunks()
    reader = StreamReader(str(path))
    reader.add_video_stream(4, filter_desc=desc)
    indices = [30, 2, 17, 17, 36, 0, 9]
    got = reader.get_frames_at(indices)
    assert torch.equal(got._elem, whole._elem[indices])
    assert torch.equal(got.frame_pts, whole.frame_pts[indices])


@pytest.mark.parametrize(
    "filter_desc, message",
    [
        # Filters that change which frames come out or when, or mix frames.
        *[(f, f"filter '{f.split('=')[0]}' may change which frames come out or when")
          for f in ["fps=10", "select=eq(pict_type\\,I)", "setpts=2*PTS", "trim=end=1",
                    "tpad=start=2", "reverse", "framestep=2", "tmix=frames=3",
                    "yadif=mode=send_field", "minterpolate=fps=50"]],
        # Per-frame filters whose expressions count or remember frames.
        ("crop=32:24:n:0", "filter 'crop' has x='n', whose n counts the frames"),
        ("geq=lum=random(0)*255:cb=128:cr=128", "filter 'geq' has .*random\\(\\) keeps state"),
    ],
)
def test_outputs_that_change_timing_or_mix_frames_are_refused_naming_the_filter(
    make_media, filter_desc, message
):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_video_stream(4, filter_desc=filter_desc)
    with pytest.raises(InvalidArgumentError, match=message):
        reader.get_frames_at([1])


def test_a_frame_rate_output_is_refused(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_basic_video_stream(4, frame_rate=10)
    with pytest.raises(InvalidArgumentError, match="filter 'fps'"):
        reader.get_frames_at([1])
    with pytest.raises(IndexError, match="output stream index 5"):
        reader.get_frames_at([1], output=5)


def test_audio_outputs_are_refused(make_media):
    reader = StreamReader(str(make_media("av.mp4")))
    reader.add_basic_audio_stream(1024)
    with pytest.raises(InvalidArgumentError, match="video outputs"):
        reader.get_frames_at([1])
    with pytest.raises(InvalidArgumentError, match="video outputs"):
        reader.get_frames_played_at([0.1])


def test_frames_go_through_the_outputs_filter_and_format(make_media):
    path = make_media("hevc.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, -1, format="gray", width=32, height=24)
    reader.process_all_packets()
    (whole,) = reader.pop_chunks()
    reader = StreamReader(str(path))
    reader.add_video_stream(4, filter_desc="scale=32:24,format=gray")
    got = reader.get_frames_at([9, 0, 33])
    assert got.shape == (3, 1, 24, 32)
    assert torch.equal(got._elem, whole._elem[[9, 0, 33]])


def test_every_input_kind(make_media, as_input):
    path = make_media("h264.mp4")
    whole = decode_whole_video(path)
    reader = StreamReader(as_input(path))
    reader.add_basic_video_stream(4)
    assert reader.get_frame_index().num_frames == 50
    assert torch.equal(reader.get_frames_at([40, 3])._elem, whole._elem[[40, 3]])


def test_empty_and_bad_indices(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_basic_video_stream(4)
    empty = reader.get_frames_at([])
    assert empty.shape == (0, 3, 48, 64) and empty.frame_pts.shape == (0,)
    for bad in [[1.5], [True], "12", 3, torch.tensor([[1]]), torch.tensor([0.5])]:
        with pytest.raises(InvalidArgumentError, match="indices"):
            reader.get_frames_at(bad)
    for bad in [[float("nan")], ["1"], 0.5]:
        with pytest.raises(InvalidArgumentError, match="seconds"):
            reader.get_frames_played_at(bad)


def test_frame_index_is_exact_where_the_header_is_not(make_media):
    reader = StreamReader(str(make_media("offset.mkv")))
    # Matroska declares no frame count: torchaudio's num_frames stays 0.
    assert reader.get_src_stream_info(0).num_frames == 0
    reader.add_basic_video_stream(10, -1)
    index = reader.get_frame_index()
    assert index.num_frames == 50
    assert index.pts[0].item() == 1.5 and bool(index.key_frame[0])
    assert int(index.key_frame.sum()) == 5  # a key frame every 10
    # Building it moved the reader back to the start.
    reader.process_all_packets()
    chunks = pop_all(reader)
    assert sum(c.shape[0] for c in chunks) == 50


def test_frame_index_of_an_audio_stream_is_refused(make_media):
    reader = StreamReader(str(make_media("av.mp4")))
    with pytest.raises(InvalidArgumentError, match="video streams"):
        reader.get_frame_index(1)


def test_a_source_that_cannot_seek_is_refused_clearly(make_media):
    from file_doubles import ReadOnlyFile

    reader = StreamReader(ReadOnlyFile(make_media("h264.ts").read_bytes()))
    reader.add_basic_video_stream(4)
    with pytest.raises(InvalidArgumentError, match="cannot seek in <custom reader>: it has no seek"):
        reader.get_frames_at([3])
