"""Long runs: 1000 readers opened, decoded and closed with flat memory, and
many readers in many threads at once with the results of a single thread."""

from __future__ import annotations

import gc
import hashlib
import io
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import corpus_runner
import ffstream
import file_doubles
import media
import pytest
from ffstream import StreamReader
from file_doubles import ReadOnlyFile
from helpers import rss_bytes

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/statm").exists(), reason="needs Linux /proc"
)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture(scope="module")
def files(make_media, tmp_path_factory):
    names = [
        "sine.wav",
        "h264.mp4",
        "flac.flac",
        "av.mp4",
        "mp3.mp3",
        "vp9.webm",
        "two_audio.mkv",
    ]
    out = {n: make_media(n) for n in names}
    d = tmp_path_factory.mktemp("soak")
    flac = out["flac.flac"].read_bytes()
    out["flac-cut.flac"] = d / "flac-cut.flac"
    out["flac-cut.flac"].write_bytes(flac[: len(flac) // 2])
    out["missing.mp4"] = d / "missing.mp4"
    return out


def _take(reader, chunks):
    """Pops up to `chunks` chunk lists; returns the frames per output."""
    got = [0] * reader.num_out_streams
    for i, out in enumerate(reader.stream()):
        for k, c in enumerate(out):
            if c is not None:
                got[k] += c.shape[0]
        if i + 1 == chunks:
            break
    return got


class _Expected(Exception):
    pass


def _soak_cases(files):
    """Each case opens a reader of some kind, decodes a few chunks, checks
    them, and closes it (or drops it: the collector must free it too)."""
    wav, h264, flac, av = (
        str(files[n]) for n in ("sine.wav", "h264.mp4", "flac.flac", "av.mp4")
    )
    flac_bytes = files["flac.flac"].read_bytes()
    av_bytes = files["av.mp4"].read_bytes()
    mp3_bytes = files["mp3.mp3"].read_bytes()
    mkv_bytes = files["two_audio.mkv"].read_bytes()

    def path_audio():
        with StreamReader(wav) as r:
            r.add_basic_audio_stream(1024)
            assert _take(r, 3) == [3072]

    def path_video():
        with StreamReader(h264) as r:
            r.add_basic_video_stream(4, width=32, height=24)
            assert _take(r, 2) == [8]

    def bytes_audio():
        r = StreamReader(flac_bytes)
        r.add_basic_audio_stream(1024, sample_rate=8000)
        assert _take(r, 3) == [3072]
        r.close()

    def bytesio_av():
        with StreamReader(io.BytesIO(av_bytes)) as r:
            r.add_basic_video_stream(4)
            r.add_basic_audio_stream(1024)
            got = _take(r, 2)
            assert got[0] == 8 and got[1] == 2048

    def real_file():
        with open(files["mp3.mp3"], "rb") as f, StreamReader(f) as r:
            r.add_basic_audio_stream(1152, format="s16")
            assert _take(r, 2) == [2304]

    def forward_only():
        with StreamReader(ReadOnlyFile(mp3_bytes), format="mp3") as r:
            r.add_basic_audio_stream(1000)
            assert _take(r, 2) == [2000]

    def missing():
        with pytest.raises(FileNotFoundError):
            StreamReader(str(files["missing.mp4"]))

    def truncated_bytes():
        with pytest.raises(ffstream.InvalidDataError):
            StreamReader(av_bytes[: len(av_bytes) // 2])

    def raising_mid_decode():
        f = file_doubles.RaiseAtFile(mkv_bytes, len(mkv_bytes) // 2, "CorpusReadError")
        r = StreamReader(f, buffer_size=1024)
        r.add_basic_audio_stream(1024)
        with pytest.raises(file_doubles.CorpusReadError):
            _take(r, 1000)
        r.close()

    def decode_error():
        r = StreamReader(str(files["flac-cut.flac"]))
        r.add_basic_audio_stream(1024)
        with pytest.raises(ffstream.InvalidDataError):
            _take(r, 1000)
        r.close()

    def garbage():
        with pytest.raises(ffstream.FFStreamError):
            StreamReader(file_doubles.GarbageFile(av_bytes, 0, "soak"))

    def dropped_unclosed():
        # Never closed: dropping the last reference must free everything.
        r = StreamReader(str(files["vp9.webm"]))
        r.add_basic_video_stream(4)
        assert _take(r, 2) == [8]
        del r

    def dropped_with_chunks_alive():
        # Chunks share the reader's memory; they outlive the closed reader.
        r = StreamReader(wav)
        r.add_basic_audio_stream(512)
        r.fill_buffer()
        (chunk,) = r.pop_chunks()
        r.close()
        del r
        assert chunk.shape == (512, 1) and float(chunk.abs().max()) > 0.1

    def bad_arguments():
        with StreamReader(av) as r:
            with pytest.raises(ValueError):
                r.add_video_stream(4, filter_desc="nosuchfilter")
            with pytest.raises(ValueError):
                r.add_basic_audio_stream(4, decoder="nosuchdecoder")
            with pytest.raises(IndexError):
                r.get_src_stream_info(7)

    def seek_and_decode():
        with StreamReader(wav) as r:
            r.add_basic_audio_stream(1000)
            r.seek(1.0)
            (chunk,) = r.pop_chunks()
            assert chunk is None
            r.fill_buffer()
            (chunk,) = r.pop_chunks()
            assert chunk.pts == pytest.approx(1.0)

    return [
        path_audio,
        path_video,
        bytes_audio,
        bytesio_av,
        real_file,
        forward_only,
        missing,
        truncated_bytes,
        raising_mid_decode,
        decode_error,
        garbage,
        dropped_unclosed,
        dropped_with_chunks_alive,
        bad_arguments,
        seek_and_decode,
    ]


def test_1000_readers_keep_memory_flat(files):
    cases = _soak_cases(files)
    t0 = time.monotonic()

    def run(start, stop):
        for i in range(start, stop):
            cases[i % len(cases)]()

    run(0, 100)  # warm-up: allocator pools, FFmpeg's one-time tables
    gc.collect()
    warm, warm_fds = rss_bytes(), _open_fds()
    run(100, 550)
    gc.collect()
    mid = rss_bytes()
    run(550, 1000)
    gc.collect()
    end, end_fds = rss_bytes(), _open_fds()
    elapsed = time.monotonic() - t0
    mib = 2**20
    # Measured growth is 0 (the 1000 readers take ~2 s); a leak of 5 KiB per
    # reader (an AVIO buffer, a frame) would show as ~4.5 MiB.
    assert end - warm < 4 * mib, (
        f"RSS grew {(end - warm) / mib:.1f} MiB over 900 readers "
        f"(warm {warm / mib:.1f}, mid {mid / mib:.1f}, end {end / mib:.1f} MiB)"
    )
    # And no steady climb in the second half.
    assert end - mid < 2 * mib, (
        f"RSS grew {(end - mid) / mib:.1f} MiB over the last 450 readers"
    )
    # Every file FFmpeg opened for a path is closed again.
    assert end_fds <= warm_fds, f"{end_fds - warm_fds} more open file descriptors"
    assert elapsed < 60, f"the soak took {elapsed:.0f} s"


# ---- many readers in many threads ----


def _thread_sources(files):
    """(name, make_src) pairs: each call makes a fresh source."""
    av_bytes = files["av.mp4"].read_bytes()
    flac_bytes = files["flac.flac"].read_bytes()
    mkv_bytes = files["two_audio.mkv"].read_bytes()
    return [
        ("h264 path", lambda: str(files["h264.mp4"])),
        ("vp9 path", lambda: str(files["vp9.webm"])),
        ("av bytes", lambda: av_bytes),
        ("mkv BytesIO", lambda: io.BytesIO(mkv_bytes)),
        ("flac one byte per read", lambda: file_doubles.OneByteFile(flac_bytes)),
        ("wav path", lambda: str(files["sine.wav"])),
        ("mp3 file", lambda: open(files["mp3.mp3"], "rb")),
        (
            "mkv raising at 60%",
            lambda: file_doubles.RaiseAtFile(mkv_bytes, len(mkv_bytes) * 3 // 5, "OSError"),
        ),
        ("flac cut", lambda: str(files["flac-cut.flac"])),
        ("missing", lambda: str(files["missing.mp4"])),
        ("garbage", lambda: file_doubles.GarbageFile(av_bytes, 0, "threads")),
    ]


class _Decoding:
    """One reader decoded a chunk at a time, so that a thread can interleave
    many; the result is the frames and a digest per output, and the error."""

    def __init__(self, make_src):
        self.src = make_src()
        self.reader = None
        self.error = None
        self.done = False
        try:
            self.reader = StreamReader(self.src)
            corpus_runner.add_outputs(self.reader, frames_per_chunk=(5, 2000))
            self.frames = [0] * self.reader.num_out_streams
            self.digests = [hashlib.sha256() for _ in self.frames]
            self.it = self.reader.stream()
        except Exception as e:  # noqa: BLE001
            self.finish(e)

    def take(self, out):
        for k, c in enumerate(out):
            if c is not None:
                self.frames[k] += c.shape[0]
                self.digests[k].update(c.numpy().tobytes())

    def step(self):
        try:
            self.take(next(self.it))
        except StopIteration:
            self.finish(None)
        except Exception as e:  # noqa: BLE001
            # What was decoded before the error is still there.
            while True:
                out = self.reader.pop_chunks()
                if all(c is None for c in out):
                    break
                self.take(out)
            self.finish(e)

    def finish(self, error):
        self.done = True
        self.error = None if error is None else (type(error).__name__, str(error))
        if self.reader is not None:
            self.reader.close()
        if hasattr(self.src, "close"):
            self.src.close()

    def result(self):
        if self.reader is None:
            return ("error", self.error)
        return (
            tuple(self.frames),
            tuple(d.hexdigest() for d in self.digests),
            self.error,
        )


def _decode_interleaved(makers):
    """Opens a reader for every maker, then decodes them all a chunk each in
    turn until all are done; returns their results in order."""
    decodings = [_Decoding(m) for m in makers]
    while not all(d.done for d in decodings):
        for d in decodings:
            if not d.done:
                d.step()
    return [d.result() for d in decodings]


def test_many_readers_in_many_threads_match_one_thread(files):
    sources = _thread_sources(files)
    expected = [_decode_interleaved([make])[0] for _, make in sources]
    # The inputs decode, or fail, as intended.
    by_name = dict(zip((n for n, _ in sources), expected))
    assert by_name["missing"][0] == "error" and by_name["garbage"][0] == "error"
    assert by_name["mkv raising at 60%"][2][0] == "OSError"
    assert (
        by_name["flac cut"][2][0] == "InvalidDataError"
        and by_name["flac cut"][0][0] > 0
    )
    assert by_name["av bytes"][2] is None and by_name["av bytes"][0] == (
        50, media.mp4_aac_samples(media.SINE_RATE * media.DURATION))

    threads, per_thread = 8, 25
    barrier = threading.Barrier(threads)

    def work(t):
        picks = [(t * 7 + i) % len(sources) for i in range(per_thread)]
        barrier.wait()  # all threads start at once, 25 readers open in each
        got = _decode_interleaved([sources[p][1] for p in picks])
        return [(p, g) for p, g in zip(picks, got)]

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(work, range(threads)))
    assert time.monotonic() - t0 < 60
    mismatches = [
        f"thread {t}: {sources[p][0]}: {g} != {expected[p]}"
        for t, rs in enumerate(results)
        for p, g in rs
        if g != expected[p]
    ]
    assert not mismatches, "\n".join(mismatches[:10])
    assert sum(len(r) for r in results) == threads * per_thread


def test_one_reader_hammered_from_two_threads_never_crashes(files):
    # Misuse: every call either runs or raises the "another thread" error;
    # the reader is intact afterwards.
    r = StreamReader(files["sine.wav"].read_bytes())
    r.add_basic_audio_stream(100, -1)
    errors, calls = [], [0]
    stop = time.monotonic() + 1.5

    def hammer():
        while time.monotonic() < stop:
            try:
                calls[0] += 1
                if r.process_packet() == 1:
                    r.seek(0.0)
                r.pop_chunks()
                r.get_src_stream_info(0)
            except RuntimeError as e:
                errors.append(str(e))

    ts = [threading.Thread(target=hammer) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(10)
    assert not any(t.is_alive() for t in ts)
    assert calls[0] > 10
    assert all("another thread" in e for e in errors), {
        e for e in errors if "another thread" not in e
    }
    r.seek(0.0)
    r.process_all_packets()
    chunks = []
    while (c := r.pop_chunks()[0]) is not None:
        chunks.append(c)
    assert sum(c.shape[0] for c in chunks) == 32000
    r.close()
