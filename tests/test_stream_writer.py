"""StreamWriter (torchaudio's API): what it writes reads back as what went in
(lossless codecs bit for bit, lossy ones close), with the rates, sizes,
frame counts and pts asked for; into files and file objects; and every
misuse is a clear error."""

from __future__ import annotations

import io
import math

import media
import numpy as np
import pytest
import torch
from ffstream import CodecConfig, InvalidArgumentError, NotSupportedError, StreamReader, StreamWriter, utils
from helpers import decode_whole_audio, decode_whole_video

RATE = 16000


def _require(*encoders: str, muxers=()):
    """Skips a test whose encoders or muxers this FFmpeg lacks: the wheel's
    FFmpeg (and CI's 7.1 and 8.1 builds, configured like it) carry no
    encoders but the raw ones yet (issue 31)."""
    have = set(utils.get_audio_encoders()) | set(utils.get_video_encoders()) | {None}
    missing = [e for e in encoders if e not in have]
    missing += [m for m in muxers if m not in utils.get_muxers()]
    if missing:
        pytest.skip(f"this FFmpeg has no {', '.join(missing)}")


def _sine(seconds=1.0, rate=RATE, channels=1, freq=440.0) -> torch.Tensor:
    t = torch.arange(int(seconds * rate), dtype=torch.float64) / rate
    waves = [0.5 * torch.sin(2 * math.pi * freq * (c + 1) * t) for c in range(channels)]
    return torch.stack(waves, dim=1).float()


def _frames(make_media, name="h264.mp4") -> torch.Tensor:
    """Real decoded frames, (N, 3, 48, 64) uint8."""
    return decode_whole_video(make_media(name)).as_subclass(torch.Tensor).contiguous()


def _snr_db(ref: torch.Tensor, got: torch.Tensor) -> float:
    ref, got = ref.double(), got.double()
    return float(10 * torch.log10(ref.pow(2).sum() / (ref - got).pow(2).sum()))


def _psnr_db(ref: torch.Tensor, got: torch.Tensor) -> float:
    mse = (ref.double() - got.double()).pow(2).mean()
    return float(10 * torch.log10(255**2 / mse))


def _write_audio(dst, chunk, format=None, **kwargs):
    w = StreamWriter(dst, format=format)
    w.add_audio_stream(RATE, chunk.shape[1], format=kwargs.pop("sample_format", "flt"), **kwargs)
    with w.open():
        w.write_audio_chunk(0, chunk)


# ---- audio ----


@pytest.mark.parametrize(
    "ext, dtype, sample_format, encoder",
    [
        ("flac", torch.int16, "s16", None),
        ("wav", torch.int16, "s16", None),
        ("wav", torch.int32, "s32", "pcm_s32le"),  # wav's default codec is 16-bit
    ],
)
def test_lossless_audio_reads_back_bit_for_bit(tmp_path, ext, dtype, sample_format, encoder):
    _require(encoder or {"flac": "flac", "wav": "pcm_s16le"}[ext], muxers=[ext])
    scale = {torch.int16: 32767, torch.int32: 2**31 - 1}[dtype]
    x = (_sine(channels=2) * scale).to(dtype)
    path = tmp_path / f"out.{ext}"
    _write_audio(str(path), x, sample_format=sample_format, encoder=encoder)
    got = decode_whole_audio(path, format=sample_format)
    assert got.dtype == dtype and got.shape == x.shape
    assert torch.equal(got, x)
    probe = media.ffprobe(path)["streams"][0]
    assert int(probe["sample_rate"]) == RATE and probe["channels"] == 2


def test_float_audio_to_wav_is_16_bit_by_default(tmp_path):
    _require("pcm_s16le", muxers=["wav"])
    x = _sine()
    path = tmp_path / "out.wav"
    _write_audio(str(path), x)
    probe = media.ffprobe(path)["streams"][0]
    assert probe["codec_name"] == "pcm_s16le"
    got = decode_whole_audio(path)
    assert got.shape == x.shape
    assert (got - x).abs().max() <= 1 / 32768 + 1e-6


@pytest.mark.parametrize(
    "format, encoder, rate, channels, min_snr",
    [
        ("mp3", None, RATE, 1, 15),  # libmp3lame takes 16 kHz
        ("adts", "aac", RATE, 1, 15),
        ("ogg", "libvorbis", RATE, 1, 15),
        # Ogg Opus files always state 48 kHz; FFmpeg's own opus encoder
        # takes 48 kHz only, so 16 kHz input is resampled. It is
        # experimental and coarse: 8 dB on FFmpeg 8.1, 16 dB on 5.1.
        ("ogg", "libopus", 48000, 1, 15),
        ("ogg", "opus", 48000, 1, 5),
    ],
)
def test_lossy_audio_round_trip(tmp_path, format, encoder, rate, channels, min_snr):
    _require(encoder or "libmp3lame", muxers=[format])
    x = _sine(seconds=2)
    path = tmp_path / f"out.{format}"
    option = {"strict": "experimental"} if encoder == "opus" else None
    _write_audio(str(path), x, format=format, encoder=encoder, encoder_option=option)
    r = StreamReader(str(path))
    info = r.get_src_stream_info(0)
    assert info.sample_rate == rate and info.num_channels == channels
    # Back at the input's rate and channel count, compared where the
    # codec's delay and padding do not reach.
    got = decode_whole_audio(path, sample_rate=RATE, num_channels=1)
    assert abs(got.shape[0] - x.shape[0]) < 0.2 * RATE  # priming and padding
    n = min(got.shape[0], x.shape[0])
    best = max(_snr_db(x[2000 : n - 2000 - d], got[2000 + d : n - 2000]) for d in range(0, 1600, 1))
    assert best > min_snr, f"{format}/{encoder}: SNR {best:.1f} dB"


def test_encoder_sample_rate_and_channels_are_honoured(tmp_path):
    _require("flac", muxers=["flac"])
    path = tmp_path / "out.flac"
    w = StreamWriter(str(path))
    w.add_audio_stream(RATE, 2, encoder_sample_rate=8000, encoder_num_channels=1)
    with w.open():
        w.write_audio_chunk(0, _sine(channels=2))
    probe = media.ffprobe(path)["streams"][0]
    assert int(probe["sample_rate"]) == 8000 and probe["channels"] == 1
    assert decode_whole_audio(path).shape == (8000, 1)


def test_audio_chunks_and_pts_place_the_samples(tmp_path):
    _require("flac", muxers=["flac"])
    x = (_sine() * 32767).to(torch.int16)
    path = tmp_path / "out.flac"
    w = StreamWriter(str(path))
    w.add_audio_stream(RATE, 1, format="s16")
    with w.open():
        for start in range(0, RATE, 1000):
            w.write_audio_chunk(0, x[start : start + 1000], pts=start / RATE)
    assert torch.equal(decode_whole_audio(path, format="s16"), x)


def test_audio_filter_desc_runs_before_encoding(tmp_path):
    _require("pcm_f32le", muxers=["wav"])
    path = tmp_path / "out.wav"
    x = _sine()
    _write_audio(str(path), x, sample_format="flt", filter_desc="volume=0.5", encoder="pcm_f32le")
    got = decode_whole_audio(path)
    assert torch.allclose(got, x * 0.5, atol=1e-6)


def test_metadata_reaches_the_file(tmp_path):
    _require("flac", muxers=["flac"])
    path = tmp_path / "out.flac"
    w = StreamWriter(str(path))
    w.add_audio_stream(RATE, 1)
    w.set_metadata({"artist": "ffstream", "title": "a sine"})
    with w.open():
        w.write_audio_chunk(0, _sine())
    tags = {k.lower(): v for k, v in media.ffprobe(path)["format"]["tags"].items()}
    assert tags["artist"] == "ffstream" and tags["title"] == "a sine"


def test_codec_config_sets_the_bit_rate(tmp_path):
    _require("libmp3lame", muxers=["mp3"])
    sizes = {}
    for kbps in (32, 128):
        path = tmp_path / f"out{kbps}.mp3"
        _write_audio(str(path), _sine(seconds=4), codec_config=CodecConfig(bit_rate=kbps * 1000))
        sizes[kbps] = path.stat().st_size
        assert int(media.ffprobe(path)["streams"][0]["bit_rate"]) == kbps * 1000
    assert sizes[128] > 3 * sizes[32]


# ---- video ----


@pytest.mark.parametrize(
    "format, encoder_format",
    [("rgb24", "bgr0"), ("bgr24", "bgr0"), ("yuv444p", "yuv444p"), ("gray8", "gray")],
)
def test_lossless_video_reads_back_bit_for_bit(make_media, tmp_path, format, encoder_format):
    _require("ffv1", muxers=["matroska"])
    frames = _frames(make_media)
    if format == "bgr24":
        frames = frames.flip(1).contiguous()
    if format == "gray8":
        frames = frames[:, :1].contiguous()
    path = tmp_path / "out.mkv"
    w = StreamWriter(str(path))
    w.add_video_stream(25, 64, 48, format=format, encoder="ffv1", encoder_format=encoder_format)
    with w.open():
        w.write_video_chunk(0, frames)
    got = decode_whole_video(path, format={"gray8": "gray"}.get(format, format))
    assert got.shape == frames.shape
    assert torch.equal(got.as_subclass(torch.Tensor), frames)
    assert got.frame_pts.tolist() == pytest.approx([i / 25 for i in range(frames.shape[0])])


def test_channels_last_chunks_from_the_reader_write_as_they_are(make_media, tmp_path):
    _require("ffv1", muxers=["matroska"])
    chunk = decode_whole_video(make_media("h264.mp4"))  # a channels-last view
    path = tmp_path / "out.mkv"
    w = StreamWriter(str(path))
    w.add_video_stream(25, 64, 48, encoder="ffv1", encoder_format="bgr0")
    with w.open():
        w.write_video_chunk(0, chunk)
    assert torch.equal(decode_whole_video(path), chunk)


def test_h264_mp4_by_default_with_its_frames_and_times(make_media, tmp_path):
    _require("libx264", muxers=["mp4"])
    frames = _frames(make_media)
    path = tmp_path / "out.mp4"
    w = StreamWriter(str(path))
    w.add_video_stream(25, 64, 48, encoder_option={"crf": "10"})
    with w.open():
        w.write_video_chunk(0, frames[:20])
        w.write_video_chunk(0, frames[20:])
    s = media.ffprobe(path)["streams"][0]
    assert s["codec_name"] == "h264" and s["pix_fmt"] == "yuv420p"
    assert int(s["nb_frames"]) == frames.shape[0]
    got = decode_whole_video(path)
    assert got.shape == frames.shape
    assert _psnr_db(frames, got) > 30
    assert got.frame_pts.tolist() == pytest.approx([i / 25 for i in range(frames.shape[0])])


@pytest.mark.parametrize(
    "encoder, settings",
    [
        ("libx264", {"encoder_option": {"crf": "10"}}),
        # The wheel's H.264 encoder (x264 is GPL).
        ("libopenh264", {"codec_config": CodecConfig(bit_rate=2_000_000)}),
    ],
)
def test_h264_encoders(make_media, tmp_path, encoder, settings):
    _require(encoder, muxers=["mp4"])
    frames = _frames(make_media)
    path = tmp_path / "out.mp4"
    w = StreamWriter(str(path))
    w.add_video_stream(25, 64, 48, encoder=encoder, **settings)
    with w.open():
        w.write_video_chunk(0, frames)
    s = media.ffprobe(path)["streams"][0]
    assert s["codec_name"] == "h264" and int(s["nb_frames"]) == frames.shape[0]
    got = decode_whole_video(path)
    assert got.shape == frames.shape
    assert _psnr_db(frames, got) > 30
    assert got.frame_pts.tolist() == pytest.approx([i / 25 for i in range(frames.shape[0])])


def test_video_pts_leaves_a_gap(make_media, tmp_path):
    _require("ffv1", muxers=["matroska"])
    frames = _frames(make_media)[:10]
    path = tmp_path / "out.mkv"
    w = StreamWriter(str(path))
    w.add_video_stream(10, 64, 48, encoder="ffv1")
    with w.open():
        w.write_video_chunk(0, frames[:5])
        w.write_video_chunk(0, frames[5:], pts=2.0)
    times = [t for t, _ in media.ffprobe_frame_times(path)]
    assert times == pytest.approx([0, 0.1, 0.2, 0.3, 0.4, 2.0, 2.1, 2.2, 2.3, 2.4])
    assert decode_whole_video(path).frame_pts.tolist() == pytest.approx(times)


def test_encoder_size_and_frame_rate(make_media, tmp_path):
    _require("ffv1", muxers=["matroska"])
    frames = _frames(make_media)
    path = tmp_path / "out.mkv"
    w = StreamWriter(str(path))
    w.add_video_stream(25, 64, 48, encoder="ffv1", encoder_width=32, encoder_height=24, encoder_frame_rate=5)
    with w.open():
        w.write_video_chunk(0, frames)
    s = media.ffprobe(path)["streams"][0]
    assert (s["width"], s["height"]) == (32, 24)
    assert len(media.ffprobe_frame_times(path)) == 10  # 2 s at 5 fps


def test_audio_and_video_in_one_file(make_media, tmp_path):
    _require("libvorbis", "mpeg4", muxers=["matroska"])
    frames = _frames(make_media)
    path = tmp_path / "out.mkv"
    w = StreamWriter(str(path))
    w.add_audio_stream(RATE, 1, encoder="libvorbis")
    w.add_video_stream(25, 64, 48, encoder="mpeg4")
    with w.open():
        w.write_audio_chunk(0, _sine(seconds=2))
        w.write_video_chunk(1, frames)
    kinds = [s["codec_type"] for s in media.ffprobe(path)["streams"]]
    assert kinds == ["audio", "video"]


# ---- file objects ----


def test_mp4_into_a_seekable_file_object(make_media):
    _require("mpeg4", muxers=["mp4"])
    frames = _frames(make_media)
    buf = io.BytesIO()
    w = StreamWriter(buf, format="mp4")
    w.add_video_stream(25, 64, 48, encoder="mpeg4")
    with w.open():
        w.write_video_chunk(0, frames)
    got = decode_whole_video(buf.getvalue())
    assert got.shape == frames.shape


class _WriteOnly:
    def __init__(self):
        self.data = bytearray()

    def write(self, b):
        self.data += b
        return len(b)


def test_streamable_format_into_a_write_only_object(tmp_path):
    _require("flac", muxers=["matroska"])
    out = _WriteOnly()
    x = (_sine() * 32767).to(torch.int16)
    _write_audio(out, x, format="matroska", sample_format="s16", encoder="flac")
    assert torch.equal(decode_whole_audio(bytes(out.data), format="s16"), x)


def test_mp4_into_a_write_only_object_says_why_not(make_media):
    _require("mpeg4", muxers=["mp4"])
    w = StreamWriter(_WriteOnly(), format="mp4")
    w.add_video_stream(25, 64, 48, encoder="mpeg4")
    with pytest.raises(InvalidArgumentError, match="seek"):
        w.open()


def test_a_file_object_that_raises_raises_its_exception():
    _require("pcm_s16le", muxers=["wav"])
    class Broken(_WriteOnly):
        def write(self, b):
            raise OSError("disk full")

    w = StreamWriter(Broken(), format="wav")
    w.add_audio_stream(RATE, 1)
    with pytest.raises(OSError, match="disk full"):
        w.open()
        w.write_audio_chunk(0, _sine(seconds=10))
        w.close()


# ---- misuse ----


def test_bad_arguments_are_clear_errors(tmp_path):
    _require("pcm_s16le", "flac", "libmp3lame", "ffv1", muxers=["wav"])
    path = str(tmp_path / "out.wav")
    with pytest.raises(InvalidArgumentError, match="format"):
        StreamWriter(io.BytesIO())  # a file object needs a format
    with pytest.raises(InvalidArgumentError, match="unknown output format"):
        StreamWriter(path, format="no_such_muxer")
    with pytest.raises(InvalidArgumentError, match="dst"):
        StreamWriter(42)
    w = StreamWriter(path)
    with pytest.raises(InvalidArgumentError, match="unknown encoder"):
        w.add_audio_stream(RATE, 1, encoder="no_such_encoder")
    with pytest.raises(InvalidArgumentError, match="format"):
        w.add_audio_stream(RATE, 1, format="s24")
    with pytest.raises(InvalidArgumentError, match="sample_rate"):
        w.add_audio_stream(0, 1)
    with pytest.raises(InvalidArgumentError, match="option"):
        w.add_audio_stream(RATE, 1, encoder="flac", encoder_option={"no_such_option": "1"})
    with pytest.raises(InvalidArgumentError, match="does not take sample rate 12345"):
        w.add_audio_stream(RATE, 1, encoder="libmp3lame", encoder_sample_rate=12345)
    with pytest.raises(NotSupportedError, match="hw_accel"):
        w.add_video_stream(25, 64, 48, encoder="ffv1", hw_accel="cuda:0")
    w.add_audio_stream(RATE, 1)
    with pytest.raises(InvalidArgumentError, match="open"):
        w.write_audio_chunk(0, _sine())
    w.open()
    with pytest.raises(InvalidArgumentError, match="float32"):
        w.write_audio_chunk(0, _sine().double())
    with pytest.raises(InvalidArgumentError, match=r"\(frames, 1\)"):
        w.write_audio_chunk(0, _sine(channels=2))
    with pytest.raises(InvalidArgumentError, match="out of range"):
        w.write_audio_chunk(1, _sine())
    with pytest.raises(InvalidArgumentError, match="write_audio_chunk"):
        w.write_video_chunk(0, torch.zeros(1, 3, 48, 64, dtype=torch.uint8))
    w.write_audio_chunk(0, _sine())
    with pytest.raises(InvalidArgumentError, match=r"0\.5.* 1(\.0+)? s"):
        w.write_audio_chunk(0, _sine(), pts=0.5)
    with pytest.raises(InvalidArgumentError, match="pts"):
        w.write_audio_chunk(0, _sine(), pts=float("nan"))
    w.close()
    assert decode_whole_audio(path).shape == (RATE, 1)  # the good chunk only
    with pytest.raises(RuntimeError, match="closed"):
        w._be.write_audio_chunk(0, _sine().__dlpack__(), None)


def test_video_chunk_shape_and_dtype_are_checked(tmp_path):
    _require("ffv1", muxers=["matroska"])
    w = StreamWriter(str(tmp_path / "out.mkv"))
    w.add_video_stream(25, 64, 48, encoder="ffv1")
    w.open()
    with pytest.raises(InvalidArgumentError, match="uint8"):
        w.write_video_chunk(0, torch.zeros(1, 3, 48, 64))
    with pytest.raises(InvalidArgumentError, match=r"\(frames, 3, 48, 64\)"):
        w.write_video_chunk(0, torch.zeros(1, 3, 64, 48, dtype=torch.uint8))
    w.close()


def test_reference_signal_survives_flac_like_the_ffmpeg_command(tmp_path):
    _require("flac", muxers=["flac"])
    # The same samples through the ffmpeg command's FLAC encoder decode to the
    # same values as ours: both lossless.
    x = (_sine(channels=2) * 32767).to(torch.int16)
    ours = tmp_path / "ours.flac"
    _write_audio(str(ours), x, sample_format="s16")
    raw = tmp_path / "x.raw"
    raw.write_bytes(x.numpy().tobytes())
    theirs = tmp_path / "theirs.flac"
    media._ffmpeg(["-f", "s16le", "-ar", str(RATE), "-ac", "2", "-i", str(raw), str(theirs)])
    a = media.ffmpeg_decode_raw(ours, ["-f", "s16le"], np.int16)
    b = media.ffmpeg_decode_raw(theirs, ["-f", "s16le"], np.int16)
    np.testing.assert_array_equal(a, b)


def test_raw_samples_on_any_ffmpeg(tmp_path):
    # The raw PCM muxers and encoders are in every FFmpeg ffstream runs on,
    # the wheel's included: the writer's own path, without a codec.
    x = (_sine(channels=2) * 32767).to(torch.int16)
    path = tmp_path / "out.raw"
    w = StreamWriter(str(path), format="s16le")
    w.add_audio_stream(RATE, 2, format="s16")
    with w.open():
        w.write_audio_chunk(0, x[:5000])
        w.write_audio_chunk(0, x[5000:])
    got = np.frombuffer(path.read_bytes(), np.int16).reshape(-1, 2)
    np.testing.assert_array_equal(got, x.numpy())
    buf = io.BytesIO()
    w = StreamWriter(buf, format="f32le")
    w.add_audio_stream(RATE, 1, filter_desc="volume=0.5")
    with w.open():
        w.write_audio_chunk(0, _sine())
    got = np.frombuffer(buf.getvalue(), np.float32)
    np.testing.assert_allclose(got, _sine()[:, 0].numpy() * 0.5, atol=1e-6)
