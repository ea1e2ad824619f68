"""torchaudio's StreamReader behaviour, stated one test at a time, so that code
written for torchaudio gets the same tensors, pts and return codes.

Each section names the behaviour as torchaudio 2.8 had it (checked side by side
with torchaudio 2.8 on the same FFmpeg while writing these tests; neither the
tests nor CI need torchaudio).
"""

from __future__ import annotations

import json
import math
import subprocess

import media
import numpy as np
import pytest
import torch
from ffstream import ChunkTensor, StreamReader, utils
from helpers import packet_count, pop_all


def zeros_before_end(reader: StreamReader) -> int:
    n = 0
    while (ret := reader.process_packet()) == 0:
        n += 1
    assert ret == 1
    return n


# ---- 1. rgb48le is int16 holding the 16-bit value minus 32768 ----


def test_rgb48le_is_int16_shifted_by_32768(make_media):
    path = make_media("rgb_lossless.mkv")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, format="rgb48le")
    reader.add_basic_video_stream(-1, format="rgb24")
    reader.process_all_packets()
    wide, narrow = reader.pop_chunks()
    assert wide.dtype == torch.int16
    assert wide.shape == narrow.shape
    ref = media.ffmpeg_decode_video_packed(path, "rgb48le", 3, dtype=np.uint16)
    values = wide.permute(0, 2, 3, 1).numpy().astype(np.int32)
    assert np.array_equal(values, ref.astype(np.int32) - 32768)
    # So 8-bit v comes back near (v - 128) << 8.
    near = (narrow.to(torch.int32) - 128) * 256
    assert (wide.to(torch.int32) - near).abs().max() <= 3 * 257
    assert wide.min() < 0 < wide.max()


# ---- 2. buffer_chunk_size drops the oldest whole chunk ----


def test_dropping_keeps_chunk_boundaries(make_media):
    # torchaudio cuts chunks every frames_per_chunk frames from the first one
    # and keeps buffer_chunk_size of them, the incomplete newest one included.
    # On this file (390 frames, 208,896 samples) it gives video 30, 30, 30 and
    # audio 16000, 16000, 896.
    path = make_media("ntsc_av.mp4")
    totals = []
    for bcs in (-1, 3):
        reader = StreamReader(str(path))
        reader.add_basic_video_stream(30, bcs)
        reader.add_basic_audio_stream(16000, bcs)
        reader.process_all_packets()
        video, audio = [], []
        while True:
            v, a = reader.pop_chunks()
            if v is None and a is None:
                break
            video += [v] if v is not None else []
            audio += [a] if a is not None else []
        if bcs == -1:
            totals = [sum(c.shape[0] for c in video), sum(c.shape[0] for c in audio)]
            all_video, all_audio = video, audio
            continue
        n_video, n_audio = totals
        assert n_video == 390
        assert [c.shape[0] for c in video] == [30, 30, 30]
        assert n_audio % 16000 != 0
        assert [c.shape[0] for c in audio] == [16000, 16000, n_audio % 16000]
        # What is kept is the last three chunks of the undropped decode.
        assert [c.pts for c in video] == [c.pts for c in all_video[-3:]]
        assert [c.pts for c in audio] == [c.pts for c in all_audio[-3:]]
        for kept, ref in zip(audio, all_audio[-3:]):
            assert torch.equal(kept, ref)


# ---- 3. process_packet returns 0 once per packet of the source, then 1 ----


@pytest.mark.parametrize("outputs", ["none", "video", "audio", "both"])
def test_process_packet_counts_every_packet(make_media, outputs):
    path = make_media("ntsc_av.mp4")
    reader = StreamReader(str(path))
    if outputs in ("video", "both"):
        reader.add_basic_video_stream(10)
    if outputs in ("audio", "both"):
        reader.add_basic_audio_stream(1000)
    assert zeros_before_end(reader) == packet_count(path)
    # At the end it keeps saying so.
    assert reader.process_packet() == 1
    assert reader.process_packet() == 1


def test_process_packet_counts_packets_of_every_stream_kind(make_media):
    path = make_media("two_audio.mkv")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(1000, stream_index=1)
    assert zeros_before_end(reader) == packet_count(path)


def with_subtitles(tmp_path, ext, codec):
    """Two video, two audio and two subtitle streams, in that order (3 s)."""
    srt = tmp_path / "lines.srt"
    srt.write_text(
        "1\n00:00:00,000 --> 00:00:01,000\nOne\n\n"
        "2\n00:00:01,500 --> 00:00:02,000\nTwo\n\n"
        "3\n00:00:02,200 --> 00:00:02,900\nThree\n"
    )
    path = tmp_path / f"subtitled.{ext}"
    sources = [
        ["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=3"],
        ["-f", "lavfi", "-i", "testsrc2=size=32x24:rate=10:duration=3"],
        ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=3"],
        ["-f", "lavfi", "-i", "sine=frequency=880:sample_rate=8000:duration=3"],
        ["-i", str(srt)],
        ["-i", str(srt)],
    ]
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *sum(sources, []),
         *sum((["-map", str(i)] for i in range(6)), []),
         "-c:v", "libx264", "-c:a", "aac", "-c:s", codec, str(path)],
        check=True,
    )
    return path


@pytest.mark.parametrize("ext,codec", [("mp4", "mov_text"), ("mkv", "srt"), ("mkv", "ass")])
def test_process_packet_reads_no_subtitle_packets(tmp_path, ext, codec):
    # torchaudio had the demuxer discard every stream that is neither audio
    # nor video: process_packet() returns 0 once per audio and video packet,
    # with or without outputs, and once per subtitle packet that probing had
    # read before the discard (Matroska: the first of each stream; MP4: none).
    path = with_subtitles(tmp_path, ext, codec)
    read_while_probing = {"mp4": 0, "mkv": 2}[ext]
    kinds = [s["codec_type"] for s in media.ffprobe(path)["streams"]]
    assert kinds == ["video"] * 2 + ["audio"] * 2 + ["subtitle"] * 2
    assert packet_count(path, "s") >= 6  # there are subtitle packets to pass over
    reader = StreamReader(str(path))
    assert zeros_before_end(reader) == packet_count(path) + read_while_probing
    assert reader.stats().packets == packet_count(path) + read_while_probing
    # Subtitle streams are still described.
    info = reader.get_src_stream_info(5)
    assert info.media_type == "subtitle"
    assert info.codec == {"mov_text": "mov_text", "srt": "subrip", "ass": "ass"}[codec]

    # With outputs, the same count; and seeking still lands where asked.
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, stream_index=1)
    reader.add_basic_audio_stream(-1, stream_index=3)
    assert zeros_before_end(reader) == packet_count(path) + read_while_probing
    full_video, full_audio = reader.pop_chunks()
    assert full_video.shape[0] == 30 and full_audio.shape[0] >= 3 * 8000
    for t in (1.0, 2.3):
        reader.seek(t)
        reader.process_all_packets()
        video, audio = reader.pop_chunks()
        k = round((audio.pts - full_audio.pts) * 8000)
        assert audio.pts == pytest.approx(t, abs=0.5 / 8000)
        assert torch.equal(audio, full_audio[k:])
        # 10 frames a second from the first one's time (Matroska's starts
        # after 0: the encoder's delay).
        k = math.ceil(round((t - full_video.pts) * 10, 6))
        assert video.pts == pytest.approx(full_video.pts + k / 10, abs=1e-6)
        assert torch.equal(video, full_video[k:])


# ---- 4. pts is double(pts) * time_base.num / time_base.den ----


def test_video_pts_is_exact_for_ntsc_time_bases(make_media):
    # AVI's time base is 1001/30000; chunk k of 3 frames starts at
    # 3k * 1001 / 30000, rounded once. Multiplying by 1001/30000 as a double
    # is off by an ulp for some k, e.g. 0.10010000000000001 for k = 1.
    reader = StreamReader(str(make_media("ntsc_k12.avi")))
    reader.add_basic_video_stream(3, -1, format="gray")
    reader.process_all_packets()
    pts = [c.pts for c in pop_all(reader)]
    assert len(pts) == 130
    assert pts == [3 * k * 1001 / 30000 for k in range(130)]
    assert pts[1] == 0.1001
    assert any(p != 3 * k * (1001 / 30000) for k, p in enumerate(pts))


def test_audio_pts_is_exact_inside_decoded_frames(make_media):
    # 1000-sample chunks start inside AAC frames of 1024: sample n is at
    # exactly n / 16000 s (torchaudio's double(n) * 1 / 16000).
    reader = StreamReader(str(make_media("ntsc_av.mp4")))
    reader.add_basic_audio_stream(1000, -1)
    reader.process_all_packets()
    pts = [c.pts for c in pop_all(reader)]
    first = round(pts[0] * 16000)
    assert pts == [(first + 1000 * k) / 16000 for k in range(len(pts))]
    # Adding the offset into the frame in seconds rounds twice and misses.
    assert first == 0
    assert any(
        p != (1024 * (1000 * k // 1024)) * (1 / 16000) + (1000 * k % 1024) * (1 / 16000)
        for k, p in enumerate(pts)
    )


# ---- 5. ChunkTensor(tensor, pts) and chunk._elem ----


def test_chunk_tensor_can_be_made_directly():
    data = torch.arange(6, dtype=torch.float32).reshape(3, 2)
    chunk = ChunkTensor(data, 1.5)
    assert isinstance(chunk, torch.Tensor)
    assert chunk.pts == 1.5
    assert chunk._elem is data
    assert torch.equal(chunk, data)
    assert chunk.data_ptr() == data.data_ptr()  # no copy
    assert type(chunk + 1) is torch.Tensor
    assert type(chunk[0:2]) is torch.Tensor
    assert type(torch.cat([chunk, chunk])) is torch.Tensor
    assert chunk.pts == 1.5


def test_decoded_chunk_exposes_elem(make_media):
    reader = StreamReader(str(make_media("sine.wav")))
    reader.add_basic_audio_stream(1000)
    reader.fill_buffer()
    (chunk,) = reader.pop_chunks()
    assert type(chunk._elem) is torch.Tensor
    assert chunk._elem.requires_grad is False
    assert chunk._elem.data_ptr() == chunk.data_ptr()
    assert torch.equal(chunk._elem, chunk)


def test_chunk_tensor_keeps_requires_grad():
    data = torch.zeros(4, requires_grad=True)
    chunk = ChunkTensor(data, 0.0)
    assert chunk._elem.requires_grad
    with pytest.raises(TypeError):
        ChunkTensor([1, 2, 3], 0.0)


# ---- 6. seeks aim at the tick nearest the time ----


def frame_ticks(path):
    """(ticks, is_key) of every decoded frame in presentation order, and the
    stream's time base, from ffprobe."""
    out = subprocess.run(
        [media.FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
         "frame=best_effort_timestamp,key_frame:stream=time_base", "-of", "json", str(path)],
        check=True, capture_output=True,
    ).stdout
    info = json.loads(out)
    num, den = (int(x) for x in info["streams"][0]["time_base"].split("/"))
    frames = [
        (int(f.get("best_effort_timestamp", f.get("pkt_dts"))), f["key_frame"] == 1)
        for f in info["frames"]
        if "best_effort_timestamp" in f or "pkt_dts" in f
    ]
    return sorted(frames), num, den


def nearest_tick(t, num, den):
    """torchaudio's arithmetic: microseconds truncated, then rounded to the
    nearest tick (halves away from zero, as av_rescale)."""
    us = int(t * 1e6)
    q, r = divmod(us * den, 1_000_000 * num)
    return q + (2 * r >= 1_000_000 * num)


def first_frame(path, t, mode, **kwargs):
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(1, format="gray", **kwargs)
    reader.seek(t, mode)
    reader.fill_buffer()
    (chunk,) = reader.pop_chunks()
    return chunk


def seek_times(ticks, num, den):
    """Times on, between and just around frames, as a user would seek."""
    step = num / den
    times = set()
    for tick, _ in ticks[:: max(1, len(ticks) // 40)]:
        for d in (-0.51, -0.49, -0.01, 0.0, 0.01, 0.3, 0.49, 0.51):
            times.add(max(0.0, (tick + d) * step))
    return sorted(times)


@pytest.mark.parametrize(
    "name,mode",
    [(n, m) for n in ("ntsc_k12.avi", "dropped.avi") for m in ("key", "precise", "any")]
    + [("far_keys.mp4", "key"), ("far_keys.mp4", "precise")],
)
def test_seek_lands_where_torchaudio_lands(make_media, name, mode):
    # Key: the last key frame at or before the nearest tick of the default
    # stream; precise: the first frame at or after the nearest tick of the
    # output's stream; any: the frame there (possibly damaged). torchaudio
    # 2.8 made the same choice on every seek of this kind on these files.
    # (On H.264 its "any" seek gave the next key frame instead: see
    # test_any_seek_on_h264_gives_the_frame_at_t.)
    path = make_media(name)
    ticks, num, den = frame_ticks(path)
    for t in seek_times(ticks, num, den):
        aim = nearest_tick(t, num, den)
        at_or_after = [k for k, _ in ticks if k >= aim]
        if not at_or_after:
            continue
        if mode == "key":
            expected = max(k for k, key in ticks if key and k <= aim)
        elif mode == "precise":
            expected = at_or_after[0]
        else:
            expected = max(k for k, _ in ticks if k <= aim)
        chunk = first_frame(path, t, mode)
        assert chunk is not None, f"seek({t!r}, {mode!r})"
        assert chunk.pts == expected * num / den, f"seek({t!r}, {mode!r})"


def test_any_seek_on_h264_gives_the_frame_at_t(make_media):
    # As documented ("any frame, possibly damaged"): a frame near t, never
    # after it (the demuxer picks the packet by decode time, so with
    # B-frames it may be a few frames earlier), not torchaudio's next key
    # frame, which here is up to 5 s later.
    path = make_media("far_keys.mp4")
    for t in (0.5, 2.0, 6.1):
        pts = first_frame(path, t, "any").pts
        assert t - 0.2 <= pts <= t


def test_key_seek_on_the_tick_of_a_key_frame(make_media):
    # 7.20 s rounds to tick 216 (7.2072 s), a key frame; 7.19 s to 216 too
    # would be wrong: it rounds to 215, whose key frame is 204.
    path = make_media("ntsc_k12.avi")
    assert first_frame(path, 7.20, "key").pts == 216 * 1001 / 30000
    assert first_frame(path, 7.19, "key").pts == 204 * 1001 / 30000
    assert first_frame(path, 7.20, "precise").pts == 216 * 1001 / 30000
    assert first_frame(path, 0.37, "precise").pts == 11 * 1001 / 30000


def test_precise_seek_frames_equal_the_sequential_decode(make_media):
    path = make_media("dropped.avi")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, format="gray")
    reader.process_all_packets()
    (everything,) = reader.pop_chunks()
    ticks, num, den = frame_ticks(path)
    for i in (0, 29, 30, 31, 60, 74, 75, len(ticks) - 1):
        chunk = first_frame(path, ticks[i][0] * num / den, "precise")
        assert torch.equal(chunk[0], everything[i])


@pytest.mark.parametrize("name", ["bframes.avi", "h264.ts", "hevc.mp4"])
def test_key_seek_gives_the_key_frame_before_t_with_a_small_buffer(make_media, name):
    # Where the demuxer lands on a key frame shown after t (B-frames indexed
    # by dts, MPEG-TS without an index), the reader looks further back and
    # starts at the last key frame shown at or before t. One-frame chunks
    # and buffer_chunk_size=3 must not drop it on the way (they did).
    # torchaudio started at the later key frame here: see the README.
    path = make_media(name)
    ticks, num, den = frame_ticks(path)
    keys = [k for k, key in ticks if key]
    for t in (ticks[0][0] * num / den + d for d in (0.5, 1.3, 2.1)):
        aim = nearest_tick(t, num, den)
        expected = max(k for k in keys if k <= aim)
        chunk = first_frame(path, t, "key", buffer_chunk_size=3)
        assert chunk.pts == pytest.approx(expected * num / den, abs=1e-9), t


# ---- 7. audio right after a precise seek is what a decode from the start gives ----


def decode_audio(path, seek=None):
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(-1)
    if seek is not None:
        reader.seek(seek)
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    return chunk, reader.get_out_stream_info(0).sample_rate


# Largest difference allowed, by codec: none where the decoder keeps no state
# beyond what the pre-roll rebuilds. Opus's energy prediction converges to
# float rounding; FFmpeg's fixed-point MP2 decoder carries a rounding (dither)
# state, one 16-bit step; AC-3 fills bands with random dither.
@pytest.mark.parametrize(
    "name,tolerance",
    [
        ("tones_aac.m4a", 0.0),
        ("tones_mp3.mp3", 0.0),
        ("tones_vorbis.ogg", 0.0),
        ("tones_opus.ogg", 1e-6),
        ("tones_mp2.mp2", 1 / 32768),
        ("tones_ac3.mp4", 5e-3),
    ],
)
def test_samples_after_seek_equal_the_decode_from_the_start(make_media, name, tolerance):
    path = make_media(name)
    full, rate = decode_audio(path)
    for t in (1.0, 1.7777, 2.5):
        chunk, _ = decode_audio(path, seek=t)
        # The first sample is the one at t (sample-exact start) ...
        start = round((chunk.pts - full.pts) * rate)
        assert abs(chunk.pts - t) <= 0.5 / rate
        assert chunk.shape[0] == full.shape[0] - start
        # ... and every sample equals the undisturbed decode's, from the first
        # (which a decoder started cold at the frame holding t gets wrong).
        diff = (chunk - full[start:]).abs()
        assert diff[:4096].max().item() <= tolerance, f"seek({t}) head"
        assert diff.max().item() <= tolerance, f"seek({t})"


# ---- 8. ffmpeg_utils' encoder, output device and protocol lists ----


def test_encoder_and_output_lists():
    audio = utils.get_audio_encoders()
    video = utils.get_video_encoders()
    assert isinstance(audio, dict) and isinstance(video, dict)
    if "--disable-encoders" in utils.get_build_config():
        # The wheel's FFmpeg: only the raw encoders its ffmpeg program needs
        # for reference decodes (ci/build_ffmpeg.sh), and no others.
        assert "aac" not in audio and "flac" not in audio and "mpeg4" not in video
        assert "pcm_s16le" in audio and "rawvideo" in video
    else:
        assert "aac" in audio and "flac" in audio and "pcm_s16le" in audio
        assert "mpeg4" in video and "h264" not in audio and "aac" not in video
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in {**audio, **video}.items())
    devices = utils.get_output_devices()
    assert isinstance(devices, dict)
    assert "lavfi" not in devices  # an input device only
    protocols = utils.get_output_protocols()
    assert isinstance(protocols, list)
    assert "file" in protocols and "pipe" in protocols
    assert "lavfi" not in protocols
    assert utils.clear_cuda_context_cache() is None


def test_encoders_match_the_ffmpeg_command():
    version = subprocess.run(
        [media.FFMPEG, "-hide_banner", "-version"], check=True, capture_output=True, text=True
    )
    if utils.get_build_config() not in version.stdout:
        pytest.skip("the ffmpeg command is another FFmpeg build than the one ffstream loaded (the wheel's)")
    out = subprocess.run(
        [media.FFMPEG, "-hide_banner", "-encoders"], check=True, capture_output=True, text=True
    ).stdout
    listed = {line.split()[1] for line in out.splitlines()[10:] if line.strip() and line.split()[0][0] == "A"}
    assert listed == set(utils.get_audio_encoders())
