"""Chunking: frames_per_chunk, buffer_chunk_size (which frames survive a
drop), the pts of every chunk staying with its data, is_buffer_ready,
pop_chunks, ChunkTensor and the stream() iterator."""

from __future__ import annotations

import ffstream
import media
import numpy as np
import pytest
import torch
from ffstream import ChunkTensor, StreamReader
from helpers import packet_count, pop_all
from media import audio_reference, video_reference

N_VIDEO = media.VIDEO_RATE * media.DURATION  # 50
N_AUDIO = media.SINE_RATE * media.DURATION  # 32000




def expected_sizes(total: int, fpc: int):
    if fpc == -1:
        return [total]
    return [fpc] * (total // fpc) + ([total % fpc] if total % fpc else [])


def expected_kept(total: int, fpc: int, bcs: int):
    """(first frame, sizes) of what survives decoding `total` frames without
    popping, by torchaudio's rule: chunks are cut every `fpc` frames from the
    first, and only the newest `bcs` chunks, the incomplete last one among
    them, are kept."""
    sizes = expected_sizes(total, fpc)
    kept = sizes[-bcs:]
    return total - sum(kept), kept


def check_video_chunks_match_reference(chunks, path):
    """Every chunk's data is the reference frames starting at its pts."""
    ref = video_reference(path)
    for chunk in chunks:
        first = chunk.pts * media.VIDEO_RATE
        assert first == pytest.approx(round(first), abs=1e-6), "pts not on a frame"
        k = round(first)
        assert chunk.shape[0] >= 1
        assert np.array_equal(
            chunk.permute(0, 2, 3, 1).numpy(), ref[k:k + chunk.shape[0]]
        ), f"chunk with pts {chunk.pts} does not hold frames {k}..."


def check_audio_chunks_match_reference(chunks, path):
    """Every chunk's samples are the reference samples starting at its pts."""
    ref = audio_reference(path)
    for chunk in chunks:
        first = chunk.pts * media.SINE_RATE
        assert first == pytest.approx(round(first), abs=1e-6), "pts not on a sample"
        k = round(first)
        assert np.array_equal(chunk.numpy(), ref[k:k + chunk.shape[0]]), (
            f"chunk with pts {chunk.pts} does not hold samples {k}..."
        )


# ---- frames_per_chunk, no dropping ----


@pytest.mark.parametrize("fpc", [1, 7, 10, 50, 64, -1])
def test_video_chunk_sizes_and_pts(make_media, fpc):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(fpc, -1)
    reader.process_all_packets()
    chunks = pop_all(reader)
    sizes = expected_sizes(N_VIDEO, fpc)
    assert [c.shape[0] for c in chunks] == sizes
    firsts = np.cumsum([0] + sizes[:-1])
    assert [c.pts for c in chunks] == pytest.approx([k / media.VIDEO_RATE for k in firsts], abs=1e-9)
    assert all(isinstance(c, ChunkTensor) for c in chunks)
    check_video_chunks_match_reference(chunks, path)


@pytest.mark.parametrize("fpc", [1, 7, 10, 50, 64])
def test_video_stream_iterator_chunk_sizes_and_pts(make_media, fpc):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(fpc, -1)
    chunks = []
    for item in reader.stream():
        assert isinstance(item, list) and len(item) == 1
        chunks.append(item[0])
    sizes = expected_sizes(N_VIDEO, fpc)
    assert [c.shape[0] for c in chunks] == sizes
    firsts = np.cumsum([0] + sizes[:-1])
    assert [c.pts for c in chunks] == pytest.approx([k / media.VIDEO_RATE for k in firsts], abs=1e-9)
    check_video_chunks_match_reference(chunks, path)


def test_video_stream_iterator_with_fpc_minus_1_yields_everything_once(make_media):
    # -1: each pop returns whatever is buffered; together they are every frame, in order.
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, -1)
    chunks = [c for (c,) in reader.stream()]
    assert all(c is not None and c.shape[0] >= 1 for c in chunks)
    assert sum(c.shape[0] for c in chunks) == N_VIDEO
    firsts = np.cumsum([0] + [c.shape[0] for c in chunks[:-1]])
    assert [c.pts for c in chunks] == pytest.approx([k / media.VIDEO_RATE for k in firsts], abs=1e-9)
    check_video_chunks_match_reference(chunks, path)


@pytest.mark.parametrize("fpc", [1, 7, 10, 50, 64, 1000, 1024, 4096, 32000, 40000, -1])
@pytest.mark.parametrize("name", ["sine.wav", "flac.flac"])
def test_audio_chunk_sizes_and_pts(make_media, name, fpc):
    path = make_media(name)
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(fpc, -1)
    reader.process_all_packets()
    chunks = pop_all(reader)
    sizes = expected_sizes(N_AUDIO, fpc)
    assert [c.shape[0] for c in chunks] == sizes
    firsts = np.cumsum([0] + sizes[:-1])
    pts = np.array([c.pts for c in chunks])
    assert np.abs(pts - firsts / media.SINE_RATE).max() < 1e-9
    assert np.array_equal(torch.cat(chunks).numpy(), audio_reference(path))
    if len(chunks) < 100:
        check_audio_chunks_match_reference(chunks, path)


# ---- buffer_chunk_size: dropping the oldest frames ----


@pytest.mark.parametrize("fpc,bcs", [(5, 2), (7, 2), (3, 3), (10, 1), (50, 1), (20, 3)])
def test_video_drop_keeps_the_newest_chunks(make_media, fpc, bcs):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(fpc, bcs)
    reader.process_all_packets()
    chunks = pop_all(reader)
    first, sizes = expected_kept(N_VIDEO, fpc, bcs)
    assert [c.shape[0] for c in chunks] == sizes
    firsts = first + np.cumsum([0] + [c.shape[0] for c in chunks[:-1]])
    assert [c.pts for c in chunks] == pytest.approx([k / media.VIDEO_RATE for k in firsts], abs=1e-9)
    check_video_chunks_match_reference(chunks, path)


def test_video_drop_5x2_keeps_frames_40_to_49(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(5, 2)
    reader.process_all_packets()
    chunks = pop_all(reader)
    assert [c.shape[0] for c in chunks] == [5, 5]
    assert [c.pts for c in chunks] == pytest.approx([1.6, 1.8], abs=1e-9)
    ref = video_reference(path)
    frames = torch.cat(chunks).permute(0, 2, 3, 1).numpy()
    assert np.array_equal(frames, ref[40:50])


def decode_popping_every(reader: StreamReader, packets: int):
    """Decodes to the end, popping a chunk every `packets` packets so that the
    buffer overflows (and drops) in between; returns every chunk popped."""
    chunks = []
    step = 0
    while reader.process_packet() == 0:
        step += 1
        if step % packets == 0:
            (c,) = reader.pop_chunks()
            if c is not None:
                chunks.append(c)
    return chunks + pop_all(reader)


def test_video_pts_and_data_stay_in_step_when_dropping_mid_stream(make_media):
    # Pop some chunks while decoding, let the buffer overflow in between.
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(4, 2)
    chunks = decode_popping_every(reader, 13)
    assert len(chunks) >= 3
    pts = [c.pts for c in chunks]
    assert pts == sorted(pts) and len(set(pts)) == len(pts)
    check_video_chunks_match_reference(chunks, path)
    # The end of the stream is never dropped.
    last = chunks[-1]
    assert round(last.pts * media.VIDEO_RATE) + last.shape[0] == N_VIDEO


@pytest.mark.parametrize("fpc,bcs", [(700, 3), (1000, 3), (333, 2), (5000, 1)])
@pytest.mark.parametrize("name", ["sine.wav", "flac.flac"])
def test_audio_drop_keeps_the_newest_chunks(make_media, name, fpc, bcs):
    # fpc * bcs is not a multiple of the decoders' frame sizes (1024, 1152,
    # 4096 bytes of PCM), so the drop cuts through a decoded frame.
    path = make_media(name)
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(fpc, bcs)
    reader.process_all_packets()
    chunks = pop_all(reader)
    first, sizes = expected_kept(N_AUDIO, fpc, bcs)
    assert [c.shape[0] for c in chunks] == sizes
    firsts = first + np.cumsum([0] + [c.shape[0] for c in chunks[:-1]])
    pts = np.array([c.pts for c in chunks])
    assert np.abs(pts - firsts / media.SINE_RATE).max() < 1e-9
    check_audio_chunks_match_reference(chunks, path)


@pytest.mark.parametrize("name", ["sine.wav", "flac.flac"])
def test_audio_pts_and_data_stay_in_step_when_dropping_mid_stream(make_media, name):
    path = make_media(name)
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(700, 2)
    chunks = decode_popping_every(reader, 3)
    assert len(chunks) >= 3
    pts = [c.pts for c in chunks]
    assert pts == sorted(pts) and len(set(pts)) == len(pts)
    check_audio_chunks_match_reference(chunks, path)
    last = chunks[-1]
    assert round(last.pts * media.SINE_RATE) + last.shape[0] == N_AUDIO


# ---- is_buffer_ready, process_packet, fill_buffer, pop_chunks ----


def test_is_buffer_ready_means_a_full_chunk_for_every_output(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_basic_video_stream(10, -1)
    assert reader.is_buffer_ready() is False
    packets = 0
    while not reader.is_buffer_ready():
        assert reader.process_packet() == 0
        packets += 1
    assert packets >= 10
    (chunk,) = reader.pop_chunks()
    assert chunk.shape[0] == 10 and chunk.pts == 0.0
    # Right after a pop only what was decoded beyond the chunk remains.
    if not reader.is_buffer_ready():
        assert reader.fill_buffer() == 0
    assert reader.is_buffer_ready() is True
    (chunk,) = reader.pop_chunks()
    assert chunk.shape[0] == 10 and chunk.pts == pytest.approx(0.4)


def test_is_buffer_ready_waits_for_every_output(make_media):
    path = make_media("av.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(100, -1)  # ready after one aac frame
    reader.add_basic_video_stream(50, -1)  # ready only at the end
    assert reader.is_buffer_ready() is False
    while reader.process_packet() == 0:
        if reader.is_buffer_ready():
            break
    # Only the end of the stream completes the 50-frame video chunk; the
    # audio output alone being ready must not count.
    assert reader.is_buffer_ready() is True
    audio, video = reader.pop_chunks()
    assert audio.shape == (100, 1)
    assert video.shape == (50, 3, 48, 64)
    assert audio.pts == 0.0 and video.pts == 0.0


def test_fill_buffer_and_process_packet_report_the_end(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_basic_video_stream(20, -1)
    assert reader.fill_buffer() == 0
    assert reader.is_buffer_ready()
    assert reader.fill_buffer() == 0  # already ready: returns at once
    reader.process_all_packets()
    assert reader.process_packet() == 1
    # Buffers ready: fill_buffer returns 0 without decoding (as the reference).
    assert reader.fill_buffer() == 0
    sizes = [reader.pop_chunks()[0].shape[0] for _ in range(2)]
    assert sizes == [20, 20]
    # Not ready any more (10 frames left) and nothing left to decode.
    assert reader.is_buffer_ready() is False
    assert reader.fill_buffer() == 1
    assert [c.shape[0] for c in pop_all(reader)] == [10]


def test_pop_chunks_returns_none_for_empty_outputs(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    assert reader.pop_chunks() == []
    reader.add_basic_video_stream(10)
    assert reader.pop_chunks() == [None]
    reader.fill_buffer()
    (chunk,) = reader.pop_chunks()
    assert chunk is not None

    reader = StreamReader(str(make_media("av.mp4")))
    reader.add_basic_video_stream(10)
    reader.add_basic_audio_stream(1000)
    assert reader.pop_chunks() == [None, None]


def test_pop_chunks_gives_none_after_the_last_chunk(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_basic_video_stream(30, -1)
    reader.process_all_packets()
    assert [c.shape[0] for c in pop_all(reader)] == [30, 20]
    assert reader.pop_chunks() == [None]


# ---- ChunkTensor ----


def test_chunk_tensor_ops_return_plain_tensors_and_pts_stays(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_basic_video_stream(5)
    reader.fill_buffer()
    reader.pop_chunks()
    reader.fill_buffer()
    (chunk,) = reader.pop_chunks()
    assert type(chunk) is ChunkTensor
    assert isinstance(chunk, torch.Tensor)
    assert chunk.pts == pytest.approx(0.2)
    results = (chunk * 2, torch.pow(chunk, 2), chunk.float(), chunk[0], chunk.permute(0, 2, 3, 1))
    for result in (*results, chunk + chunk):
        assert type(result) is torch.Tensor
        assert not hasattr(result, "pts")
    assert torch.equal((chunk.to(torch.int32) * 2), chunk.to(torch.int32) + chunk.to(torch.int32))
    assert chunk.pts == pytest.approx(0.2)
    assert isinstance(chunk.pts, float)
    assert "pts" in repr(chunk)


def test_audio_chunk_tensor_pts(make_media):
    reader = StreamReader(str(make_media("flac.flac")))
    reader.add_basic_audio_stream(4000)
    chunks = [c for (c,) in reader.stream()]
    assert all(type(c) is ChunkTensor for c in chunks)
    assert [c.pts for c in chunks] == pytest.approx([i * 0.25 for i in range(8)])
    assert type(chunks[0].sum()) is torch.Tensor


# ---- stream() ----


def test_stream_without_output_raises_runtime_error(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(ffstream.FFStreamError, match="at least one output"):
        next(iter(reader.stream()))


def test_stream_over_two_outputs_yields_pairs_then_none(make_media):
    path = make_media("av.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(10, -1)
    reader.add_basic_audio_stream(4000, -1)
    n_audio = audio_reference(path).shape[0]
    items = list(reader.stream())
    assert all(isinstance(item, list) and len(item) == 2 for item in items)
    video = [v for v, _ in items]
    audio = [a for _, a in items]
    video_done = [v is None for v in video]
    audio_done = [a is None for a in audio]
    # Once an output is exhausted it stays None.
    assert video_done == sorted(video_done)
    assert audio_done == sorted(audio_done)
    assert not (video_done[-1] and audio_done[-1])
    video = [v for v in video if v is not None]
    audio = [a for a in audio if a is not None]
    assert [v.shape[0] for v in video] == expected_sizes(N_VIDEO, 10)
    assert [a.shape[0] for a in audio] == expected_sizes(n_audio, 4000)
    assert len(items) == max(len(video), len(audio))
    assert any(video_done)  # video (5 chunks) ends before audio (9 chunks)
    assert [v.pts for v in video] == pytest.approx([0.0, 0.4, 0.8, 1.2, 1.6])
    assert [a.pts for a in audio] == pytest.approx([i * 0.25 for i in range(len(audio))])
    check_video_chunks_match_reference(video, path)
    assert np.array_equal(torch.cat(audio).numpy(), audio_reference(path))


# ---- stats() ----


def test_stats_count_packets_frames_and_drops(make_media):
    path = make_media("av.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(10, 2)
    reader.add_basic_audio_stream(4000, -1)
    assert reader.stats().packets == 0
    reader.process_all_packets()
    stats = reader.stats()
    assert stats.packets == packet_count(path)
    assert 0 < stats.bytes <= 2 * path.stat().st_size
    assert stats.frames_decoded[0] == N_VIDEO
    n_audio = audio_reference(path).shape[0]
    assert stats.frames_delivered == [N_VIDEO, n_audio]
    # 50 frames in chunks of 10 with 2 kept: 30 dropped, 20 left to pop.
    assert stats.frames_dropped == [30, 0]
    assert [c.shape[0] for c in pop_all(reader)] == [10, 10]
    assert stats.newest_pts == pytest.approx((N_VIDEO - 1) / media.VIDEO_RATE, abs=0.05)
    assert stats.reconnects == 0 and stats.last_error is None
