"""ffstream.utils: FFmpeg versions, component lists and the log level."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys

import ffstream
import pytest
import torch
from ffstream import StreamReader, utils

LIBRARIES = [
    "libavutil", "libavcodec", "libavformat", "libavfilter", "libavdevice",
    "libswscale", "libswresample",
]


@pytest.fixture
def restore_log_level():
    level = utils.get_log_level()
    yield level
    utils.set_log_level(level)


def _pkg_config_version(lib: str):
    if shutil.which("pkg-config") is None:
        return None
    out = subprocess.run(
        ["pkg-config", "--modversion", lib], capture_output=True, text=True
    )
    if out.returncode != 0:
        return None
    return tuple(int(x) for x in out.stdout.strip().split("."))


def test_versions_have_every_library():
    versions = utils.get_versions()
    assert set(LIBRARIES) <= set(versions)
    for lib in LIBRARIES:
        v = versions[lib]
        assert isinstance(v, tuple) and len(v) == 3, lib
        assert all(isinstance(x, int) and x >= 0 for x in v), lib
        assert v[0] > 0, lib


@pytest.mark.parametrize("lib", LIBRARIES)
def test_versions_match_pkg_config(lib):
    expected = _pkg_config_version(lib)
    if expected is None:
        pytest.skip(f"pkg-config does not know {lib}")
    assert utils.get_versions()[lib] == expected


def test_demuxers():
    demuxers = utils.get_demuxers()
    for name in ("mov,mp4,m4a,3gp,3g2,mj2", "wav", "matroska,webm", "flac", "mp3"):
        assert name in demuxers, name
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in demuxers.items())
    assert demuxers["wav"]  # a description


def test_demuxer_names_are_valid_format_values(make_media):
    # The docstring promises the names work as format=.
    assert "wav" in utils.get_demuxers()
    with StreamReader(str(make_media("sine.wav")), format="wav") as r:
        assert r.num_src_streams == 1


def test_muxers():
    muxers = utils.get_muxers()
    config = utils.get_build_config()
    if "--disable-muxers" in config:
        # The wheel's FFmpeg: only the raw muxers its ffmpeg program needs
        # for reference decodes (ci/build_ffmpeg.sh).
        assert {"rawvideo", "null", "f32le", "s16le"} <= set(muxers)
        assert not {"mp4", "matroska", "wav", "mpegts"} & set(muxers)
        return
    assert "mp4" in muxers
    assert "wav" in muxers
    assert "matroska" in muxers


def test_audio_decoders():
    decoders = utils.get_audio_decoders()
    assert "aac" in decoders
    assert "flac" in decoders
    assert "mp3float" in decoders or "mp3" in decoders
    assert "pcm_s16le" in decoders
    # Video decoders are not listed as audio decoders.
    assert "h264" not in decoders


def test_video_decoders():
    decoders = utils.get_video_decoders()
    assert "h264" in decoders
    assert "vp9" in decoders
    assert "aac" not in decoders


def test_input_devices():
    devices = utils.get_input_devices()
    assert "lavfi" in devices
    # Devices are not demuxers of files.
    assert "wav" not in devices


def test_input_protocols():
    protocols = utils.get_input_protocols()
    assert "file" in protocols
    assert "pipe" in protocols
    assert all(isinstance(p, str) for p in protocols)


def test_build_config():
    config = utils.get_build_config()
    assert isinstance(config, str)
    assert config.strip()


def test_default_log_level_is_fatal_only():
    assert utils.get_log_level() == 8


def test_set_log_level_round_trips(restore_log_level):
    for level in (-8, 16, 24, 32, 48, 8):
        utils.set_log_level(level)
        assert utils.get_log_level() == level


def test_set_log_level_rejects_non_int(restore_log_level):
    with pytest.raises(TypeError):
        utils.set_log_level("debug")
    assert utils.get_log_level() == restore_log_level


def _open_bad_sources(tmp_path, make_media):
    text = tmp_path / "garbage"
    text.write_bytes(b"definitely not a media file\n" * 100)
    wav = str(make_media("sine.wav"))
    for src, kw in [
        (str(text), {}),
        (str(tmp_path / "missing.mp4"), {}),
        (wav, {"option": {"bogus_option": "1"}}),
        (wav, {"format": "nosuchformat"}),
        (b"\x00" * 4096, {}),
    ]:
        with pytest.raises(ffstream.FFStreamError):
            StreamReader(src, **kw)


def test_failures_print_and_log_nothing(tmp_path, make_media, capfd, caplog):
    caplog.set_level(logging.DEBUG, logger="ffstream.ffmpeg")
    assert utils.get_log_level() == 8
    capfd.readouterr()
    _open_bad_sources(tmp_path, make_media)
    with StreamReader(str(make_media("av.mp4"))) as r:
        r.get_src_stream_info(0)
    utils.flush_ffmpeg_log()
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""
    assert [r for r in caplog.records if r.name == "ffstream.ffmpeg"] == []


def test_log_level_reaches_ffmpeg(tmp_path, make_media, capfd, caplog, restore_log_level):
    # The control for the test above: with a verbose level FFmpeg does log,
    # to the ffstream.ffmpeg logger and not to stderr, so the silence there
    # comes from the level, not from a lost stream.
    caplog.set_level(logging.DEBUG, logger="ffstream.ffmpeg")
    utils.set_log_level(48)
    capfd.readouterr()
    _open_bad_sources(tmp_path, make_media)
    utils.flush_ffmpeg_log()
    _, err = capfd.readouterr()
    assert err == ""
    assert any(r.name == "ffstream.ffmpeg" for r in caplog.records)


def test_doctor_reports_the_loaded_ffmpeg_and_a_verdict():
    from pathlib import Path

    report = utils.doctor()
    assert report["verdict"] == "ok", report["problems"]
    # Every FFmpeg the suite runs on (ci/) is one ffstream supports.
    assert report["ffmpeg"]["supported"] == "5.1 to 9.0"
    assert report["warnings"] == []
    assert report["ffstream"]["version"] == ffstream.__version__
    libs = report["ffmpeg"]["libraries"]
    assert set(libs) == set(utils.get_versions())
    maps = Path("/proc/self/maps").read_text()
    for name, lib in libs.items():
        # Each path is the file the process really mapped.
        assert lib["path"] and lib["path"] in maps, name
        assert lib["version"] == ".".join(map(str, utils.get_versions()[name]))
        assert lib["version"].split(".")[0] == lib["compiled_version"].split(".")[0]
        assert "GPL" in lib["license"]
    assert report["ffmpeg"]["configuration"] == utils.get_build_config()
    hw = report["hardware"]
    assert isinstance(hw["device_types"], list) and isinstance(hw["decoders"], list)
    # No GPU in CI: CUDA is not usable, and the reason is given.
    if not hw["cuda_usable"]:
        assert hw["cuda_error"]
    assert report["torch"]["version"] == torch.__version__


def test_doctor_command_prints_the_report():
    import json
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "ffstream", "doctor"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "Verdict: ok" in out.stdout and "libavcodec" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "ffstream", "doctor", "--json"], capture_output=True, text=True, timeout=60
    )
    assert json.loads(out.stdout)["verdict"] == "ok"


@pytest.mark.parametrize(
    "loader_message, expected",
    [
        ("libavcodec.so.59: cannot open shared object file: No such file or directory", "libavcodec.so.59"),
        ("/x/_ffstream.so: undefined symbol: av_frame_new", "lacks a function"),
        ("something else", "could not be loaded"),
    ],
)
def test_an_extension_that_does_not_load_is_explained(loader_message, expected):
    from ffstream._load_failure import explain_import_failure

    text = explain_import_failure(ImportError(loader_message))
    assert expected in text and loader_message in text


def test_typed_results_have_exactly_the_binding_fields():
    """stats() and _seek_counters() fill their dataclasses field by field
    from the binding's objects: a field added on one side only fails here."""
    import dataclasses

    from ffstream import _info
    from ffstream._extension import ext

    for public, bound in [(_info.ReaderStats, ext.ReaderStats), (_info.SeekCounters, ext.SeekCounters)]:
        declared = {f.name for f in dataclasses.fields(public)}
        exported = {name for name in vars(bound) if not name.startswith("_")}
        assert declared == exported, public.__name__


def test_seek_counters_and_frame_index_are_typed(make_media):
    r = StreamReader(str(make_media("av.mp4")))
    r.add_basic_video_stream(4)
    r.seek(0.5)
    r.fill_buffer()
    counters = r._seek_counters()
    assert isinstance(counters, ffstream._info.SeekCounters)
    assert counters.demuxer_seeks == 1
    # Decoded since the seek: the 4 frames of the chunk and those dropped
    # before the target.
    assert counters.frames_decoded == 4 + counters.frames_dropped
    index = r.get_frame_index()
    assert isinstance(index, ffstream.FrameIndex) and index.pts.dtype == torch.float64


def test_import_ffstream_leaves_the_dataset_modules_unimported():
    """ffstream.data (and ray, and what they share) load when first used.
    torch itself may import torch.utils.data; ffstream must add nothing."""
    code = (
        "import sys, torch\n"
        "torch_had_it = 'torch.utils.data' in sys.modules\n"
        "import ffstream\n"
        "mods = [m for m in ('ffstream.data', 'ffstream.ray', 'ffstream._media_items') if m in sys.modules]\n"
        "print(mods, torch_had_it or 'torch.utils.data' not in sys.modules)\n"
        "print(ffstream.data.MediaDataset.__name__, 'ffstream.data' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.splitlines() == ["[] True", "MediaDataset True"]
