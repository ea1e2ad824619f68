"""Chunk memory: a chunk's storage is used again once nothing refers to it
any more (streaming a long file stays within a few chunks of memory), and
never while anything still does: the chunk, a slice of it, or an array that
a DLPack consumer made from it."""

from __future__ import annotations

import gc

import numpy as np
import torch
from ffstream import StreamReader
from media import video_reference

FRAMES_PER_CHUNK = 5  # h264.mp4: 50 frames of 64x48, so 10 chunks


def _stream(path, **kwargs):
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(FRAMES_PER_CHUNK, format="rgb24", **kwargs)
    return reader.stream()


def _as_nhwc(frames) -> np.ndarray:
    # rgb24 chunks are (N, 3, H, W) views of packed frames.
    return torch.as_tensor(frames).permute(0, 2, 3, 1).numpy()


def test_memory_of_dropped_chunks_is_used_again(make_media):
    path = make_media("h264.mp4")
    gc.disable()  # reuse must not wait for the cycle collector
    try:
        addresses = [chunk.data_ptr() for (chunk,) in _stream(path)]
    finally:
        gc.enable()
    assert len(addresses) == 10
    # The chunk being filled, the one the loop variable still holds, and at
    # most one more buffered: never a new block per chunk.
    assert len(set(addresses)) <= 3


def test_chunks_held_keep_their_frames(make_media):
    path = make_media("h264.mp4")
    held = [chunk for (chunk,) in _stream(path)]
    assert len({c.data_ptr() for c in held}) == len(held)
    got = np.concatenate([_as_nhwc(c) for c in held])
    np.testing.assert_array_equal(got, video_reference(path))


def test_views_and_dlpack_arrays_keep_memory_after_the_chunk_is_gone(make_media):
    path = make_media("h264.mp4")
    reference = video_reference(path)
    kept = []  # (first frame index, what is kept) of every other chunk
    for i, (chunk,) in enumerate(_stream(path)):
        first = i * FRAMES_PER_CHUNK
        if i % 3 == 0:
            kept.append((first, np.from_dlpack(chunk._elem.permute(0, 2, 3, 1))))
        elif i % 3 == 1:
            kept.append((first, torch.from_dlpack(chunk._elem)[1:]))
        del chunk  # only the view or the DLPack array refers to the memory now
    for first, frames in kept:
        got = frames if isinstance(frames, np.ndarray) else _as_nhwc(frames)
        skip = 0 if isinstance(frames, np.ndarray) else 1
        np.testing.assert_array_equal(
            got, reference[first + skip : first + FRAMES_PER_CHUNK]
        )


def test_buffered_chunks_are_not_overwritten_while_the_reader_drops(make_media):
    # buffer_chunk_size=2: older chunks are dropped while decoding ahead; the
    # ones handed out must still be intact afterwards.
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(FRAMES_PER_CHUNK, 2, format="rgb24")
    reader.process_all_packets()
    (last,) = reader.pop_chunks()
    held = last.clone()
    reader.seek(0)
    for (_,) in reader.stream():
        pass
    assert torch.equal(last, held)
    reference = video_reference(path)
    assert last.shape[0] == FRAMES_PER_CHUNK
    np.testing.assert_array_equal(_as_nhwc(last), reference[-2 * FRAMES_PER_CHUNK : -FRAMES_PER_CHUNK])
