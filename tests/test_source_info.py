"""Source stream info and metadata, checked field by field against ffprobe."""

from __future__ import annotations

from pathlib import Path

import ffstream
import media
import pytest
from ffstream import SourceAudioStream, SourceVideoStream, StreamReader

ALL_MEDIA = sorted(media.RECIPES) + sorted(media.DERIVED)


@pytest.fixture(scope="module")
def probed(make_media):
    """name -> (path, ffprobe's description), each file probed once."""
    cache = {}

    def get(name):
        if name not in cache:
            path = make_media(name)
            cache[name] = (path, media.ffprobe(path))
        return cache[name]

    return get


def _int_field(stream: dict, key: str) -> int:
    """An integer field of ffprobe's stream entry; 0 when ffprobe leaves it out."""
    value = stream.get(key)
    return int(value) if value not in (None, "N/A") else 0


def _frame_rate(stream: dict) -> float:
    """ffprobe's average frame rate, or the base rate when the average is 0/0."""
    for key in ("avg_frame_rate", "r_frame_rate"):
        num, den = (int(x) for x in stream[key].split("/"))
        if num and den:
            return num / den
    return 0.0


def _rotation(stream: dict) -> float:
    """The turn ffprobe reads from the stream's display matrix (its
    av_display_rotation_get, rounded to a whole degree), -180 written as 180;
    0 without one."""
    for side in stream.get("side_data_list", []):
        if side.get("side_data_type") == "Display Matrix":
            return 180.0 if side["rotation"] == -180 else float(side["rotation"])
    return 0.0


@pytest.mark.parametrize("name", ALL_MEDIA)
def test_stream_count(probed, name):
    path, probe = probed(name)
    with StreamReader(str(path)) as r:
        assert r.num_src_streams == len(probe["streams"])


@pytest.mark.parametrize("name", ALL_MEDIA)
def test_default_streams(probed, name):
    path, probe = probed(name)
    with StreamReader(str(path)) as r:
        defaults = {"audio": r.default_audio_stream, "video": r.default_video_stream}
    for kind, default in defaults.items():
        candidates = [s["index"] for s in probe["streams"] if s["codec_type"] == kind]
        if not candidates:
            assert default is None, kind
        elif len(candidates) == 1:
            assert default == candidates[0], kind
        else:
            assert default in candidates, kind


@pytest.mark.parametrize("name", ALL_MEDIA)
def test_container_metadata(probed, name):
    path, probe = probed(name)
    with StreamReader(str(path)) as r:
        assert r.get_metadata() == probe["format"].get("tags", {})


@pytest.mark.parametrize("name", ALL_MEDIA)
def test_stream_info_matches_ffprobe(probed, name):
    path, probe = probed(name)
    with StreamReader(str(path)) as r:
        infos = [r.get_src_stream_info(i) for i in range(r.num_src_streams)]
    assert len(infos) == len(probe["streams"])
    for info, s in zip(infos, probe["streams"]):
        where = f"{name} stream {s['index']}"
        assert info.media_type == s["codec_type"], where
        assert info.codec == s["codec_name"], where
        assert info.codec_long_name == s["codec_long_name"], where
        assert info.metadata == s.get("tags", {}), where
        assert info.bit_rate == _int_field(s, "bit_rate"), where
        assert info.num_frames == _int_field(s, "nb_frames"), where
        assert info.bits_per_sample == _int_field(s, "bits_per_raw_sample"), where
        if s["codec_type"] == "audio":
            assert type(info) is SourceAudioStream, where
            assert info.format == s["sample_fmt"], where
            assert info.sample_rate == float(s["sample_rate"]), where
            assert info.num_channels == s["channels"], where
        else:
            assert s["codec_type"] == "video"
            assert type(info) is SourceVideoStream, where
            assert info.format == s["pix_fmt"], where
            assert (info.width, info.height) == (s["width"], s["height"]), where
            assert info.frame_rate == pytest.approx(_frame_rate(s)), where
            assert info.rotation == _rotation(s), where


def test_tags_file_has_the_tags_of_its_recipe(probed):
    # Guards the ffprobe comparison above against both sides losing the tags.
    path, _ = probed("tags.mkv")
    with StreamReader(str(path)) as r:
        meta = {k.lower(): v for k, v in r.get_metadata().items()}
        assert meta["title"] == "ffstream test"
        assert meta["artist"] == "lavfi"
        assert r.get_src_stream_info(0).metadata["language"] == "eng"


@pytest.mark.parametrize("name", ["av.mp4", "tags.mkv", "vp9.webm"])
def test_str_and_pathlib_path_give_the_same_info(probed, name):
    path, _ = probed(name)
    assert isinstance(path, Path)
    with StreamReader(str(path)) as a, StreamReader(path) as b:
        assert a.num_src_streams == b.num_src_streams
        assert a.get_metadata() == b.get_metadata()
        assert a.default_audio_stream == b.default_audio_stream
        assert a.default_video_stream == b.default_video_stream
        for i in range(a.num_src_streams):
            assert a.get_src_stream_info(i) == b.get_src_stream_info(i)


def test_lavfi_source():
    with StreamReader("sine=frequency=440:sample_rate=8000", format="lavfi") as r:
        assert r.num_src_streams == 1
        assert r.default_audio_stream == 0
        assert r.default_video_stream is None
        info = r.get_src_stream_info(0)
        assert isinstance(info, SourceAudioStream)
        assert info.media_type == "audio"
        assert info.sample_rate == 8000
        assert info.num_channels == 1


def test_lavfi_video_and_audio_graph():
    graph = "testsrc2=size=32x24:rate=10[out0];sine=sample_rate=8000[out1]"
    with StreamReader(graph, format="lavfi") as r:
        assert r.num_src_streams == 2
        v, a = r.get_src_stream_info(0), r.get_src_stream_info(1)
        assert isinstance(v, SourceVideoStream)
        assert (v.width, v.height, v.frame_rate) == (32, 24, 10)
        assert isinstance(a, SourceAudioStream) and a.sample_rate == 8000
        assert (r.default_video_stream, r.default_audio_stream) == (0, 1)


def test_option_reaches_the_input_device():
    # lavfi's "graph" option replaces the URL: it is only honoured when the
    # option dictionary is passed to avformat_open_input.
    graph = "sine=frequency=440:sample_rate=22050"
    with StreamReader("unused", format="lavfi", option={"graph": graph}) as r:
        assert r.num_src_streams == 1
        assert r.get_src_stream_info(0).sample_rate == 22050


def test_demuxer_option_is_accepted(probed):
    path, probe = probed("sine.wav")
    with StreamReader(str(path), option={"ignore_length": "1"}) as r:
        assert r.num_src_streams == 1
        info = r.get_src_stream_info(0)
        assert info.sample_rate == float(probe["streams"][0]["sample_rate"])


def test_explicit_format_matches_probing(probed):
    path, _ = probed("sine.wav")
    with StreamReader(str(path), format="wav") as a, StreamReader(str(path)) as b:
        assert a.get_src_stream_info(0) == b.get_src_stream_info(0)


@pytest.mark.parametrize(
    "src, fmt",
    [("sine.wav", None), ("sine=frequency=440:sample_rate=8000", "lavfi")],
)
def test_unused_option_is_an_error_naming_it(probed, src, fmt):
    if fmt is None:
        src = str(probed(src)[0])
    with pytest.raises(ffstream.InvalidArgumentError) as e:
        StreamReader(src, format=fmt, option={"no_such_option_xyz": "1"})
    assert isinstance(e.value, RuntimeError)
    assert isinstance(e.value, ValueError)
    assert "no_such_option_xyz" in str(e.value)


def test_only_the_unused_option_is_named(probed):
    path, _ = probed("sine.wav")
    with pytest.raises(ffstream.InvalidArgumentError) as e:
        StreamReader(str(path), option={"ignore_length": "1", "bogus_key": "2"})
    assert "bogus_key" in str(e.value)
    assert "ignore_length" not in str(e.value)
