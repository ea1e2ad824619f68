"""Live sources: lavfi devices, sources with no data for a while (EAGAIN),
timeouts."""

from __future__ import annotations

import io
import time

import ffstream
import pytest
from file_doubles import LateFile, StallingFile
from helpers import whole_chunk

# Opening a non-seekable WAV reads ~200 KB (stream probing), so the stalls
# start well after that, while packets are being read.
STALL_AT = 300_000


@pytest.fixture(scope="module")
def wav(make_media):
    return make_media("stereo_f32.wav").read_bytes()


def test_lavfi_source_decodes():
    r = ffstream.StreamReader("sine=frequency=440:sample_rate=8000:duration=1", format="lavfi")
    r.add_basic_audio_stream(800)
    chunks = [c for (c,) in r.stream()]
    assert [c.shape[0] for c in chunks] == [800] * 10
    assert [round(c.pts, 6) for c in chunks] == [i / 10 for i in range(10)]


def test_no_data_without_timeout_raises_at_once(wav):
    f = StallingFile(wav, after=STALL_AT, stalls=-1)
    r = ffstream.StreamReader(f, format="wav")
    r.add_basic_audio_stream(1000)
    with pytest.raises(RuntimeError, match="EAGAIN|no data"):
        for _ in range(100):
            r.process_packet()


def test_retries_until_data_arrives(wav, make_media):
    f = StallingFile(wav, after=STALL_AT, stalls=20)
    r = ffstream.StreamReader(f, format="wav", buffer_size=1024)
    r.add_basic_audio_stream(-1)
    while r.process_packet(timeout=5000, backoff=1) == 0:
        pass
    assert f.none_returned == 20
    expected = ffstream.StreamReader(str(make_media("stereo_f32.wav")))
    expected.add_basic_audio_stream(-1)
    assert r.pop_chunks()[0].shape == whole_chunk(expected).shape


def test_timeout_when_data_never_comes(wav):
    f = StallingFile(wav, after=STALL_AT, stalls=-1)
    r = ffstream.StreamReader(f, format="wav")
    r.add_basic_audio_stream(1000)
    start = time.monotonic()
    with pytest.raises(ffstream.DecodeTimeoutError, match="timeout"):
        while True:
            r.process_packet(timeout=100, backoff=5)
    elapsed = time.monotonic() - start
    assert 0.09 <= elapsed < 5


def test_fill_buffer_and_stream_pass_the_timeout(wav):
    f = StallingFile(wav, after=STALL_AT, stalls=-1)
    r = ffstream.StreamReader(f, format="wav")
    r.add_basic_audio_stream(100000)
    with pytest.raises(TimeoutError):
        r.fill_buffer(timeout=50, backoff=5)
    with pytest.raises(TimeoutError):
        next(iter(r.stream(timeout=50, backoff=5)))


# ---- StreamReader(timeout=seconds) with a file object ----


def test_timeout_bounds_opening_a_reader_with_no_data(wav):
    start = time.monotonic()
    with pytest.raises(ffstream.DecodeTimeoutError, match="no data before the timeout"):
        ffstream.StreamReader(LateFile(wav, delay=60), format="wav", timeout=0.5)
    assert 0.4 <= time.monotonic() - start < 3


def test_reader_whose_data_comes_within_the_timeout_opens(wav, make_media):
    r = ffstream.StreamReader(LateFile(wav, delay=0.3), format="wav", timeout=5)
    r.add_basic_audio_stream(-1)
    expected = ffstream.StreamReader(str(make_media("stereo_f32.wav")))
    expected.add_basic_audio_stream(-1)
    assert whole_chunk(r).equal(whole_chunk(expected))


def test_without_timeout_a_reader_with_no_data_fails_at_once(wav):
    start = time.monotonic()
    with pytest.raises(ffstream.FFStreamError, match="no data available right now"):
        ffstream.StreamReader(LateFile(wav, delay=60), format="wav")
    assert time.monotonic() - start < 1


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "1", True])
def test_bad_timeout_values_are_refused(wav, bad):
    with pytest.raises(ffstream.InvalidArgumentError, match="timeout"):
        ffstream.StreamReader(io.BytesIO(wav), timeout=bad)


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True])
def test_bad_reconnect_values_are_refused(wav, bad):
    with pytest.raises(ffstream.InvalidArgumentError, match="reconnect"):
        ffstream.StreamReader(io.BytesIO(wav), reconnect=bad)


def test_a_file_object_never_reconnects(wav):
    r = ffstream.StreamReader(io.BytesIO(wav), format="wav", reconnect=3)
    r.add_basic_audio_stream(-1)
    assert whole_chunk(r).shape[0] == 88200
    assert r.stats().reconnects == 0


# ---- stats() ----


class PacedFile:
    """Serves `data` no faster than `rate` bytes per second, like a live
    source (read() returns None until more is due)."""

    def __init__(self, data: bytes, rate: float):
        self._f = io.BytesIO(data)
        self._rate = rate
        self._start = time.monotonic()

    def read(self, size=-1):
        due = int((time.monotonic() - self._start) * self._rate) + 65536
        room = due - self._f.tell()
        if room <= 0:
            return None
        return self._f.read(min(size, room) if size >= 0 else room)


def test_stats_of_a_live_source_that_keeps_up_are_near_real_time(wav):
    # stereo f32 at 44.1 kHz: 352,800 bytes a second.
    r = ffstream.StreamReader(PacedFile(wav, 352_800), format="wav", timeout=5)
    r.add_basic_audio_stream(4410)
    for _ in r.stream(timeout=5000):
        pass
    stats = r.stats()
    assert stats.frames_delivered == [88200]
    assert stats.frames_dropped == [0]
    # What probing read ahead is at most ~0.7 s of audio.
    assert -1.0 < stats.behind_s < 1.0
    # The last decoded frame starts shortly before the end of the 2-s file.
    assert 1.9 < stats.newest_pts < 2.0
    assert stats.last_error is None


def test_stats_say_how_far_ahead_a_file_is_read(wav):
    r = ffstream.StreamReader(io.BytesIO(wav), format="wav")
    r.add_basic_audio_stream(4410)
    r.process_all_packets()
    # Two seconds of media decoded in far less wall-clock time.
    assert r.stats().behind_s < -1.0


def test_stats_keep_the_last_error(wav):
    r = ffstream.StreamReader(LateFile(wav, delay=0), format="wav", timeout=0.5)
    r.add_basic_audio_stream(1000)
    assert r.stats().last_error is None
    with pytest.raises(ffstream.InvalidArgumentError):
        r.seek(-1)
    assert "seek timestamp" in r.stats().last_error


def test_a_consumer_slower_than_the_source_sees_its_drops_counted(wav):
    # 0.1-s chunks from a real-time source, two kept, popped only every
    # 0.35 s: chunks pile up and the oldest are dropped, and stats say so.
    r = ffstream.StreamReader(PacedFile(wav, 352_800), format="wav", timeout=5)
    r.add_basic_audio_stream(4410, 2)
    delivered = 0
    last_pop = time.monotonic()
    while r.process_packet(timeout=5000) == 0:
        if time.monotonic() - last_pop > 0.35:
            (chunk,) = r.pop_chunks()
            delivered += chunk.shape[0] if chunk is not None else 0
            last_pop = time.monotonic()
    for (chunk,) in iter(r.pop_chunks, [None]):
        delivered += chunk.shape[0]
    stats = r.stats()
    assert stats.frames_dropped[0] > 0
    assert delivered + stats.frames_dropped[0] == stats.frames_delivered[0] == 88200
