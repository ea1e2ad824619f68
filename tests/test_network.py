"""http:// sources against a local http.server: normal, truncated, stalled."""

from __future__ import annotations

import http.server
import threading
import time

import ffstream
import pytest
import torch
from helpers import decode_whole_audio


class _Handler(http.server.BaseHTTPRequestHandler):
    """/ok/NAME serves a file (with Range support), /truncated/NAME promises
    the whole file but sends half, /stall/NAME sends headers and a little
    data then waits, /hang never answers."""

    files = {}
    user_agents = []
    release = threading.Event()

    def log_message(self, *args):
        pass

    def do_GET(self):
        kind, _, name = self.path.strip("/").partition("/")
        _Handler.user_agents.append(self.headers.get("User-Agent"))
        if kind == "hang":
            _Handler.release.wait(30)
            return
        data = _Handler.files.get(name)
        if data is None:
            self.send_error(404)
            return
        start = 0
        rng = self.headers.get("Range")
        if kind == "ok" and rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0] or 0)
        body = data[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if kind == "ok":
            self.send_header("Accept-Ranges", "bytes")
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        try:
            if kind == "ok":
                self.wfile.write(body)
            elif kind == "truncated":
                self.wfile.write(body[: len(body) // 2])
            elif kind == "stall":
                self.wfile.write(body[:8192])
                self.wfile.flush()
                _Handler.release.wait(30)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server(make_media):
    for name in ("av.mp4", "sine.wav", "two_audio.mkv"):
        _Handler.files[name] = make_media(name).read_bytes()
    _Handler.release.clear()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("name", ["av.mp4", "sine.wav"])
def test_http_decodes_like_the_path(server, make_media, name):
    got = decode_whole_audio(f"{server}/ok/{name}")
    expected = decode_whole_audio(str(make_media(name)))
    assert got.shape == expected.shape
    assert torch.equal(got, expected)


def test_protocol_options_reach_ffmpeg(server):
    _Handler.user_agents.clear()
    decode_whole_audio(f"{server}/ok/sine.wav", open_kwargs={"option": {"user_agent": "ffstream-test/1.0"}})
    assert "ffstream-test/1.0" in _Handler.user_agents


def test_unknown_protocol_option_is_named(server):
    with pytest.raises(ValueError, match="no_such_http_option"):
        ffstream.StreamReader(f"{server}/ok/sine.wav", option={"no_such_http_option": "1"})


def test_missing_http_resource(server):
    with pytest.raises(RuntimeError, match="404|Not Found"):
        ffstream.StreamReader(f"{server}/ok/nothing.wav")


def test_truncated_download_decodes_what_arrived(server, make_media):
    # Half the file arrives: decoding stops cleanly with fewer samples, or the
    # truncation is reported as an error; never a crash or a hang.
    full = decode_whole_audio(str(make_media("sine.wav")))
    try:
        got = decode_whole_audio(f"{server}/truncated/sine.wav", open_kwargs={"option": {"reconnect": "0"}})
    except RuntimeError as e:
        assert "truncated" in str(e) or "sine.wav" in str(e)
    else:
        assert 0 < got.shape[0] < full.shape[0]
        assert torch.equal(got, full[: got.shape[0]])


def test_server_that_never_answers_times_out(server):
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        ffstream.StreamReader(f"{server}/hang/x", option={"rw_timeout": "300000"})
    assert time.monotonic() - start < 10


def test_stalled_stream_times_out_in_process_packet(server):
    r = ffstream.StreamReader(f"{server}/stall/two_audio.mkv")
    r.add_basic_audio_stream(1024)
    start = time.monotonic()
    with pytest.raises(ffstream.DecodeTimeoutError):
        while True:
            r.process_packet(timeout=300)
    assert time.monotonic() - start < 10


def test_interrupt_from_another_thread(server):
    r = ffstream.StreamReader(f"{server}/stall/two_audio.mkv")
    r.add_basic_audio_stream(1024)
    timer = threading.Timer(0.3, r.interrupt)
    timer.start()
    start = time.monotonic()
    with pytest.raises(ffstream.ReaderInterruptedError) as info:
        r.process_all_packets()
    assert isinstance(info.value, InterruptedError)
    assert time.monotonic() - start < 10
    timer.join()


# ---- StreamReader(timeout=seconds) ----


def test_timeout_bounds_opening_a_server_that_never_answers(server):
    start = time.monotonic()
    with pytest.raises(ffstream.DecodeTimeoutError, match=r"hang/x.*no data for 1 s while opening") as e:
        ffstream.StreamReader(f"{server}/hang/x", timeout=1)
    assert isinstance(e.value, TimeoutError) and isinstance(e.value, RuntimeError)
    assert 0.9 <= time.monotonic() - start < 3


def test_timeout_bounds_each_read_of_a_stalled_stream(server):
    r = ffstream.StreamReader(f"{server}/stall/two_audio.mkv", timeout=1)
    r.add_basic_audio_stream(1024)
    packets = 0
    with pytest.raises(ffstream.DecodeTimeoutError, match="while reading a packet"):
        while r.process_packet() == 0:
            packets += 1
            start = time.monotonic()
    # The packets that came were read; the stall was given up after ~1 s.
    assert packets > 0
    assert 0.9 <= time.monotonic() - start < 3


def test_timeout_does_not_change_a_healthy_decode(server, make_media):
    got = decode_whole_audio(f"{server}/ok/sine.wav", open_kwargs={"timeout": 5})
    assert torch.equal(got, decode_whole_audio(make_media("sine.wav")))


def test_interrupt_still_stops_a_wait_with_a_long_timeout(server):
    r = ffstream.StreamReader(f"{server}/stall/two_audio.mkv", timeout=30)
    r.add_basic_audio_stream(1024)
    timer = threading.Timer(0.3, r.interrupt)
    timer.start()
    start = time.monotonic()
    with pytest.raises(ffstream.ReaderInterruptedError):
        r.process_all_packets()
    assert time.monotonic() - start < 5
    timer.join()


def test_media_dataset_reads_urls_with_options_in_workers(server, make_media):
    from ffstream.data import MediaDataset
    from torch.utils.data import DataLoader

    _Handler.user_agents.clear()
    urls = [f"{server}/ok/av.mp4", f"{server}/ok/sine.wav", f"{server}/ok/nothing.wav"]
    ds = MediaDataset(urls, audio={"frames_per_chunk": -1}, option={"user_agent": "ffstream-data/1.0"})
    items = sorted(DataLoader(ds, batch_size=None, num_workers=2), key=lambda i: i["index"])
    assert [i["index"] for i in items] == [0, 1]  # the 404 is skipped
    assert torch.equal(items[1]["audio"], decode_whole_audio(str(make_media("sine.wav"))))
    assert "ffstream-data/1.0" in _Handler.user_agents


def test_media_dataset_skips_a_stalled_url_after_the_timeout(server):
    from ffstream.data import MediaDataset

    ds = MediaDataset([f"{server}/stall/sine.wav", f"{server}/ok/sine.wav"],
                      audio={"frames_per_chunk": -1}, timeout=0.5)
    start = time.monotonic()
    assert [i["index"] for i in ds] == [1]
    assert time.monotonic() - start < 10
    assert "DecodeTimeoutError" in ds.skipped[0].error
