"""https:// sources against a TLS server on loopback whose CA the test makes:
certificates and host names are checked by default, ca_file names another CA,
tls_verify=0 turns the check off."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading

import ffstream
import pytest
import torch
from helpers import decode_default_streams

pytestmark = pytest.mark.skipif(
    "https" not in ffstream.utils.get_input_protocols(),
    reason="the loaded FFmpeg has no https protocol (built without a TLS library)",
)

# Every open in this module gives up after this many seconds: never a hang.
TIMEOUT = 10
UNVERIFIED = r"TLS certificate of '.*' could not be verified"


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A CA, and two server certificates it signs: `good` for 127.0.0.1 and
    localhost, `wrong_host` for example.com only."""
    if shutil.which("openssl") is None:
        pytest.skip("making the test certificates needs the openssl command")
    d = tmp_path_factory.mktemp("tls")
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "2", "-subj", "/CN=ffstream test CA", cwd=d)
    for serial, (name, names) in enumerate(
        [("good", "IP:127.0.0.1,DNS:localhost"), ("wrong_host", "DNS:example.com")], 1
    ):
        (d / f"{name}.ext").write_text(f"subjectAltName={names}\n")
        _openssl("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-set_serial", str(serial), "-days", "2", "-extfile", f"{name}.ext",
                 "-out", f"{name}.pem", cwd=d)
    return d


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves `files` by name, with Range support (mp4 is read with seeks)."""

    files: dict = {}
    good = ""  # the base URL /to_good/NAME redirects to

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/to_good/"):
            self.send_response(302)
            self.send_header("Location", _Handler.good + self.path[len("/to_good"):])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = _Handler.files.get(self.path.strip("/"))
        if data is None:
            self.send_error(404)
            return
        rng = self.headers.get("Range", "")
        start = int(rng[6:].split("-")[0] or 0) if rng.startswith("bytes=") else 0
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes")
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        try:
            self.wfile.write(data[start:])
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client refusing the certificate ends its handshake: expected


@pytest.fixture(scope="module")
def servers(certs, make_media):
    """name -> base URL of an https server showing that certificate, and
    "plain" -> an http server."""
    for name in ("sine.wav", "av.mp4", "mpeg2.ts"):
        _Handler.files[name] = make_media(name).read_bytes()
    urls, running = {}, []
    for name in ("good", "wrong_host", "plain"):
        httpd = _Server(("127.0.0.1", 0), _Handler)
        scheme = "http"
        if name != "plain":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certs / f"{name}.pem", certs / f"{name}.key")
            # The handshake happens in the handler's thread, not in accept().
            httpd.socket = context.wrap_socket(
                httpd.socket, server_side=True, do_handshake_on_connect=False
            )
            scheme = "https"
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        urls[name] = f"{scheme}://127.0.0.1:{httpd.server_address[1]}"
        running.append(httpd)
        # An HLS playlist whose one segment that server sends.
        _Handler.files[f"{name}.m3u8"] = (
            "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n"
            f"{urls[name]}/mpeg2.ts\n#EXT-X-ENDLIST\n"
        ).encode()
    _Handler.good = urls["good"]
    yield urls
    for httpd in running:
        httpd.shutdown()
        httpd.server_close()


def _decode(src, **open_kwargs):
    return decode_default_streams(str(src), timeout=TIMEOUT, **open_kwargs)


def _assert_same(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        assert torch.equal(g, e)


@pytest.mark.parametrize("name", ["sine.wav", "av.mp4"])
def test_ca_file_decodes_like_the_path(servers, certs, make_media, name):
    got = _decode(f"{servers['good']}/{name}", option={"ca_file": str(certs / "ca.pem")})
    _assert_same(got, _decode(make_media(name)))


def test_system_cas_refuse_an_unknown_ca(servers):
    url = f"{servers['good']}/sine.wav"
    with pytest.raises(ffstream.SourceConnectionError, match=UNVERIFIED) as info:
        _decode(url)
    assert url in str(info.value)
    assert "ca_file" in str(info.value) and "tls_verify=0" in str(info.value)
    assert isinstance(info.value, ConnectionError)


def test_ssl_cert_file_names_the_default_ca(servers, certs, make_media, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certs / "ca.pem"))
    got = _decode(f"{servers['good']}/sine.wav")
    _assert_same(got, _decode(make_media("sine.wav")))


def test_wrong_host_name_is_refused(servers, certs):
    with pytest.raises(ffstream.SourceConnectionError, match=UNVERIFIED):
        _decode(f"{servers['wrong_host']}/sine.wav", option={"ca_file": str(certs / "ca.pem")})


@pytest.mark.parametrize("server", ["good", "wrong_host"])
def test_tls_verify_0_turns_the_check_off(servers, make_media, server):
    got = _decode(f"{servers[server]}/sine.wav", option={"tls_verify": "0"})
    _assert_same(got, _decode(make_media("sine.wav")))


def test_redirect_to_https_is_checked(servers, certs, make_media):
    url = f"{servers['plain']}/to_good/sine.wav"
    with pytest.raises(ffstream.SourceConnectionError, match=UNVERIFIED):
        _decode(url)
    got = _decode(url, option={"ca_file": str(certs / "ca.pem")})
    _assert_same(got, _decode(make_media("sine.wav")))


def test_hls_segments_are_checked_too(servers, certs, make_media):
    # FFmpeg opens a playlist's segments without the caller's TLS options;
    # ffstream's settings reach them all the same.
    ca = {"ca_file": str(certs / "ca.pem")}
    got = _decode(f"{servers['good']}/good.m3u8", option=ca)
    _assert_same(got, _decode(make_media("mpeg2.ts")))
    playlist = f"{servers['good']}/wrong_host.m3u8"
    with pytest.raises(ffstream.SourceConnectionError, match=UNVERIFIED) as info:
        _decode(playlist, option=ca)
    assert f"'{servers['wrong_host']}/mpeg2.ts'" in str(info.value)
    assert playlist in str(info.value)


def test_tls_options_are_never_unused(make_media):
    # They apply to whatever the source opens; a local file opens no TLS.
    path = str(make_media("sine.wav"))
    _assert_same(_decode(path, option={"tls_verify": "0", "ca_file": "/nowhere"}),
                 _decode(path))
