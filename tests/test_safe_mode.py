"""safe=True: untrusted media cannot make ffstream read anything but itself."""

from __future__ import annotations

import http.server
import subprocess
import threading

import ffstream
import pytest
import torch
from helpers import decode_whole_audio


@pytest.fixture()
def secret(tmp_path):
    """A local media file that crafted inputs try to get ffstream to read."""
    path = tmp_path / "secret.ts"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
         "sine=frequency=300:duration=1", "-c:a", "aac", "-f", "mpegts", str(path)],
        check=True,
    )
    return path


@pytest.fixture()
def requests():
    """A local HTTP server that records the paths asked of it."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            seen.append(self.path)
            self.send_error(404)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()
    httpd.server_close()


def _playlist(path, segment):
    path.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n" f"{segment}\n#EXT-X-ENDLIST\n"
    )
    return path


def test_hls_playlist_reads_a_local_file_only_without_safe_mode(tmp_path, secret):
    playlist = _playlist(tmp_path / "list.m3u8", secret.name)
    # Without safe mode, the playlist does make FFmpeg read the other file...
    assert decode_whole_audio(str(playlist)).shape[0] > 40000
    # ...with it, opening fails and says why.
    with pytest.raises(ffstream.InvalidArgumentError, match="safe mode"):
        ffstream.StreamReader(str(playlist), safe=True)


def test_hls_playlist_cannot_reach_the_network(tmp_path, requests):
    url, seen = requests
    playlist = _playlist(tmp_path / "net.m3u8", f"{url}/segment.ts")
    with pytest.raises(ffstream.FFStreamError, match="safe mode"):
        ffstream.StreamReader(str(playlist), safe=True)
    assert seen == []
    # The same playlist without safe mode does contact the server.
    with pytest.raises(RuntimeError):
        ffstream.StreamReader(str(playlist), option={"protocol_whitelist": "file,http,tcp"})
    assert seen


def test_playlist_given_as_bytes_is_refused(tmp_path, secret):
    playlist = _playlist(tmp_path / "list.m3u8", str(secret))
    with pytest.raises(RuntimeError, match="safe mode"):
        ffstream.StreamReader(playlist.read_bytes(), safe=True)


def test_concat_list_cannot_open_other_files(tmp_path, secret):
    listing = tmp_path / "list.ffconcat"
    listing.write_text(f"ffconcat version 1.0\nfile {secret.name}\n")
    assert decode_whole_audio(str(listing)).shape[0] > 40000
    with pytest.raises(ffstream.InvalidArgumentError, match="safe mode"):
        ffstream.StreamReader(str(listing), safe=True)


def test_image_sequence_is_refused_and_the_file_named(tmp_path):
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
         "testsrc2=size=32x32:rate=1:duration=2", str(tmp_path / "img%d.png")],
        check=True,
    )
    pattern = str(tmp_path / "img%d.png")
    r = ffstream.StreamReader(pattern)
    r.add_basic_video_stream(-1)
    r.process_all_packets()
    assert r.pop_chunks()[0].shape[0] == 2
    with pytest.raises(ffstream.InvalidArgumentError, match="img1.png"):
        ffstream.StreamReader(pattern, safe=True)


def test_devices_and_network_urls_are_refused():
    with pytest.raises(ffstream.InvalidArgumentError, match="lavfi"):
        ffstream.StreamReader("sine", format="lavfi", safe=True)
    with pytest.raises(ffstream.InvalidArgumentError, match="http"):
        ffstream.StreamReader("http://127.0.0.1:9/a.wav", safe=True)


@pytest.mark.parametrize("name", ["av.mp4", "vp9.webm", "mp3.mp3", "flac.flac", "two_audio.mkv"])
def test_ordinary_media_decodes_the_same_in_safe_mode(make_media, name):
    path = make_media(name)
    expected = decode_whole_audio(str(path)) if name != "vp9.webm" else None
    for src in (str(path), path.read_bytes()):
        r = ffstream.StreamReader(src, safe=True)
        if expected is not None:
            got = decode_whole_audio(src, open_kwargs={"safe": True})
            assert torch.equal(got, expected)
        else:
            r.add_basic_video_stream(-1)
            r.process_all_packets()
            assert r.pop_chunks()[0].shape[0] == 50


@pytest.mark.parametrize("filter_desc", ["amovie=/etc/passwd,anull",
                                         "anull,ametadata=mode=print:file=/tmp/x"])
def test_filters_that_reach_outside_are_refused_in_safe_mode(make_media, filter_desc):
    reader = ffstream.StreamReader(str(make_media("sine.wav")), safe=True)
    with pytest.raises(ffstream.InvalidArgumentError, match="refused in safe mode"):
        reader.add_audio_stream(1024, filter_desc=filter_desc)
    # Ordinary filters still run.
    reader.add_audio_stream(1024, filter_desc="volume=0.5,aresample=8000")
    reader.process_all_packets()
    assert reader.pop_chunks()[0].shape == (1024, 1)
