"""Invalid arguments to every method: a clear exception (TypeError,
ValueError or ffstream's RuntimeErrors), never a crash, a hang or a silently
wrong result; the reader works afterwards. Complements test_errors.py,
test_filters.py, test_seek.py and test_live.py, which cover bad sources,
indices, filters, decoders, chunk sizes, seek modes and negative times.

Cases that crashed or hung when written run in a subprocess, so that they
fail as tests instead of killing the run.
"""

from __future__ import annotations

import io
import math
import threading
import time

import ffstream
import pytest
from ffstream import StreamReader
from file_doubles import LaterFile

# What "a clear exception" may be for an argument of the wrong type or value.
CLEAR = (TypeError, ValueError, OverflowError, ffstream.FFStreamError)


@pytest.fixture
def av(make_media):
    return str(make_media("av.mp4"))


def _assert_clear(excinfo):
    e = excinfo.value
    assert str(e).strip(), f"{type(e).__name__} without a message"
    # pybind11's cast failures are RuntimeErrors that say nothing useful.
    assert "Unable to cast" not in str(e), str(e)


def _assert_usable(r: StreamReader):
    """The reader still decodes from the start after the bad call."""
    while r.num_out_streams:
        r.remove_stream(0)
    r.add_basic_video_stream(4)
    r.seek(0.0)
    r.fill_buffer()
    (chunk,) = r.pop_chunks()
    assert chunk.shape == (4, 3, 48, 64) and chunk.pts == 0.0


# ---- wrong types ----

WRONG_TYPES = {
    "seek('abc')": lambda r: r.seek("abc"),
    "seek(None)": lambda r: r.seek(None),
    "seek(2**1100)": lambda r: r.seek(2**1100),
    "seek(0, mode=[])": lambda r: r.seek(0, []),
    "process_packet(timeout='x')": lambda r: r.process_packet(timeout="x"),
    "process_packet(backoff='x')": lambda r: r.process_packet(backoff="x"),
    "process_packet(backoff=None)": lambda r: r.process_packet(backoff=None),
    "fill_buffer(timeout='x')": lambda r: r.fill_buffer(timeout="x"),
    "fill_buffer(backoff=[])": lambda r: r.fill_buffer(backoff=[]),
    "stream(timeout='x')": lambda r: next(iter(r.stream(timeout="x"))),
    "frames_per_chunk=1.5": lambda r: r.add_basic_video_stream(1.5),
    "frames_per_chunk='4'": lambda r: r.add_basic_audio_stream("4"),
    "frames_per_chunk=None": lambda r: r.add_basic_video_stream(None),
    "frames_per_chunk=2**63": lambda r: r.add_basic_video_stream(2**63),
    "buffer_chunk_size=1.5": lambda r: r.add_basic_audio_stream(4, 1.5),
    "decoder_option={1: 2}": lambda r: r.add_basic_video_stream(
        4, decoder_option={1: 2}
    ),
    "decoder_option={'threads': 1}": lambda r: r.add_basic_video_stream(
        4, decoder_option={"threads": 1}
    ),
    "decoder_option=[('threads', '1')]": lambda r: r.add_basic_video_stream(
        4, decoder_option=[("threads", "1")]
    ),
    "decoder=5": lambda r: r.add_basic_video_stream(4, decoder=5),
    "hw_accel=5": lambda r: r.add_basic_video_stream(4, hw_accel=5),
    "filter_desc=5": lambda r: r.add_video_stream(4, filter_desc=5),
    "stream_index='0'": lambda r: r.add_basic_video_stream(4, stream_index="0"),
    "stream_index=0.0": lambda r: r.add_basic_video_stream(4, stream_index=0.0),
    "remove_stream('0')": lambda r: r.remove_stream("0"),
    "remove_stream(None)": lambda r: r.remove_stream(None),
    "get_src_stream_info('a')": lambda r: r.get_src_stream_info("a"),
    "get_out_stream_info(1.0)": lambda r: r.get_out_stream_info(1.0),
    "pop_chunks(1)": lambda r: r.pop_chunks(1),
}


@pytest.mark.parametrize("call", list(WRONG_TYPES), ids=list(WRONG_TYPES))
def test_argument_of_the_wrong_type(av, call):
    r = StreamReader(av)
    with pytest.raises(CLEAR) as e:
        WRONG_TYPES[call](r)
    _assert_clear(e)
    _assert_usable(r)


CTOR_WRONG_TYPES = {
    "option={1: 2}": dict(option={1: 2}),
    "option={'probesize': 1000}": dict(option={"probesize": 1000}),
    "option='x'": dict(option="x"),
    "option=[1]": dict(option=[1]),
    "format=123": dict(format=123),
    "buffer_size=1.5": dict(buffer_size=1.5),
    "buffer_size='x'": dict(buffer_size="x"),
    "buffer_size=None": dict(buffer_size=None),
    "buffer_size=2**40": dict(buffer_size=2**40),
}


@pytest.mark.parametrize(
    "kwargs", list(CTOR_WRONG_TYPES.values()), ids=list(CTOR_WRONG_TYPES)
)
@pytest.mark.parametrize("kind", ["path", "bytes"])
def test_constructor_argument_of_the_wrong_type(av, kwargs, kind):
    src = av if kind == "path" else open(av, "rb").read()
    with pytest.raises(CLEAR) as e:
        StreamReader(src, **kwargs)
    _assert_clear(e)


# ---- bad values ----

BAD_VALUES = {
    "seek(nan)": lambda r: r.seek(math.nan),
    "seek(inf)": lambda r: r.seek(math.inf),
    "seek(-inf)": lambda r: r.seek(-math.inf),
    "seek(-1e-9)": lambda r: r.seek(-1e-9),
    "seek(0, 'KEY')": lambda r: r.seek(0, "KEY"),
    "seek(0, None)": lambda r: r.seek(0, None),
    "seek(0, 2)": lambda r: r.seek(0, 2),
    "width=-5": lambda r: r.add_basic_video_stream(4, width=-5),
    "width=0": lambda r: r.add_basic_video_stream(4, width=0),
    "width='abc'": lambda r: r.add_basic_video_stream(4, width="abc"),
    "width=2**40": lambda r: r.add_basic_video_stream(4, width=2**40),
    "video format='nosuch'": lambda r: r.add_basic_video_stream(4, format="nosuch"),
    "video format='yuv410p'": lambda r: r.add_basic_video_stream(4, format="yuv410p"),
    "frame_rate=nan": lambda r: r.add_basic_video_stream(4, frame_rate=math.nan),
    "sample_rate=-1": lambda r: r.add_basic_audio_stream(4, sample_rate=-1),
    "sample_rate=2**40": lambda r: r.add_basic_audio_stream(4, sample_rate=2**40),
    "num_channels=0": lambda r: r.add_basic_audio_stream(4, num_channels=0),
    "num_channels=-1": lambda r: r.add_basic_audio_stream(4, num_channels=-1),
    "num_channels=1000": lambda r: r.add_basic_audio_stream(4, num_channels=1000),
    "audio format='nosuch'": lambda r: r.add_basic_audio_stream(4, format="nosuch"),
    "decoder=''": lambda r: r.add_basic_video_stream(4, decoder=""),
    "filter_desc=',,,'": lambda r: r.add_video_stream(4, filter_desc=",,,"),
    "filter_desc='nullsink'": lambda r: r.add_video_stream(4, filter_desc="nullsink"),
    "hw_accel='cpu'": lambda r: r.add_basic_video_stream(4, hw_accel="cpu"),
    "remove_stream(-1)": lambda r: r.remove_stream(-1),
    "get_out_stream_info(2**40)": lambda r: r.get_out_stream_info(2**40),
}


@pytest.mark.parametrize("call", list(BAD_VALUES), ids=list(BAD_VALUES))
def test_argument_of_a_bad_value(av, call):
    r = StreamReader(av)
    with pytest.raises(
        (ValueError, IndexError, NotImplementedError, ffstream.FFStreamError)
    ) as e:
        BAD_VALUES[call](r)
    _assert_clear(e)
    assert r.num_out_streams == 0
    _assert_usable(r)


# The value is valid to FFmpeg's filters (0 keeps the size or rate, a
# negative size keeps the aspect) but means nothing as the API's argument:
# the output must not be silently empty or unchanged.
NONSENSE_RATES = {
    "frame_rate=0": dict(frame_rate=0),
    "frame_rate=-1": dict(frame_rate=-1),
    "frame_rate=inf": dict(frame_rate=math.inf),
    "sample_rate=0": dict(sample_rate=0),
}


@pytest.mark.parametrize(
    "kwargs", list(NONSENSE_RATES.values()), ids=list(NONSENSE_RATES)
)
def test_non_positive_rates_are_refused(av, kwargs):
    # Found: frame_rate=0, -1 and inf were accepted and then decoded no
    # frame at all; sample_rate=0 decoded at the source rate.
    r = StreamReader(av)
    add = (
        r.add_basic_audio_stream
        if "sample_rate" in kwargs
        else r.add_basic_video_stream
    )
    with pytest.raises(ValueError) as e:
        add(4, **kwargs)
    _assert_clear(e)
    _assert_usable(r)


@pytest.mark.parametrize(
    "options, key",
    [
        ({"threads": "abc"}, "threads"),
        ({"threads": "-1"}, "threads"),
        ({"threads": "1", "thread_type": "nonsense"}, "thread_type"),
    ],
)
def test_bad_decoder_option_value_names_the_option(av, options, key):
    # Found: the error said only "avcodec_open2 failed ...: Invalid argument"
    # (or "Numerical result out of range"), not which option was wrong.
    r = StreamReader(av)
    with pytest.raises(ValueError) as e:
        r.add_basic_video_stream(4, decoder_option=options)
    assert key in str(e.value), str(e.value)
    _assert_usable(r)


@pytest.mark.parametrize(
    "options, key",
    [({"probesize": "abc"}, "probesize"), ({"probesize": "-1"}, "probesize")],
)
def test_bad_open_option_value_names_the_option(av, options, key):
    # Found: "avformat_open_input failed for '...': Invalid argument".
    with pytest.raises(ValueError) as e:
        StreamReader(av, option=options)
    assert key in str(e.value), str(e.value)


@pytest.mark.parametrize("size", [0, -1])
@pytest.mark.parametrize("kind", ["bytes", "file object", "path"])
def test_non_positive_buffer_size(av, size, kind):
    # Found: refused for bytes and file objects, silently ignored for paths.
    data = open(av, "rb").read()
    src = {"bytes": data, "file object": io.BytesIO(data), "path": av}[kind]
    with pytest.raises(ValueError) as e:
        StreamReader(src, buffer_size=size)
    assert "buffer_size" in str(e.value)


def test_tiny_buffer_size_decodes(av):
    data = open(av, "rb").read()
    expected = StreamReader(av)
    expected.add_basic_audio_stream(-1, -1)
    expected.process_all_packets()
    r = StreamReader(data, buffer_size=1)
    r.add_basic_audio_stream(-1, -1)
    r.process_all_packets()
    assert (r.pop_chunks()[0] == expected.pop_chunks()[0]).all()


def test_path_with_a_nul_byte_is_refused(av):
    # Found: "av.mp4\0anything" opened av.mp4 (the path was cut at the NUL);
    # Python's open() raises ValueError for such a path.
    with pytest.raises(ValueError) as e:
        StreamReader(av + "\0.txt")
    assert "null" in str(e.value).lower() or "nul" in str(e.value).lower()


@pytest.mark.parametrize(
    "how", ["seekable() raises", "seekable() returns 'yes'", "read is not callable"]
)
def test_broken_file_object_methods(make_media, how):
    data = make_media("sine.wav").read_bytes()

    class F:
        def __init__(self):
            self.f = io.BytesIO(data)

        def read(self, n=-1):
            return self.f.read(n)

        def seek(self, o, w=0):
            return self.f.seek(o, w)

    f = F()
    if how == "seekable() raises":
        f.seekable = lambda: 1 / 0
        expected = ZeroDivisionError
    elif how == "seekable() returns 'yes'":
        # Found: pybind11's "Unable to cast Python instance of type <class
        # 'str'> to C++ type '?'" as a bare RuntimeError.
        f.seekable = lambda: "yes"
        expected = (TypeError, ValueError)
    else:
        f.read = 5
        expected = TypeError
    with pytest.raises(expected) as e:
        StreamReader(f)
    _assert_clear(e)


# ---- seek far past the end ----


@pytest.mark.parametrize("t", [1e6, 1e13, 1e18, 1e300, 2.0**70])
@pytest.mark.parametrize("mode", ["precise", "key", "any"])
def test_seek_far_past_the_end(make_media, t, mode):
    # Past the end: precise gives nothing, key the last key frame's GOP and
    # any the last frame, however far. Found: from about 9.2e12 s on (t * 1e6
    # overflows int64, undefined in llround) "key" and "any" started again
    # at the first frame.
    r = StreamReader(str(make_media("h264.mp4")))
    r.add_basic_video_stream(4, -1)
    r.seek(t, mode)
    frames = sum(c.shape[0] for (c,) in r.stream())
    assert frames == {"precise": 0, "key": 10, "any": 1}[mode], frames
    _assert_usable(r)


# ---- timeouts and backoffs ----


def _armed_reader(make_media):
    f = LaterFile(make_media("sine.wav").read_bytes())
    r = StreamReader(f, format="wav", buffer_size=512)
    r.add_basic_audio_stream(1000)
    f.armed = True
    return f, r


def _drain(r, **kwargs):
    """process_packet until the end: the first packets come from what the
    reader buffered before the source ran dry."""
    while r.process_packet(**kwargs) == 0:
        pass
    return "end"


@pytest.mark.parametrize("timeout", [math.inf, 1e300, 1e13])
def test_huge_timeout_waits_for_the_data(make_media, timeout):
    # Found: a timeout beyond ~9.2e12 ms (inf included) overflowed the
    # deadline and timed out at once instead of waiting.
    f, r = _armed_reader(make_media)
    timer = f.disarm_after(0.3)
    t0 = time.monotonic()
    try:
        assert _drain(r, timeout=timeout, backoff=5) == "end"
    finally:
        timer.join()
    assert time.monotonic() - t0 >= 0.25


def _in_thread(fn, seconds):
    """Runs fn() in a thread for at most `seconds`; returns whether it
    finished, the thread, and {"value": result or exception}."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001
            out["value"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    return not t.is_alive(), t, out


def test_nan_timeout_is_refused_not_a_hang(make_media):
    # Found: timeout=nan is neither >= 0 nor negative: no deadline, so it
    # retried forever on a source without data.
    f, r = _armed_reader(make_media)
    finished, t, out = _in_thread(lambda: _drain(r, timeout=math.nan, backoff=5), 2.0)
    if not finished:
        f.armed = False  # let the stuck call end
        t.join(10)
    assert finished, "process_packet(timeout=nan) hung"
    assert isinstance(out["value"], ValueError), out["value"]


@pytest.mark.parametrize("backoff", [math.nan, math.inf, -5.0, 1e300])
def test_odd_backoff_still_times_out(make_media, backoff):
    f, r = _armed_reader(make_media)
    t0 = time.monotonic()
    finished, t, out = _in_thread(lambda: _drain(r, timeout=100, backoff=backoff), 5.0)
    if not finished:
        f.armed = False
        t.join(30)
    assert finished, f"process_packet(timeout=100, backoff={backoff}) hung"
    assert isinstance(out["value"], (ffstream.DecodeTimeoutError, ValueError)), out[
        "value"
    ]
    assert time.monotonic() - t0 < 2.0


def test_backoff_longer_than_the_timeout_does_not_overshoot(make_media):
    # Found: timeout=100 with backoff=2000 slept the whole 2 s before
    # raising the timeout; the wait should end at the deadline.
    f, r = _armed_reader(make_media)
    t0 = time.monotonic()
    with pytest.raises(ffstream.DecodeTimeoutError):
        _drain(r, timeout=100, backoff=2000)
    elapsed = time.monotonic() - t0
    assert elapsed < 1.0, f"raised after {elapsed:.2f} s for a 0.1 s timeout"


# ---- huge chunk sizes ----


def _run_forked(fn, timeout: float = 20.0):
    """Runs fn() in a forked child, so that a crash or a hang is a failed
    test rather than the end of the run. Returns ("exit", code, output),
    ("signal", number, output) or ("hang", None, output)."""
    import os
    import signal

    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(rfd)
        code = 0
        try:
            message = str(fn())
        except BaseException as e:  # noqa: BLE001
            message, code = f"{type(e).__name__}: {e}", 3
        os.write(wfd, message.encode()[:4000])
        os._exit(code)
    os.close(wfd)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = None
            break
        time.sleep(0.02)
    output = os.read(rfd, 4000).decode(errors="replace") if status is not None else ""
    os.close(rfd)
    if status is None:
        return ("hang", None, output)
    if os.WIFSIGNALED(status):
        return ("signal", os.WTERMSIG(status), output)
    return ("exit", os.WEXITSTATUS(status), output)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
@pytest.mark.parametrize(
    "name, fpc, bcs",
    [
        # frames_per_chunk * bytes per frame wraps around int64 to 0 or a few
        # KiB. Found: SIGSEGV in fill_buffer for the first three; with the
        # default buffer_chunk_size=3, 2**62 hung instead (not run here: the
        # same overflow, and a hang costs the test's time limit).
        ("sine.wav", 2**62, -1),
        ("h264.mp4", 2001599834386888, 3),  # 64x48 rgb24: 9216 bytes a frame
        ("sine.wav", 2**63 - 1, 1),
        ("sine.wav", 2**61, 3),
    ],
)
def test_huge_frames_per_chunk_never_crashes(make_media, name, fpc, bcs):
    # Either refused when added (ValueError) or a MemoryError when the chunk
    # cannot be allocated; decoding a 2 s file gives at most its frames.
    path = str(make_media(name))

    def run():
        r = StreamReader(path)
        try:
            if name.endswith(".wav"):
                r.add_basic_audio_stream(fpc, bcs)
            else:
                r.add_basic_video_stream(fpc, bcs)
            r.fill_buffer()
            (c,) = r.pop_chunks()
            return f"decoded {None if c is None else tuple(c.shape)}"
        except (ValueError, MemoryError, OverflowError) as e:
            return f"raised {type(e).__name__}: {e}"
        finally:
            r.close()

    how, code, output = _run_forked(run)
    assert (how, code) == ("exit", 0), f"{how} {code}: {output}"
    assert output.startswith(("raised", "decoded")), output


def test_huge_buffer_chunk_size_keeps_every_frame(make_media):
    # Found: frames_per_chunk * buffer_chunk_size overflowed to 0, and every
    # decoded frame was dropped as over the limit (pop_chunks gave None).
    r = StreamReader(str(make_media("sine.wav")))
    r.add_basic_audio_stream(1024, 2**62)
    r.process_all_packets()
    total = 0
    while (c := r.pop_chunks()[0]) is not None:
        total += c.shape[0]
    assert total == 32000


# ---- a closed reader ----


CLOSED_CALLS = {
    "num_src_streams": lambda r: r.num_src_streams,
    "num_out_streams": lambda r: r.num_out_streams,
    "get_metadata": lambda r: r.get_metadata(),
    "get_src_stream_info": lambda r: r.get_src_stream_info(0),
    "get_out_stream_info": lambda r: r.get_out_stream_info(0),
    "add_basic_video_stream": lambda r: r.add_basic_video_stream(4),
    "add_audio_stream": lambda r: r.add_audio_stream(4),
    "remove_stream": lambda r: r.remove_stream(0),
    "seek": lambda r: r.seek(0.0),
    "process_packet": lambda r: r.process_packet(),
    "process_all_packets": lambda r: r.process_all_packets(),
    "fill_buffer": lambda r: r.fill_buffer(),
    "is_buffer_ready": lambda r: r.is_buffer_ready(),
    "pop_chunks": lambda r: r.pop_chunks(),
    "stream": lambda r: next(iter(r.stream())),
}


@pytest.mark.parametrize("call", list(CLOSED_CALLS), ids=list(CLOSED_CALLS))
def test_every_method_of_a_closed_reader_raises_closed(av, call):
    r = StreamReader(av)
    r.add_basic_audio_stream(100)
    r.fill_buffer()
    r.close()
    with pytest.raises(ffstream.ReaderClosedError) as e:
        CLOSED_CALLS[call](r)
    assert "closed" in str(e.value)
    # Harmless on a closed reader.
    r.interrupt()
    r.close()
