"""filter_desc graphs of several outputs or inputs inside StreamReader: one
graph giving several outputs (split), a graph reading several source streams
(amix of two audio streams, audio drawn beside video), checked against the
ffmpeg command's -filter_complex on the same file; seeks, chunking,
remove_stream, and the errors of graphs that do not fit the source."""

from __future__ import annotations

import subprocess

import ffstream
import media
import numpy as np
import pytest
import torch
from ffstream import StreamReader
from helpers import stream_all

W, H = media.VIDEO_SIZE
SPLIT = "split=2[a][b];[a]scale=32:24,format=rgb24[small];[b]hflip,format=rgb24[flipped]"


def _ffmpeg_outputs(path, graph, outputs, tmp_path):
    """What `ffmpeg -filter_complex graph` gives on each of `outputs`
    [(label, raw output args, dtype)], all mapped in one run (FFmpeg
    refuses a graph with an output left unmapped)."""
    cmd = [media.FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-filter_complex", graph]
    files = []
    for k, (label, args, _) in enumerate(outputs):
        files.append(tmp_path / f"out{k}.raw")
        cmd += ["-map", f"[{label}]", *args, str(files[-1])]
    subprocess.run(cmd, check=True, capture_output=True)
    return [np.fromfile(f, dtype) for f, (_, _, dtype) in zip(files, outputs)]


def _rgb(raw, width, height):
    return torch.from_numpy(raw.copy()).reshape(-1, height, width, 3).permute(0, 3, 1, 2)


def test_split_gives_two_outputs_equal_to_ffmpeg(make_media, tmp_path):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_video_stream(7, buffer_chunk_size=-1, filter_desc=SPLIT)
    assert reader.num_out_streams == 2
    small, flipped = (reader.get_out_stream_info(i) for i in range(2))
    assert (small.width, small.height, small.format) == (32, 24, "rgb24")
    assert (flipped.width, flipped.height, flipped.format) == (W, H, "rgb24")
    assert small.source_index == flipped.source_index == 0
    assert small.filter_description == SPLIT

    (got_small, got_flipped), chunks = stream_all(reader)
    raw_small, raw_flipped = _ffmpeg_outputs(path, SPLIT, [
        ("small", ["-f", "rawvideo", "-pix_fmt", "rgb24"], np.uint8),
        ("flipped", ["-f", "rawvideo", "-pix_fmt", "rgb24"], np.uint8),
    ], tmp_path)
    assert torch.equal(got_small, _rgb(raw_small, 32, 24))
    assert torch.equal(got_flipped, _rgb(raw_flipped, W, H))
    assert got_small.shape[0] == media.VIDEO_RATE * media.DURATION
    # Chunked by frames_per_chunk each, and in step: same pts on both.
    assert [c.shape[0] for c in chunks[0]] == [7] * 7 + [1]
    assert [c.pts for c in chunks[0]] == [c.pts for c in chunks[1]]
    assert chunks[0][1].pts == pytest.approx(7 / media.VIDEO_RATE)


def test_amix_of_two_audio_streams_equals_ffmpeg(make_media):
    path = make_media("two_audio.mkv")  # 16 kHz and 44.1 kHz, 2 s each
    graph = "[0:a:0]aresample=16000[x];[0:a:1]aresample=16000[y];[x][y]amix=inputs=2"
    reader = StreamReader(str(path))
    reader.add_audio_stream(4000, buffer_chunk_size=-1, filter_desc=graph)
    info = reader.get_out_stream_info(0)
    assert (reader.num_out_streams, info.sample_rate, info.num_channels) == (1, 16000, 1)
    (got,), _ = stream_all(reader)
    cmd = [media.FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-filter_complex", graph,
           "-f", "f32le", "-"]
    expected = np.frombuffer(subprocess.run(cmd, check=True, capture_output=True).stdout,
                             np.float32).reshape(-1, 1)
    expected = torch.from_numpy(expected.copy())
    assert got.shape == expected.shape == (32000, 1)
    # Bit-exact while both inputs run. In the last frames amix fades out the
    # input that ended first, and which one that is depends on the order in
    # which the decoders were drained (the ffmpeg command's own order is its
    # scheduler's), so those samples only agree closely.
    assert torch.equal(got[:-4096], expected[:-4096])
    assert torch.allclose(got[-4096:], expected[-4096:], atol=0.1)
    # Both streams are in it: louder than either alone would be is not
    # asserted (amix scales), but it is not one sine: two frequencies.
    spectrum = torch.fft.rfft(got[:16000, 0]).abs()
    assert (spectrum > spectrum.max() / 4).sum() >= 2


def test_a_graph_over_audio_and_video_of_one_source(make_media, tmp_path):
    path = make_media("av_flac.mkv")
    waves = "showwaves=s=64x16:mode=line:rate=25"
    graph = f"[0:a]{waves},format=rgb24[w];[0:v]format=rgb24[v];[v][w]vstack"
    reader = StreamReader(str(path))
    reader.add_video_stream(10, buffer_chunk_size=-1, filter_desc=graph)
    info = reader.get_out_stream_info(0)
    assert (info.width, info.height) == (W, H + 16)
    (got,), chunks = stream_all(reader)
    # vstack stacks the frames of one time: it starts with the waveform's
    # first frame, which FFmpeg 5.1 stamps 0 s and 8.1 one frame's worth of
    # samples later (0.64 s here), as ffprobe of that FFmpeg shows.
    first = float(subprocess.run(
        [media.FFPROBE, "-v", "error", "-f", "lavfi", "-i", f"amovie={path},{waves}",
         "-read_intervals", "%+#1", "-show_entries", "frame=pts_time", "-of", "csv=p=0"],
        check=True, capture_output=True, text=True).stdout.split()[0])
    assert abs(float(chunks[0][0].pts) - first) < 1e-6
    skipped = round(first * media.VIDEO_RATE)
    video = torch.from_numpy(media.ffmpeg_decode_video(path).copy()).permute(0, 3, 1, 2)
    assert got.shape[0] == video.shape[0]
    # The picture part is the video itself, from that time on.
    assert torch.equal(got[: video.shape[0] - skipped, :, :H], video[skipped:])
    if skipped == 0:
        # And all of it equals the ffmpeg command's graph.
        raw_rgb = ["-f", "rawvideo", "-pix_fmt", "rgb24"]
        (raw,) = _ffmpeg_outputs(path, graph + "[o]", [("o", raw_rgb, np.uint8)], tmp_path)
        assert torch.equal(got, _rgb(raw, W, H + 16))


def test_outputs_of_either_media_type_from_one_call(make_media):
    # An audio call whose graph also draws the audio: one audio output and
    # one video output, each shaped for its type.
    reader = StreamReader(str(make_media("flac.flac")))  # no video stream at all
    reader.add_audio_stream(
        -1, buffer_chunk_size=-1,
        filter_desc="asplit[a][b];[a]aformat=sample_fmts=flt[audio];"
                    "[b]showwaves=s=32x8:rate=10,format=gray[waves]")
    reader.process_all_packets()
    audio, waves = reader.pop_chunks()
    assert [reader.get_out_stream_info(i).media_type for i in range(2)] == ["audio", "video"]
    assert audio.shape == (media.SINE_RATE * media.DURATION, 1) and audio.dtype == torch.float32
    assert waves.shape == (20, 1, 8, 32) and waves.dtype == torch.uint8
    assert torch.equal(audio, torch.from_numpy(media.audio_reference(make_media("flac.flac")).copy()))


def test_a_video_call_on_a_source_without_video_can_read_its_audio(make_media):
    reader = StreamReader(str(make_media("flac.flac")))
    reader.add_video_stream(5, filter_desc="[0:a]showwaves=s=32x8:rate=10,format=gray")
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.shape[1:] == (1, 8, 32) and reader.get_out_stream_info(0).source_index == 0


def test_precise_seek_restarts_the_graph(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_video_stream(5, buffer_chunk_size=-1, filter_desc=SPLIT)
    (all_small, all_flipped), _ = stream_all(reader)
    for t in (1.0, 0.52, 0.0):
        reader.seek(t)
        reader.fill_buffer()
        small, flipped = reader.pop_chunks()
        first = round(t * media.VIDEO_RATE)
        assert small.pts == flipped.pts == pytest.approx(first / media.VIDEO_RATE)
        assert torch.equal(small, all_small[first:first + 5])
        assert torch.equal(flipped, all_flipped[first:first + 5])


def test_removing_one_output_of_a_graph_keeps_the_other(make_media):
    reader = StreamReader(str(make_media("av.mp4")))
    reader.add_basic_audio_stream(1000)
    reader.add_video_stream(10, buffer_chunk_size=-1, filter_desc=SPLIT)
    reader.remove_stream(1)  # "small"
    assert reader.num_out_streams == 2
    assert reader.get_out_stream_info(1).width == W
    reader.process_all_packets()
    assert reader.pop_chunks()[1].shape[0] == 10
    reader.remove_stream(1)
    assert reader.num_out_streams == 1
    reader.seek(0)
    reader.process_all_packets()
    assert reader.pop_chunks()[0].shape == (1000, 1)


def test_a_labeled_chain_stays_an_ordinary_output(make_media):
    # One input and one output, labeled as torchaudio's docs wrote them:
    # frames on demand work as on any frame-by-frame chain.
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_video_stream(5, filter_desc="[in]scale=32:24,format=rgb24[out]")
    frames = reader.get_frames_at([3, 40])
    raw = media.ffmpeg_decode_raw(make_media("h264.mp4"),
                                  ["-vf", "scale=32:24", "-f", "rawvideo", "-pix_fmt", "rgb24"])
    expected = _rgb(raw, 32, 24)
    assert torch.equal(frames, expected[[3, 40]])


def test_stats_count_the_frames_fed_to_a_graph(make_media):
    reader = StreamReader(str(make_media("two_audio.mkv")))
    reader.add_audio_stream(-1, filter_desc="[0:a:0]aresample=44100[x];[x][0:a:1]amix")
    reader.process_all_packets()
    stats = reader.stats()
    (chunk,) = reader.pop_chunks()
    assert stats.frames_delivered == [chunk.shape[0]] == [88200]
    assert stats.frames_decoded[0] > 0


@pytest.mark.parametrize("graph, message", [
    ("[0:a:5]anull", r"\[0:a:5\] names no stream .* 2 audio stream"),
    ("[0:7]anull", r"\[0:7\] names no stream .* 2 stream"),
    ("[0:x]anull", r"expected \[0:N\], \[0:a\]"),
    ("[x][y]amix", r"2 inputs that name no source stream \(\[x\], \[y\]\)"),
    ("[0:a:0]hflip", r"takes video, but audio was given"),
    ("[0:a:0]no_such_filter[o]", "no_such_filter"),
])
def test_graphs_that_do_not_fit_raise_before_anything_runs(make_media, graph, message):
    reader = StreamReader(str(make_media("two_audio.mkv")))
    with pytest.raises(ffstream.InvalidArgumentError, match=message):
        reader.add_audio_stream(100, filter_desc=graph)
    assert reader.num_out_streams == 0
    # The failed call left nothing behind: a plain output still works.
    reader.add_audio_stream(100)
    reader.process_all_packets()
    assert reader.pop_chunks()[0] is not None


def test_frames_on_demand_refuse_graph_outputs(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_video_stream(5, filter_desc=SPLIT)
    with pytest.raises(ffstream.InvalidArgumentError, match="frames on demand"):
        reader.get_frames_at([0], output=1)


def test_safe_mode_guards_graphs_too(make_media):
    reader = StreamReader(str(make_media("h264.mp4")), safe=True)
    with pytest.raises(ffstream.InvalidArgumentError, match="safe mode"):
        reader.add_video_stream(5, filter_desc="[0:v]null[a];movie=/etc/hosts[b];[a][b]hstack")
    reader.add_video_stream(5, filter_desc=SPLIT)
    assert reader.num_out_streams == 2


def test_decoder_options_apply_to_streams_of_the_calls_type(make_media):
    reader = StreamReader(str(make_media("av.mp4")))
    reader.add_video_stream(
        5, filter_desc="[0:v]scale=32:24[v];[0:a]showwaves=s=32x8:rate=25[w];[v][w]vstack,format=rgb24",
        decoder_option={"threads": "2"})
    # The video stream now decodes with those options; another output of it
    # with other options is refused, one of the audio stream is not.
    with pytest.raises(ffstream.InvalidArgumentError, match="another decoder"):
        reader.add_video_stream(5)
    reader.add_audio_stream(100)
    reader.process_all_packets()
    video, audio = reader.pop_chunks()
    assert video.shape[1:] == (3, 32, 32) and audio.shape[1] == 1
