"""ffstream.data.MediaDataset: clips and chunks equal the frames decoded
directly, every source is read once per epoch across workers and ranks, and
bad sources are skipped and reported (or raised)."""

from __future__ import annotations

import logging
from collections import Counter

import ffstream
import numpy as np
import pytest
import torch
from ffstream.data import MediaDataset
from file_doubles import RaisingFile
from helpers import decode_whole_audio, decode_whole_video
from media import video_reference
from torch.utils.data import DataLoader


@pytest.fixture(scope="module")
def av(media_dir):
    import media

    return str(media.make("av_flac.mkv", media_dir))


@pytest.fixture(scope="module")
def flac(media_dir):
    import media

    return str(media.make("flac.flac", media_dir))


def _indices(items):
    return [item["index"] for item in items]


# ---- values ----


def test_uniform_clips_hold_the_frames_at_their_positions(av):
    ds = MediaDataset([av], video={}, clip_frames=8, clips_per_source=3)
    items = list(ds)
    assert [i["clip"] for i in items] == [0, 1, 2]
    # 100 frames: clips start at 0, the middle of [0, 92] and 92.
    assert [i["start_frame"] for i in items] == [0, 46, 92]
    ref = video_reference(av)
    for item in items:
        s = item["start_frame"]
        assert item["video"].shape == (8, 3, 48, 64) and item["video"].dtype == torch.uint8
        assert type(item["video"]) is torch.Tensor
        assert np.array_equal(item["video"].permute(0, 2, 3, 1).numpy(), ref[s:s + 8])
        expected_pts = torch.arange(s, s + 8, dtype=torch.float64) / 25
        assert torch.allclose(item["video_frame_pts"], expected_pts)
        assert item["video_pts"] == pytest.approx(s / 25)
        assert item["source"] == av and item["index"] == 0


def test_frame_step_takes_every_nth_frame(av):
    (item,) = MediaDataset([av], video={"format": "gray"}, clip_frames=5, frame_step=3, clips_per_source=1)
    whole = decode_whole_video(av, format="gray")
    assert torch.equal(item["video"], whole[0:13:3])
    assert item["video"].shape == (5, 1, 48, 64)


def test_clip_audio_is_the_samples_shown_with_the_clip(av):
    ds = MediaDataset([av], video={}, audio={"format": "s16"}, clip_frames=10, clips_per_source=4)
    whole = decode_whole_audio(av, format="s16")
    starts = []
    for item in ds:
        s = item["start_frame"]
        starts.append(s)
        # 10 frames at 25 fps are 0.4 s: 6400 samples at 16 kHz, from the
        # clip's first frame on.
        assert item["audio"].shape == (6400, 1) and item["audio"].dtype == torch.int16
        assert item["audio_pts"] == pytest.approx(s / 25)
        first = round(s / 25 * 16000)
        assert torch.equal(item["audio"], whole[first:first + 6400])
    assert starts == [0, 30, 60, 90]


def test_clip_audio_follows_the_audio_options(av):
    (item,) = MediaDataset([av], video={}, audio={"sample_rate": 8000, "num_channels": 2},
                           clip_frames=5, clips_per_source=1)
    assert item["audio"].shape == (1600, 2) and item["audio"].dtype == torch.float32


def test_random_clips_are_seeded_per_epoch_and_source(av):
    def starts(seed, epoch):
        ds = MediaDataset([av, av, av], video={"width": 16, "height": 12}, clip_frames=4,
                          clips_per_source=3, clip_sampling="random", seed=seed)
        ds.set_epoch(epoch)
        return [(i["index"], i["start_frame"]) for i in ds]

    first = starts(7, 0)
    assert first == starts(7, 0)
    assert first != starts(7, 1) and first != starts(8, 0)
    per_source = [[s for i, s in first if i == k] for k in range(3)]
    assert per_source[0] != per_source[1]  # each source draws its own positions
    for positions in per_source:
        assert positions == sorted(positions) and all(0 <= s <= 96 for s in positions)


def test_random_clips_do_not_depend_on_the_workers(av):
    sources = [av] * 6

    def clips(num_workers):
        ds = MediaDataset(sources, video={"format": "gray", "width": 16, "height": 12}, clip_frames=2,
                          clips_per_source=2, clip_sampling="random", seed=3)
        loader = DataLoader(ds, batch_size=None, num_workers=num_workers)
        return sorted((i["index"], i["clip"], i["start_frame"]) for i in loader)

    assert clips(0) == clips(2)


def test_chunks_cover_the_streams_exactly(av):
    items = list(MediaDataset([av], video={"frames_per_chunk": 30}, audio={"frames_per_chunk": 16000}))
    assert [i["chunk"] for i in items] == [0, 1, 2, 3]
    video = torch.cat([i["video"] for i in items])
    audio = torch.cat([i["audio"] for i in items])
    assert torch.equal(video, decode_whole_video(av))
    assert torch.equal(audio, decode_whole_audio(av))
    assert [i["video_pts"] for i in items] == pytest.approx([0, 1.2, 2.4, 3.6])
    assert torch.equal(torch.cat([i["video_frame_pts"] for i in items]),
                       decode_whole_video(av).frame_pts)


def test_seconds_per_chunk_keeps_video_and_audio_in_step(av):
    items = list(MediaDataset([av], video={"seconds_per_chunk": 1.0}, audio={"seconds_per_chunk": 1.0}))
    assert len(items) == 4
    for k, item in enumerate(items):
        assert item["video"].shape[0] == 25 and item["audio"].shape[0] == 16000
        assert item["video_pts"] == pytest.approx(k) and item["audio_pts"] == pytest.approx(k)


def test_frames_per_chunk_minus_one_gives_each_stream_whole(av, flac):
    items = list(MediaDataset([av, flac], audio={"frames_per_chunk": -1, "format": "s16"}))
    assert _indices(items) == [0, 1]
    assert items[0]["audio"].shape == (64000, 1) and items[1]["audio"].shape == (32000, 1)
    assert torch.equal(items[1]["audio"], decode_whole_audio(flac, format="s16"))


def test_bytes_sources_decode_like_paths(av):
    data = open(av, "rb").read()
    (by_path,) = MediaDataset([av], video={}, clip_frames=3, clips_per_source=1)
    (by_bytes,) = MediaDataset([data], video={}, clip_frames=3, clips_per_source=1)
    assert by_bytes["source"] is data
    assert torch.equal(by_path["video"], by_bytes["video"])


def test_clips_batch_with_the_default_collate(av):
    ds = MediaDataset([av] * 4, video={"width": 32, "height": 24}, audio={}, clip_frames=4,
                      clips_per_source=2)
    batches = list(DataLoader(ds, batch_size=4, num_workers=2))
    assert len(batches) == 2
    for batch in batches:
        assert batch["video"].shape == (4, 4, 3, 24, 32)
        assert batch["audio"].shape == (4, 2560, 1)
        assert batch["video_frame_pts"].shape == (4, 4) and batch["video_frame_pts"].dtype == torch.float64
        assert batch["source"] == [av] * 4
    assert sorted(torch.cat([b["index"] for b in batches]).tolist()) == [0, 0, 1, 1, 2, 2, 3, 3]


# ---- sharding ----


@pytest.mark.parametrize("shuffle", [False, True])
def test_each_source_is_read_once_across_workers_and_ranks(flac, shuffle):
    sources = [flac] * 11
    seen = []
    for rank in range(2):
        ds = MediaDataset(sources, audio={"frames_per_chunk": -1}, rank=rank, world_size=2,
                          shuffle=shuffle, seed=5)
        seen += _indices(DataLoader(ds, batch_size=None, num_workers=2))
    assert Counter(seen) == Counter(range(11))


def test_shards_follow_rank_and_worker(flac):
    ds = MediaDataset([flac] * 10, audio={"frames_per_chunk": -1}, rank=1, world_size=2)
    # Two workers on rank 1 are shards 2 and 3 of 4.
    loader = DataLoader(ds, batch_size=None, num_workers=2)
    assert sorted(_indices(loader)) == [2, 3, 6, 7]
    assert ds.shard_positions() == [1, 3, 5, 7, 9]  # no worker: shard 1 of 2


def test_shuffle_is_deterministic_and_new_each_epoch(flac):
    ds = MediaDataset([flac] * 12, audio={"frames_per_chunk": -1}, shuffle=True, seed=1)
    order0 = ds.shard_positions()
    assert sorted(order0) == list(range(12)) and order0 != list(range(12))
    again = MediaDataset([flac] * 12, audio={"frames_per_chunk": -1}, shuffle=True, seed=1)
    assert again.shard_positions() == order0
    ds.set_epoch(1)
    assert ds.shard_positions() != order0
    assert _indices(ds) == ds.shard_positions()


def test_rank_defaults_to_torch_distributed(flac, monkeypatch):
    monkeypatch.setattr(torch.distributed, "is_available", lambda: True)
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.distributed, "get_rank", lambda: 2)
    monkeypatch.setattr(torch.distributed, "get_world_size", lambda: 3)
    ds = MediaDataset([flac] * 7, audio={"frames_per_chunk": -1})
    assert ds.shard_positions() == [2, 5]


# ---- bad sources ----


def test_bad_sources_are_skipped_counted_and_logged(av, tmp_path, caplog):
    text = tmp_path / "notes"
    text.write_text("not media\n" * 50)
    sources = [av, str(tmp_path / "missing.mp4"), str(text), av]
    ds = MediaDataset(sources, video={}, clip_frames=2, clips_per_source=1)
    with caplog.at_level(logging.WARNING, logger="ffstream.data"):
        items = list(ds)
    assert _indices(items) == [0, 3]
    assert [(s.index, s.source) for s in ds.skipped] == [(1, sources[1]), (2, sources[2])]
    assert "SourceNotFoundError" in ds.skipped[0].error and "missing.mp4" in ds.skipped[0].error
    assert "missing.mp4" in caplog.text and "skipped source 2" in caplog.text


def test_a_source_too_short_for_the_clip_is_skipped_with_the_reason(av):
    ds = MediaDataset([av], video={}, clip_frames=60, frame_step=2)
    assert list(ds) == []
    assert "100 video frames" in ds.skipped[0].error and "needs 119" in ds.skipped[0].error


def test_on_error_raise_ends_the_iteration(av, tmp_path):
    ds = MediaDataset([av, str(tmp_path / "missing.mp4")], video={}, clip_frames=2, on_error="raise")
    it = iter(ds)
    assert next(it)["index"] == 0
    with pytest.raises(FileNotFoundError, match="missing.mp4"):
        next(it)


def test_on_error_raise_reaches_the_main_process_from_a_worker(tmp_path):
    ds = MediaDataset([str(tmp_path / "missing.mp4")], audio={"frames_per_chunk": -1}, on_error="raise")
    with pytest.raises(Exception, match="missing.mp4"):
        list(DataLoader(ds, batch_size=None, num_workers=1))


def test_on_error_callable_gets_the_source_and_error(av):
    calls = []
    ds = MediaDataset([b"not media at all" * 100, av], audio={"frames_per_chunk": -1},
                      on_error=lambda i, s, e: calls.append((i, type(e))))
    assert _indices(ds) == [1]
    assert calls == [(0, ffstream.InvalidDataError)]
    assert ds.skipped == []


def test_a_mid_file_error_keeps_the_chunks_already_given(av):
    data = open(av, "rb").read()
    source = RaisingFile(data, OSError("disk went away"), after=len(data) // 2)
    ds = MediaDataset([source], video={"frames_per_chunk": 10}, audio={"frames_per_chunk": 4000},
                      format="matroska")
    items = list(ds)
    assert 0 < len(items) < 10
    assert "disk went away" in ds.skipped[0].error


def test_a_source_without_the_stream_asked_is_skipped(av, flac):
    ds = MediaDataset([flac, av], video={"frames_per_chunk": -1})
    assert _indices(ds) == [1]
    assert "no video stream" in ds.skipped[0].error


@pytest.mark.parametrize("kwargs, named", [
    ({"video": {"format": "bogus"}}, "bogus"),
    ({"video": {"width": 0}}, "width"),
    ({"video": {"decoder": "no_such_decoder"}}, "no_such_decoder"),
    ({"video": {"hw_accel": "cuda:0"}}, "hw_accel|hardware|not available"),
    ({"audio": {"format": "s17"}}, "s17"),
    ({"video": {}, "format": "no_such_demuxer"}, "no_such_demuxer"),
])
def test_options_every_source_would_refuse_raise_when_the_dataset_is_made(av, kwargs, named):
    # Skipping would skip every source: the options are wrong, not the files.
    with pytest.raises(ffstream.FFStreamError, match=named):
        MediaDataset([av, av], clip_frames=2, **kwargs)


def test_what_depends_on_the_file_follows_on_error(av, flac):
    # Stream 0 is video in av_flac.mkv but audio in the FLAC file.
    ds = MediaDataset([av, flac, av], video={"stream_index": 0}, clip_frames=2)
    assert _indices(ds) == [0, 2]
    assert "not video" in ds.skipped[0].error
    # A decoder option is the codec's: h264 has no such option.
    ds = MediaDataset([av], video={"decoder_option": {"no_such_option": "1"}}, clip_frames=2)
    assert list(ds) == [] and "no_such_option" in ds.skipped[0].error


def test_the_rank_travels_with_the_dataset_to_spawned_workers(flac, monkeypatch):
    import pickle

    monkeypatch.setattr(torch.distributed, "is_available", lambda: True)
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.distributed, "get_rank", lambda: 1)
    monkeypatch.setattr(torch.distributed, "get_world_size", lambda: 2)
    copy = pickle.loads(pickle.dumps(MediaDataset([flac] * 6, audio={"frames_per_chunk": -1})))
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: False)  # as in a spawned worker
    assert copy.shard_positions() == [1, 3, 5]


def test_decoder_options_and_safe_mode_reach_the_reader(av, tmp_path):
    ds = MediaDataset([av], video={"decoder_option": {"threads": "2"}}, clip_frames=2)
    assert len(list(ds)) == 1
    playlist = tmp_path / "list.m3u8"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n{av}\n#EXT-X-ENDLIST\n")
    ds = MediaDataset([str(playlist)], video={"frames_per_chunk": -1}, safe=True)
    assert list(ds) == [] and "safe mode" in ds.skipped[0].error


# ---- arguments ----


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "give video=, audio="),
        ({"video": {"widht": 3}, "clip_frames": 2}, "widht"),
        ({"video": {}}, "frames_per_chunk or seconds_per_chunk"),
        ({"video": {"frames_per_chunk": 4}, "clip_frames": 2}, "takes no frames_per_chunk"),
        ({"video": {"frame_rate": 5}, "clip_frames": 2}, "takes no frame_rate"),
        ({"audio": {}, "clip_frames": 2}, "give video= too"),
        ({"video": {}, "clip_frames": 0}, "clip_frames must be a positive int"),
        ({"video": {}, "clip_frames": 2, "clip_sampling": "dense"}, "clip_sampling"),
        ({"video": {}, "clip_frames": 2, "on_error": "ignore"}, "on_error"),
        ({"video": {}, "clip_frames": 2, "rank": 1}, "both rank and world_size"),
        ({"video": {}, "clip_frames": 2, "rank": 2, "world_size": 2}, "rank < world_size"),
        ({"video": "rgb24", "clip_frames": 2}, "must be a dict"),
    ],
)
def test_bad_arguments_raise_when_the_dataset_is_made(av, kwargs, message):
    with pytest.raises(ffstream.InvalidArgumentError, match=message):
        MediaDataset([av], **kwargs)


def test_sources_must_be_a_list(av):
    with pytest.raises(ffstream.InvalidArgumentError, match="list of sources"):
        MediaDataset(av, video={}, clip_frames=2)
