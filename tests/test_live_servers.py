"""Live sources served on loopback by the ffmpeg command itself, in real time
(-re): MPEG-TS over HTTP, TCP and UDP. Each server runs for a few seconds
and is stopped by the test."""

from __future__ import annotations

import socket
import subprocess
import threading
import time

import ffstream
import pytest

SECONDS = 3
RATE = 25


def _free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(url: str, *output_options: str) -> subprocess.Popen:
    """ffmpeg sending a live 25 fps test pattern with a tone, as MPEG-TS."""
    return subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-re",
         "-f", "lavfi", "-i", f"testsrc2=size=64x48:rate={RATE}:duration={SECONDS}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=16000:duration={SECONDS}",
         "-c:v", "mpeg2video", "-g", "5", "-c:a", "mp2", "-f", "mpegts",
         *output_options, url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _open_when_listening(url: str, attempts: int = 50):
    """The server needs a moment to listen: retry refused connections."""
    for _ in range(attempts):
        try:
            return ffstream.StreamReader(url, timeout=5)
        except ffstream.FFStreamError as e:
            if "refused" not in str(e).lower():
                raise
            time.sleep(0.1)
    raise AssertionError(f"{url} never listened")


def _decode_live(reader):
    reader.add_basic_video_stream(1, -1)
    reader.add_basic_audio_stream(1600, -1)
    video_pts, audio_samples = [], 0
    for video, audio in reader.stream(timeout=5000):
        if video is not None:
            video_pts.append(video.pts)
        if audio is not None:
            audio_samples += audio.shape[0]
    return video_pts, audio_samples, reader.stats()


@pytest.mark.parametrize("scheme", ["http", "tcp"])
def test_live_stream_over_a_connection_keeps_up_with_real_time(scheme):
    port = _free_port()
    if scheme == "tcp":
        server = _serve(f"tcp://127.0.0.1:{port}?listen=1")
    else:
        server = _serve(f"http://127.0.0.1:{port}", "-listen", "1")
    try:
        reader = _open_when_listening(f"{scheme}://127.0.0.1:{port}")
        video_pts, audio_samples, stats = _decode_live(reader)
    finally:
        server.kill()
        server.wait()
    # Every frame of the 3-s stream, in order, and its audio.
    assert len(video_pts) >= SECONDS * RATE - 2
    assert video_pts == sorted(video_pts)
    assert audio_samples >= (SECONDS - 0.2) * 16000
    # Decoding kept up: the reader is about as far as the media that came.
    assert stats.behind_s < 1.5
    assert stats.last_error is None


def test_live_stream_over_udp_keeps_up_with_real_time():
    port = _free_port(socket.SOCK_DGRAM)
    # The reader listens first; ffmpeg then sends datagrams to it.
    reader_holder = {}

    def open_reader():
        reader_holder["r"] = ffstream.StreamReader(f"udp://127.0.0.1:{port}", timeout=2)

    opener = threading.Thread(target=open_reader)
    opener.start()
    time.sleep(0.3)
    server = _serve(f"udp://127.0.0.1:{port}?pkt_size=1316")
    try:
        opener.join(10)
        video_pts, _, stats = _decode_live_until_timeout(reader_holder["r"])
    finally:
        server.kill()
        server.wait()
    # UDP can lose datagrams (and the first ones went to probing); most of the
    # 75 frames arrive, in order.
    assert len(video_pts) >= SECONDS * RATE // 2
    assert video_pts == sorted(video_pts)


def _decode_live_until_timeout(reader):
    """UDP has no end of stream: decode until the source goes quiet."""
    reader.add_basic_video_stream(1, -1)
    video_pts = []
    try:
        while reader.process_packet() == 0:
            (chunk,) = reader.pop_chunks()
            if chunk is not None:
                video_pts.append(chunk.pts)
    except ffstream.DecodeTimeoutError:
        pass
    (chunk,) = reader.pop_chunks()
    while chunk is not None:
        video_pts.append(chunk.pts)
        (chunk,) = reader.pop_chunks()
    return video_pts, None, reader.stats()
