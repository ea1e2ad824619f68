"""StreamReader(url, reconnect=N): a loopback HTTP server that drops the
connection mid-stream, then serves the rest (a live stream going on) or the
stream from its start (a source that restarts its clock)."""

from __future__ import annotations

import http.server
import threading
import time

import ffstream
import media
import pytest

RATE = media.VIDEO_RATE


class _Live(http.server.BaseHTTPRequestHandler):
    """Request 1 gets the first half of the stream, then the connection
    closes. Request 2 gets `second` ("rest": the bytes after the cut, "all":
    the whole stream again, "gone": 404); later requests get 404."""

    data = b""
    second = "rest"
    requests = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        _Live.requests += 1
        n = _Live.requests
        if n > 2 or (n == 2 and _Live.second == "gone"):
            self.send_error(404)
            return
        cut = len(_Live.data) // 2 // 188 * 188
        body = _Live.data[:cut] if n == 1 else (_Live.data[cut:] if _Live.second == "rest" else _Live.data)
        self.send_response(200)
        self.send_header("Content-Type", "video/mp2t")
        # The first response is a live stream (no length) that the server
        # cuts: a failure. The second one has a length and ends cleanly.
        if n == 2:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


@pytest.fixture()
def live(make_media):
    _Live.data = make_media("mpeg2.ts").read_bytes()
    _Live.requests = 0
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Live)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/live.ts"
    httpd.shutdown()
    httpd.server_close()


def _video_pts(reader):
    reader.add_basic_video_stream(1, -1)
    return [c.pts for (c,) in reader.stream()]


def _expected_pts(make_media):
    reader = ffstream.StreamReader(str(make_media("mpeg2.ts")))
    return _video_pts(reader)


def test_a_drop_with_reconnect_goes_on_where_the_stream_is(live, make_media):
    _Live.second = "rest"
    expected = _expected_pts(make_media)
    reader = ffstream.StreamReader(live, reconnect=2, timeout=5)
    start = time.monotonic()
    pts = _video_pts(reader)
    stats = reader.stats()
    assert stats.reconnects == 1
    assert "reconnected after" in stats.last_error
    # The live stream went on from the cut: pts continue on the same clock,
    # with at most the frames around the cut lost (and counted).
    assert pts == sorted(pts)
    assert pts[0] == expected[0] and pts[-1] == expected[-1]
    assert len(expected) - 6 <= len(pts) <= len(expected)
    assert stats.frames_lost <= len(expected) - len(pts) + 1
    # One reconnect (0.5 s), then the end: two refused attempts (0.5 + 1 s).
    assert time.monotonic() - start < 10


def test_a_source_that_restarts_its_clock_keeps_pts_increasing(live, make_media):
    _Live.second = "all"
    expected = _expected_pts(make_media)
    reader = ffstream.StreamReader(live, reconnect=1, timeout=5)
    pts = _video_pts(reader)
    assert reader.stats().reconnects == 1
    # The first half, then the whole stream again, shifted after it.
    assert all(b > a for a, b in zip(pts, pts[1:]))
    assert len(pts) > len(expected)
    step = 1 / RATE
    gaps = [b - a for a, b in zip(pts, pts[1:])]
    assert max(gaps) < 3 * step


def test_without_reconnect_a_drop_is_a_clear_error(live, make_media):
    _Live.second = "rest"
    reader = ffstream.StreamReader(live)
    reader.add_basic_video_stream(1, -1)
    frames = 0
    with pytest.raises(ffstream.FFStreamError, match=r"live\.ts.*Input/output error"):
        for _ in reader.stream():
            frames += 1
    assert frames > 0
    assert reader.stats().reconnects == 0
    assert _Live.requests == 1


def test_reconnect_gives_up_with_the_last_error(live):
    # A server that is gone after the drop: the attempts fail, and the last
    # error says so.
    _Live.second = "gone"
    reader = ffstream.StreamReader(live, reconnect=2, timeout=5)
    reader.add_basic_video_stream(1, -1)
    start = time.monotonic()
    with pytest.raises(ffstream.FFStreamError, match=r"2 reconnect attempt\(s\).*404"):
        for _ in reader.stream():
            pass
    assert 1.4 < time.monotonic() - start < 10  # waited 0.5 s, then 1 s


def test_a_refused_connection_fails_fast_with_connection_error():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on the port now.
    start = time.monotonic()
    with pytest.raises(ffstream.SourceConnectionError, match="refused") as e:
        ffstream.StreamReader(f"http://127.0.0.1:{port}/x.ts", timeout=5, reconnect=2)
    assert isinstance(e.value, ConnectionError) and isinstance(e.value, RuntimeError)
    assert time.monotonic() - start < 2


def test_close_from_another_thread_during_a_reconnect_wait_returns_promptly(live):
    # The server is gone after the drop; reconnect=5 would wait 0.5 + 1 + 2
    # + 4 + 8 s. close() interrupts the wait.
    _Live.second = "gone"
    reader = ffstream.StreamReader(live, reconnect=5, timeout=5)
    reader.add_basic_video_stream(1, -1)
    errors = []

    def consume():
        try:
            for _ in reader.stream():
                pass
        except ffstream.FFStreamError as e:
            errors.append(e)

    worker = threading.Thread(target=consume)
    worker.start()
    while _Live.requests < 2:  # the first reconnect attempt was made
        time.sleep(0.02)
    start = time.monotonic()
    reader.close()
    assert time.monotonic() - start < 2
    worker.join(5)
    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], ffstream.ReaderInterruptedError)
    with pytest.raises(ffstream.ReaderClosedError):
        reader.stats()


def test_reconnect_works_from_a_worker_thread(live, make_media):
    from concurrent.futures import ThreadPoolExecutor

    _Live.second = "rest"
    expected = _expected_pts(make_media)
    with ThreadPoolExecutor(max_workers=1) as pool:
        reader = pool.submit(ffstream.StreamReader, live, reconnect=2, timeout=5).result()
        pts = pool.submit(_video_pts, reader).result()
    assert reader.stats().reconnects == 1
    assert pts == sorted(pts) and pts[-1] == expected[-1]
