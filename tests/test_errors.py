"""Bad inputs and bad arguments: clear exceptions, never a crash, no leak."""

from __future__ import annotations

import random
from pathlib import Path

import ffstream
import pytest
from ffstream import StreamReader
from helpers import rss_bytes

# ---- the exception classes ----


@pytest.mark.parametrize(
    "cls, builtin",
    [
        (ffstream.SourceNotFoundError, FileNotFoundError),
        (ffstream.InvalidArgumentError, ValueError),
        (ffstream.StreamIndexError, IndexError),
        (ffstream.InvalidDataError, ValueError),
        (ffstream.DecodeTimeoutError, TimeoutError),
        (ffstream.NotSupportedError, NotImplementedError),
        (ffstream.ReaderClosedError, ValueError),
    ],
)
def test_exception_hierarchy(cls, builtin):
    assert issubclass(cls, ffstream.FFStreamError)
    assert issubclass(cls, RuntimeError)
    assert issubclass(cls, builtin)
    # Catchable by either base, as users of torchaudio and of Python expect.
    for base in (RuntimeError, builtin, ffstream.FFStreamError):
        with pytest.raises(base):
            raise cls("x")


def test_every_error_class_of_the_core_is_exported():
    # The classes are declared once, in the binding; the package re-exports
    # each of them by name.
    from ffstream._extension import ext

    exported = {n for n in ffstream.__all__ if n.endswith("Error")}
    assert exported == set(ext.error_classes)
    for name in ext.error_classes:
        assert getattr(ffstream, name) is getattr(ext, name)
        assert issubclass(getattr(ffstream, name), ffstream.FFStreamError)


def test_base_class_is_a_runtime_error():
    assert issubclass(ffstream.FFStreamError, RuntimeError)
    assert ffstream.FFStreamError.__module__ == "ffstream"


# ---- bad sources ----


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, make_media) -> dict:
    d = tmp_path_factory.mktemp("bad")
    # No extension: FFmpeg's tty demuxer claims *.txt files as ASCII art.
    text = d / "notes"
    text.write_text("This is a plain text file, not media.\n" * 20)
    empty = d / "empty.mp4"
    empty.write_bytes(b"")
    rand = d / "random.bin"
    rand.write_bytes(random.Random(1234).randbytes(64 * 1024))
    # ffmpeg writes the mp4 index (moov) at the end, so the first half of the
    # file has no index and cannot be opened.
    good = make_media("h264.mp4").read_bytes()
    truncated = d / "truncated.mp4"
    truncated.write_bytes(good[: len(good) // 2])
    directory = d / "a_directory.mp4"
    directory.mkdir()
    return {
        "text": text,
        "empty": empty,
        "random": rand,
        "truncated": truncated,
        "directory": directory,
        "missing": d / "does_not_exist.mp4",
    }


def _assert_good_file_opens(make_media):
    with StreamReader(str(make_media("av.mp4"))) as r:
        assert r.num_src_streams == 2
        assert r.get_src_stream_info(0).media_type == "video"


def test_missing_file(bad_files, make_media):
    path = bad_files["missing"]
    with pytest.raises(ffstream.SourceNotFoundError) as e:
        StreamReader(str(path))
    assert isinstance(e.value, FileNotFoundError)
    assert isinstance(e.value, RuntimeError)
    assert str(path) in str(e.value)
    _assert_good_file_opens(make_media)


def test_missing_file_as_pathlib_path(bad_files):
    path = bad_files["missing"]
    with pytest.raises(FileNotFoundError) as e:
        StreamReader(path)
    assert str(path) in str(e.value)


@pytest.mark.parametrize("kind", ["directory", "text", "empty", "random", "truncated"])
def test_unreadable_source(bad_files, make_media, kind):
    path = bad_files[kind]
    with pytest.raises(ffstream.FFStreamError) as e:
        StreamReader(str(path))
    assert isinstance(e.value, RuntimeError)
    assert str(path) in str(e.value)
    _assert_good_file_opens(make_media)


@pytest.mark.parametrize("kind", ["text", "empty", "random", "truncated"])
def test_not_media_is_invalid_data(bad_files, kind):
    with pytest.raises(ffstream.InvalidDataError) as e:
        StreamReader(str(bad_files[kind]))
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("kind", ["text", "empty", "random", "truncated"])
def test_not_media_as_bytes(bad_files, make_media, kind):
    data = bad_files[kind].read_bytes()
    with pytest.raises(ffstream.FFStreamError):
        StreamReader(data)
    _assert_good_file_opens(make_media)


def test_unknown_format_name(make_media):
    path = make_media("sine.wav")
    with pytest.raises(ValueError) as e:
        StreamReader(str(path), format="nosuchformat")
    assert isinstance(e.value, RuntimeError)
    assert "nosuchformat" in str(e.value)
    _assert_good_file_opens(make_media)


@pytest.mark.parametrize("src", [42, None, [1, 2, 3], 3.5, {"path": "x"}])
def test_src_of_wrong_type(src, make_media):
    with pytest.raises(ValueError) as e:
        StreamReader(src)
    assert type(src).__name__ in str(e.value)
    _assert_good_file_opens(make_media)


# ---- bad stream indices ----


@pytest.mark.parametrize("name", ["sine.wav", "av.mp4"])
def test_stream_index_out_of_range(make_media, name):
    with StreamReader(str(make_media(name))) as r:
        n = r.num_src_streams
        for i in (n, n + 1, 1000, -1, -n, -1000):
            with pytest.raises(ffstream.StreamIndexError) as e:
                r.get_src_stream_info(i)
            assert isinstance(e.value, IndexError), i
            assert isinstance(e.value, RuntimeError), i
            assert str(i) in str(e.value), i
        # The reader still works after the errors.
        assert r.get_src_stream_info(n - 1).media_type in ("audio", "video")


@pytest.mark.parametrize("i", [2**31, 2**40, -(2**31) - 1, -(2**40)])
def test_huge_stream_index(make_media, i):
    # Any int out of range is a bad index, not a type error.
    with StreamReader(str(make_media("sine.wav"))) as r:
        with pytest.raises(ffstream.StreamIndexError) as e:
            r.get_src_stream_info(i)
        assert isinstance(e.value, IndexError)
        assert str(i) in str(e.value)


def test_closed_reader_raises(make_media):
    r = StreamReader(str(make_media("sine.wav")))
    r.close()
    with pytest.raises(ffstream.ReaderClosedError) as e:
        r.get_src_stream_info(0)
    assert isinstance(e.value, RuntimeError)
    r.close()  # closing twice is harmless


# ---- no leak ----


LEAK_CASES = [
    "missing", "directory", "text", "empty", "random", "random bytes", "truncated",
    "unknown format", "unused option", "wrong type", "bad index", "good file",
]


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("case", LEAK_CASES)
def test_repeated_failures_do_not_leak(bad_files, make_media, case):
    wav = str(make_media("sine.wav"))
    reader = StreamReader(wav)
    rand_bytes = bad_files["random"].read_bytes()
    attempts = {
        "missing": lambda: StreamReader(str(bad_files["missing"])),
        "directory": lambda: StreamReader(str(bad_files["directory"])),
        "text": lambda: StreamReader(str(bad_files["text"])),
        "empty": lambda: StreamReader(str(bad_files["empty"])),
        "random": lambda: StreamReader(str(bad_files["random"])),
        "random bytes": lambda: StreamReader(rand_bytes),
        "truncated": lambda: StreamReader(str(bad_files["truncated"])),
        "unknown format": lambda: StreamReader(wav, format="nosuchformat"),
        "unused option": lambda: StreamReader(wav, option={"bogus": "1"}),
        "wrong type": lambda: StreamReader(42),
        "bad index": lambda: reader.get_src_stream_info(5),
        # The control: opening and closing a good file must not leak either.
        "good file": lambda: StreamReader(wav).close(),
    }
    attempt = attempts[case]

    def run(n):
        for _ in range(n):
            try:
                attempt()
            except (ffstream.FFStreamError, ValueError, OSError):
                pass
            else:
                assert case == "good file", f"{case} did not raise"

    run(20)  # warm up allocator pools and FFmpeg's one-time tables
    before = rss_bytes()
    run(200)
    grown = rss_bytes() - before
    # Measured growth is under 100 KiB; 4 MiB catches a leak of 20 KiB per call.
    assert grown < 4 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB in 200 calls"
    reader.close()
    _assert_good_file_opens(make_media)
