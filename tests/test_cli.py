"""The command line: ``python -m ffstream info`` and ``python -m ffstream decode``."""

from __future__ import annotations

import importlib
import io
import json
import re
import subprocess
import sys

import media
import pytest
from ffstream.__main__ import _Progress

LAVFI_SRC = "sine=frequency=440:sample_rate=8000"


@pytest.fixture(scope="module")
def cli(make_media, tmp_path_factory):
    """Runs every command of this module at once (each one pays for importing
    torch, so running them side by side keeps the module fast); returns
    name -> CompletedProcess."""
    missing = tmp_path_factory.mktemp("cli") / "no_such_file.mp4"
    wav = str(make_media("sine.wav"))
    commands = {
        "info av.mp4": ["info", str(make_media("av.mp4"))],
        "info tags.mkv": ["info", str(make_media("tags.mkv"))],
        "info lavfi": ["info", "--format", "lavfi", LAVFI_SRC],
        "info option": ["info", "--option", "ignore_length=1", wav],
        "info bad option": ["info", "--option", "bogus_opt=1", wav],
        "info missing": ["info", str(missing)],
        "decode h264.mp4": ["decode", str(make_media("h264.mp4"))],
        **{
            f"info json {name}": ["info", "--json", str(make_media(name))]
            for name in JSON_MEDIA
        },
    }
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "ffstream", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name, args in commands.items()
    }
    results = {}
    for name, p in procs.items():
        out, err = p.communicate(timeout=120)
        results[name] = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    results["missing path"] = str(missing)
    return results


def _assert_ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["av.mp4", "tags.mkv"])
def test_info_prints_streams_and_metadata(cli, make_media, name):
    result = cli[f"info {name}"]
    _assert_ok(result)
    probe = media.ffprobe(make_media(name))
    out = result.stdout
    assert str(make_media(name)) in out
    lines = out.splitlines()
    for s in probe["streams"]:
        # One row per stream: its index, media type and codec.
        row_start = rf"\s*{s['index']}\s+{s['codec_type']}\s"
        row = [ln for ln in lines if re.match(row_start, ln)]
        assert len(row) == 1, (s["index"], out)
        assert s["codec_name"] in row[0].split()
        for key, value in s.get("tags", {}).items():
            assert f"{key}: {value}" in out, (key, value)
    for key, value in probe["format"].get("tags", {}).items():
        assert f"{key}: {value}" in out, (key, value)


def test_info_lavfi_format(cli):
    result = cli["info lavfi"]
    _assert_ok(result)
    assert "audio" in result.stdout
    assert "pcm_s16le" in result.stdout
    assert "8000" in result.stdout


def test_info_option_is_passed(cli):
    _assert_ok(cli["info option"])
    assert "pcm_s16le" in cli["info option"].stdout
    # The same option under a name no demuxer knows is reported as unused,
    # which shows --option reaches FFmpeg.
    bad = cli["info bad option"]
    assert bad.returncode != 0
    assert "bogus_opt" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_missing_file_is_one_error_line(cli):
    result = cli["info missing"]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ffstream: error:")
    assert cli["missing path"] in lines[0]
    assert result.stdout == ""


def test_decode_reports_every_frame(cli, make_media):
    result = cli["decode h264.mp4"]
    _assert_ok(result)
    probe = media.ffprobe(make_media("h264.mp4"))
    nb_frames = int(probe["streams"][0]["nb_frames"])
    match = re.search(r"^video: (\d+) frames", result.stdout, re.MULTILINE)
    assert match, result.stdout
    assert int(match.group(1)) == nb_frames
    assert "audio:" not in result.stdout  # the file has no audio


def test_decode_in_a_pipe_writes_no_control_characters(cli):
    result = cli["decode h264.mp4"]
    _assert_ok(result)
    for text in (result.stdout, result.stderr):
        assert "\r" not in text and "\x1b" not in text, repr(text[-200:])
    # Progress still reaches a log, as plain lines.
    assert re.search(r"^[\d.]+ (of [\d.]+ )?s of media decoded in [\d.]+ s$", result.stderr, re.MULTILINE)


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self):
        return self._tty


def test_progress_lines_without_a_terminal():
    out = _Stream(tty=False)
    progress = _Progress(10.0, out)
    progress.INTERVAL_S = 0.0
    for done in (2.0, 4.0, 6.0):
        progress.update(done)
    progress.close(10.0)
    lines = out.getvalue().splitlines()
    done = [line.split(" s of media")[0] for line in lines]
    assert done == ["2.0 of 10.0", "4.0 of 10.0", "6.0 of 10.0", "10.0 of 10.0"]
    assert "\r" not in out.getvalue()


def test_progress_on_a_terminal_redraws_in_place(monkeypatch):
    real_import = importlib.import_module

    def no_tqdm(name, *args):
        if name == "tqdm":
            raise ImportError(name)
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_tqdm)
    out = _Stream(tty=True)
    progress = _Progress(10.0, out)
    progress.update(5.0)
    progress.close(10.0)
    text = out.getvalue()
    assert text.startswith("\r[###############---------------]    5.0/10.0 s media")
    assert text.endswith("\n") and text.count("\r") == 2


def test_progress_on_a_terminal_uses_tqdm_when_installed():
    pytest.importorskip("tqdm")
    out = _Stream(tty=True)
    progress = _Progress(10.0, out)
    progress.update(5.0)
    progress.close(10.0)
    assert "10.0/10.0 s" in out.getvalue()


JSON_MEDIA = ["av.mp4", "h264_bt709.mp4", "yuvj420p.mp4", "offset.mkv"]


def _close(a, b):
    return a == pytest.approx(b, abs=2e-3)


@pytest.mark.parametrize("name", JSON_MEDIA)
def test_info_json_matches_ffprobe(cli, make_media, name):
    result = cli[f"info json {name}"]
    _assert_ok(result)
    got = json.loads(result.stdout)
    probe = media.ffprobe(make_media(name))
    fmt = probe["format"]
    c = got["container"]
    assert c["format"] == fmt["format_name"]
    assert _close(c["duration"], float(fmt["duration"]))
    assert _close(c["start_time"], float(fmt["start_time"]))
    assert c["bit_rate"] == int(fmt["bit_rate"])
    assert len(got["streams"]) == len(probe["streams"])
    for s, p in zip(got["streams"], probe["streams"]):
        assert s["media_type"] == p["codec_type"] and s["codec"] == p["codec_name"]
        for key in ("start_time", "duration"):
            if key in p:
                assert _close(s[key], float(p[key])), (key, s, p)
            else:
                assert s[key] is None
        if p["codec_type"] == "video":
            for key in ("color_range", "color_space"):
                want = p.get(key)
                assert s[key] == (None if want in (None, "unknown") else want), (key, s[key], want)
            assert "rotation" in s and (s["width"], s["height"]) == (p["width"], p["height"])
    assert any(s["default"] for s in got["streams"])


def test_info_table_shows_the_container(cli, make_media):
    result = cli["info av.mp4"]
    _assert_ok(result)
    duration = float(media.ffprobe(make_media("av.mp4"))["format"]["duration"])
    assert re.search(rf"container: .*mp4.*, duration {duration:.3f} s", result.stdout), result.stdout
