"""ffstream.ray.read_media on a local Ray instance (2 CPUs, started and
stopped here): rows equal the frames decoded directly, every source is read
once, and bad sources are skipped or raised."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from ffstream.data import MediaDataset
from helpers import decode_whole_audio

ray = pytest.importorskip("ray", reason="Ray is installed by ci/setup_venv.sh (the ffstream[ray] extra)")
import ffstream.ray  # noqa: E402 (after the skip)


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=256 * 2**20,
             logging_level="ERROR", log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def av(media_dir):
    import media

    return str(media.make("av_flac.mkv", media_dir))


def _by_position(rows, key):
    return sorted(rows, key=lambda r: (r["index"], r[key]))


def test_clips_equal_the_dataset_clips(local_ray, av):
    options = dict(video={"width": 32, "height": 24}, audio={"format": "s16"}, clip_frames=6,
                   clips_per_source=3, clip_sampling="random", seed=11)
    rows = _by_position(ffstream.ray.read_media([av, av], **options).take_all(), "clip")
    expected = list(MediaDataset([av, av], **options))
    assert len(rows) == len(expected) == 6
    for row, item in zip(rows, expected):
        for key in ("index", "clip", "start_frame"):
            assert row[key] == item[key]
        assert row["source"] == av
        assert row["video"].shape == (6, 3, 24, 32) and row["video"].dtype == np.uint8
        assert np.array_equal(row["video"], item["video"].numpy())
        assert np.array_equal(row["audio"], item["audio"].numpy())
        assert np.allclose(row["video_frame_pts"], item["video_frame_pts"].numpy())
        assert row["video_pts"] == pytest.approx(item["video_pts"])


def test_chunks_of_every_source_once_in_several_tasks(local_ray, av):
    sources = [av, open(av, "rb").read(), av, av, av]
    ds = ffstream.ray.read_media(sources, audio={"frames_per_chunk": 16000, "format": "s16"},
                                 override_num_blocks=3)
    rows = ds.take_all()
    assert Counter(r["index"] for r in rows) == Counter({i: 4 for i in range(5)})
    whole = decode_whole_audio(av, format="s16")
    for index in range(5):
        chunks = _by_position([r for r in rows if r["index"] == index], "chunk")
        assert [r["chunk"] for r in chunks] == [0, 1, 2, 3]
        assert np.array_equal(np.concatenate([r["audio"] for r in chunks]), whole.numpy())
        assert [r["audio_pts"] for r in chunks] == pytest.approx([0, 1, 2, 3])


def test_bad_sources_are_skipped(local_ray, av, tmp_path):
    ds = ffstream.ray.read_media([str(tmp_path / "missing.mp4"), av], video={"format": "gray"},
                                 clip_frames=2)
    assert [r["index"] for r in ds.take_all()] == [1]


def test_on_error_raise_fails_the_dataset(local_ray, tmp_path):
    ds = ffstream.ray.read_media([str(tmp_path / "missing.mp4")], video={"frames_per_chunk": -1},
                                 on_error="raise")
    with pytest.raises(Exception, match="missing.mp4"):
        ds.take_all()


def test_rows_become_torch_batches(local_ray, av):
    ds = ffstream.ray.read_media([av] * 3, video={"width": 16, "height": 12}, clip_frames=4)
    # Strings (the source column) do not become tensors: select the columns.
    (batch,) = list(ds.select_columns(["video", "video_pts", "index"]).iter_torch_batches(batch_size=3))
    assert batch["video"].shape == (3, 4, 3, 12, 16) and batch["video"].dtype == torch.uint8
    assert sorted(batch["index"].tolist()) == [0, 1, 2]
