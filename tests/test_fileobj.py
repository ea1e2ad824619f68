"""Custom inputs: file objects, bytes-like objects, and their failures."""

from __future__ import annotations

import io

import ffstream
import numpy as np
import pytest
import torch
from file_doubles import (
    NotBytesFile,
    RaisingFile,
    ReadOnlyFile,
    RecordingFile,
    ShortReadFile,
    TooManyBytesFile,
)
from helpers import decode_default_streams


@pytest.fixture(scope="module")
def av(make_media):
    path = make_media("av.mp4")
    return path, path.read_bytes(), decode_default_streams(str(path))


def _assert_same(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype
        assert torch.equal(g, e)
        assert g.pts == e.pts


@pytest.mark.parametrize(
    "wrap",
    [bytes, bytearray, memoryview, lambda b: np.frombuffer(b, np.uint8), io.BytesIO],
    ids=["bytes", "bytearray", "memoryview", "numpy", "BytesIO"],
)
def test_in_memory_sources_decode_like_the_path(av, wrap):
    _, data, expected = av
    _assert_same(decode_default_streams(wrap(data)), expected)


def test_real_file_object(av):
    path, _, expected = av
    with open(path, "rb") as f:
        _assert_same(decode_default_streams(f), expected)


def test_recording_file_is_read_and_seeked(av):
    _, data, expected = av
    f = RecordingFile(data)
    _assert_same(decode_default_streams(f, buffer_size=1024), expected)
    sizes = [c[1] for c in f.calls if c[0] == "read"]
    # Reads are buffer_size long (FFmpeg reads more at once only to probe or
    # to fill a large request directly).
    assert max(set(sizes), key=sizes.count) == 1024
    assert any(c[0] == "seek" for c in f.calls), "mp4 needs seeking to its index"


def test_short_reads_are_not_end_of_file(av):
    _, data, expected = av
    _assert_same(decode_default_streams(ShortReadFile(data)), expected)


def test_read_only_object_works_for_streamable_formats(make_media):
    path = make_media("sine.wav")
    expected = decode_default_streams(str(path))
    _assert_same(decode_default_streams(ReadOnlyFile(path.read_bytes()), format="wav"), expected)


def test_seek_on_a_read_only_object_raises_clearly(make_media):
    path = make_media("sine.wav")
    r = ffstream.StreamReader(ReadOnlyFile(path.read_bytes()), format="wav")
    r.add_basic_audio_stream(1000)
    with pytest.raises(ffstream.InvalidArgumentError, match="cannot seek"):
        r.seek(1.0)


@pytest.mark.parametrize("after", [0, 100, 5000])
def test_exception_from_read_reaches_the_caller_unchanged(av, after):
    _, data, _ = av

    class Boom(Exception):
        pass

    with pytest.raises(Boom, match="disk on fire"):
        decode_default_streams(RaisingFile(data, Boom("disk on fire"), after=after))


def test_exception_from_seek_reaches_the_caller_unchanged(av):
    _, data, _ = av
    with pytest.raises(KeyError, match="no seek"):
        decode_default_streams(RaisingFile(data, KeyError("no seek"), after=0, in_seek=True))


def test_exception_while_decoding_reaches_the_caller(make_media):
    # Opening reads fine; the error comes from a later read, during decoding.
    data = make_media("av.mp4").read_bytes()
    f = RaisingFile(data, OSError("connection reset"), after=0)
    f.armed = False
    r = ffstream.StreamReader(f, buffer_size=512)
    r.add_basic_audio_stream(1000)
    r.add_basic_video_stream(5)
    f.armed = True
    with pytest.raises(OSError, match="connection reset"):
        r.process_all_packets()
    # The reader stays usable: once the object recovers, decoding goes on.
    f.armed = False
    r.seek(0.0)
    r.process_all_packets()
    assert r.pop_chunks()[1].shape[0] == 5


def test_read_returning_str_is_a_type_error():
    with pytest.raises(TypeError, match="bytes"):
        ffstream.StreamReader(NotBytesFile())


def test_read_returning_too_much_is_an_error():
    with pytest.raises(ValueError, match="returned"):
        ffstream.StreamReader(TooManyBytesFile())


def test_bytes_source_is_not_copied_first(av):
    # A memoryview over a bytearray: the reader keeps the buffer exported (it
    # reads it in place), so resizing it meanwhile is refused by Python.
    _, data, _ = av
    buf = bytearray(data)
    r = ffstream.StreamReader(memoryview(buf))
    with pytest.raises(BufferError):
        buf.extend(b"x")
    r.close()


def test_context_manager_closes(av):
    path, _, _ = av
    with ffstream.StreamReader(str(path)) as r:
        assert r.num_src_streams == 2
    with pytest.raises(ffstream.ReaderClosedError):
        r.add_basic_audio_stream(10)
    with pytest.raises(ffstream.ReaderClosedError, match="closed"):
        _ = r.num_src_streams
