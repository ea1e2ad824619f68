"""Readers in threads: parallel readers give correct results; one reader used
from two threads at once is an error, never a crash."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import ffstream
import pytest
import torch
from file_doubles import BlockingFile
from helpers import decode_whole_video


def test_readers_in_parallel_threads_match_sequential(make_media):
    paths = [str(make_media(n)) for n in ("h264.mp4", "vp9.webm", "av.mp4", "offset.mkv")]
    expected = [decode_whole_video(p) for p in paths]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(decode_whole_video, paths * 3))
    for i, chunk in enumerate(got):
        assert torch.equal(chunk, expected[i % len(paths)])


def test_file_object_reader_in_a_worker_thread(make_media):
    path = make_media("av.mp4")
    expected = decode_whole_video(str(path))
    with open(path, "rb") as f, ThreadPoolExecutor(max_workers=1) as pool:
        got = pool.submit(decode_whole_video, f).result()
    assert torch.equal(got, expected)


def test_one_reader_from_two_threads_is_an_error(make_media):
    f = BlockingFile(make_media("sine.wav").read_bytes())
    r = ffstream.StreamReader(f, buffer_size=512)
    r.add_basic_audio_stream(1000)
    f.armed = True
    worker = threading.Thread(target=r.process_all_packets)
    worker.start()
    assert f.entered.wait(10)
    with pytest.raises(RuntimeError, match="another thread"):
        r.process_packet()
    f.armed = False
    f.release.set()
    worker.join(10)
    assert not worker.is_alive()
    # The reader is intact for its owner afterwards.
    chunks = r.pop_chunks()
    assert chunks[0] is not None and chunks[0].shape[1] == 1
