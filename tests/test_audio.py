"""Audio decoding: sample values, sample formats and dtypes, resampling and
channel remixing, compressed codecs. Values are checked against the known
signals of the media recipes and against decodes by the ffmpeg command."""

from __future__ import annotations

import media
import numpy as np
import pytest
import torch
from ffstream import ChunkTensor, StreamReader
from helpers import decode_whole_audio, dominant_frequency

# ffmpeg's sine source writes amplitude 1/8.
SINE_AMPLITUDE = 0.125
STEREO_RATE = 44100
STEREO_FRAMES = STEREO_RATE * media.DURATION
MONO_FRAMES = media.SINE_RATE * media.DURATION

# Both files hold the same signal: a 440 Hz sine, s16 mono at 16 kHz (wav is
# raw PCM, flac a compressed container of it).
S16_MONO_SINES = ["sine.wav", "flac.flac"]


@pytest.mark.parametrize("name", S16_MONO_SINES)
def test_sine_default_fltp_matches_ffmpeg_and_the_known_sine(make_media, as_input, name):
    path = make_media(name)
    chunk = decode_whole_audio(as_input(path))
    assert isinstance(chunk, ChunkTensor)
    assert chunk.dtype == torch.float32
    assert chunk.shape == (MONO_FRAMES, 1)
    assert chunk.is_contiguous()
    assert chunk.pts == 0.0
    x = chunk.numpy()
    ref = media.ffmpeg_decode_audio(path)
    assert ref.shape == x.shape
    assert np.abs(x - ref).max() < 1e-4
    n = np.arange(MONO_FRAMES)
    sine = SINE_AMPLITUDE * np.sin(2 * np.pi * media.SINE_HZ * n / media.SINE_RATE)
    assert np.abs(x[:, 0] - sine).max() < 1e-4  # s16 quantization: ~1.5 LSB
    assert dominant_frequency(x[:, 0], media.SINE_RATE) == media.SINE_HZ


@pytest.mark.parametrize("name", S16_MONO_SINES)
def test_sine_out_stream_info(make_media, name):
    reader = StreamReader(str(make_media(name)))
    reader.add_basic_audio_stream(4000)
    info = reader.get_out_stream_info(0)
    assert info.media_type == "audio"
    assert info.format == "fltp"
    assert info.sample_rate == media.SINE_RATE
    assert info.num_channels == 1
    assert info.source_index == 0


def test_stereo_f32_channels_hold_their_own_sines(make_media):
    chunk = decode_whole_audio(make_media("stereo_f32.wav"))
    assert chunk.dtype == torch.float32
    assert chunk.shape == (STEREO_FRAMES, 2)
    assert chunk.is_contiguous()
    t = np.arange(STEREO_FRAMES) / STEREO_RATE
    np.testing.assert_allclose(chunk[:, 0].numpy(), np.sin(2 * np.pi * 440 * t), rtol=0, atol=1e-5)
    np.testing.assert_allclose(chunk[:, 1].numpy(), np.sin(2 * np.pi * 1000 * t), rtol=0, atol=1e-5)


# (format, dtype, sample value of 1.0 in that format, offset of 0.0)
FORMATS = [
    ("u8", torch.uint8, 128.0, 128.0),
    ("u8p", torch.uint8, 128.0, 128.0),
    ("s16", torch.int16, 2.0**15, 0.0),
    ("s16p", torch.int16, 2.0**15, 0.0),
    ("s32", torch.int32, 2.0**31, 0.0),
    ("s32p", torch.int32, 2.0**31, 0.0),
    ("s64", torch.int64, 2.0**63, 0.0),
    ("s64p", torch.int64, 2.0**63, 0.0),
    ("flt", torch.float32, 1.0, 0.0),
    ("fltp", torch.float32, 1.0, 0.0),
    ("dbl", torch.float64, 1.0, 0.0),
    ("dblp", torch.float64, 1.0, 0.0),
]


@pytest.mark.parametrize("fmt,dtype,scale,offset", FORMATS, ids=[f[0] for f in FORMATS])
def test_every_sample_format_gives_its_dtype_and_consistent_values(
    make_media, fmt, dtype, scale, offset
):
    path = make_media("stereo_f32.wav")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(-1, -1, format=fmt)
    info = reader.get_out_stream_info(0)
    assert info.format == fmt
    assert info.num_channels == 2
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.dtype == dtype
    # (frames, channels) for planar formats too, contiguous.
    assert chunk.shape == (STEREO_FRAMES, 2)
    assert chunk.is_contiguous()

    flt = decode_whole_audio(path, format="flt").numpy().astype(np.float64)
    values = chunk.numpy().astype(np.float64)
    if dtype.is_floating_point:
        # float -> double is exact.
        assert np.array_equal(values, flt)
    else:
        # The conversion is round(x * scale) + offset, clipped to the range
        # of the type; 1 LSB of slack for rounding.
        info = torch.iinfo(dtype)
        expected = np.clip(np.round(flt * scale + offset), info.min, info.max)
        assert np.abs(values - expected).max() <= 1.0
        assert values.min() >= info.min and values.max() <= info.max
    # Channel order survives: left 440 Hz, right 1000 Hz.
    assert dominant_frequency(values[:, 0] - offset, STEREO_RATE) == 440
    assert dominant_frequency(values[:, 1] - offset, STEREO_RATE) == 1000


@pytest.mark.parametrize("packed", ["u8", "s16", "s32", "s64", "flt", "dbl"])
def test_planar_and_packed_formats_give_equal_chunks(make_media, packed):
    path = make_media("stereo_f32.wav")
    a = decode_whole_audio(path, format=packed)
    b = decode_whole_audio(path, format=packed + "p")
    assert torch.equal(a, b)


@pytest.mark.parametrize("name", S16_MONO_SINES)
def test_format_none_keeps_s16_precision(make_media, name):
    path = make_media(name)
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(-1, -1, format=None)
    assert reader.get_out_stream_info(0).format in ("s16", "s16p")
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.dtype == torch.int16
    assert chunk.shape == (MONO_FRAMES, 1)
    ref = media.ffmpeg_decode_audio_as(path, 1, sample_fmt="s16le", dtype=np.int16)
    assert np.array_equal(chunk.numpy(), ref)


def test_format_none_keeps_f32_precision(make_media):
    path = make_media("stereo_f32.wav")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(-1, -1, format=None)
    assert reader.get_out_stream_info(0).format in ("flt", "fltp")
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.dtype == torch.float32
    assert chunk.shape == (STEREO_FRAMES, 2)
    assert np.array_equal(chunk.numpy(), media.ffmpeg_decode_audio(path))


@pytest.mark.parametrize("name", S16_MONO_SINES)
def test_resample_to_8000_halves_the_frames(make_media, name):
    path = make_media(name)
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(-1, -1, sample_rate=8000)
    info = reader.get_out_stream_info(0)
    assert info.sample_rate == 8000
    assert info.filter_description == "aresample=8000,aformat=sample_fmts=fltp"
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.dtype == torch.float32
    assert abs(chunk.shape[0] - MONO_FRAMES // 2) <= 16
    assert chunk.shape[1] == 1
    ref = media.ffmpeg_decode_audio(path, af="aresample=8000")
    assert ref.shape == chunk.shape
    assert np.abs(chunk.numpy() - ref).max() < 1e-4
    assert dominant_frequency(chunk.numpy()[:, 0], 8000) == pytest.approx(media.SINE_HZ, abs=0.5)


def test_resample_stereo_44100_to_16000(make_media):
    path = make_media("stereo_f32.wav")
    chunk = decode_whole_audio(path, sample_rate=16000)
    assert abs(chunk.shape[0] - 32000) <= 16
    assert chunk.shape[1] == 2
    assert dominant_frequency(chunk.numpy()[:, 0], 16000) == pytest.approx(440, abs=0.5)
    assert dominant_frequency(chunk.numpy()[:, 1], 16000) == pytest.approx(1000, abs=0.5)


@pytest.mark.parametrize("name", S16_MONO_SINES)
def test_num_channels_2_on_mono_gives_two_equal_channels(make_media, name):
    path = make_media(name)
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(-1, -1, num_channels=2)
    assert reader.get_out_stream_info(0).num_channels == 2
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.shape == (MONO_FRAMES, 2)
    assert torch.equal(chunk[:, 0], chunk[:, 1])
    ref = media.ffmpeg_decode_audio_as(path, 2, af="aformat=channel_layouts=stereo")
    assert np.abs(chunk.numpy() - ref).max() < 1e-6
    assert dominant_frequency(chunk.numpy()[:, 0], media.SINE_RATE) == media.SINE_HZ


def test_num_channels_1_on_stereo_downmixes(make_media):
    path = make_media("stereo_f32.wav")
    chunk = decode_whole_audio(path, num_channels=1)
    assert chunk.shape == (STEREO_FRAMES, 1)
    ref = media.ffmpeg_decode_audio_as(path, 1, af="aformat=channel_layouts=mono")
    assert np.abs(chunk.numpy() - ref).max() < 1e-6


@pytest.mark.parametrize("name", ["aac.m4a", "mp3.mp3", "flac.flac"])
def test_compressed_codecs_decode_two_seconds_of_440_hz(make_media, name):
    path = make_media(name)
    reader = StreamReader(str(path))
    src = reader.get_src_stream_info(reader.default_audio_stream)
    assert src.sample_rate == media.SINE_RATE
    assert src.num_channels == 1
    reader.add_basic_audio_stream(-1, -1)
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.dtype == torch.float32
    assert chunk.shape[1] == 1
    # About two seconds: encoders pad to whole frames (aac: 1024 samples).
    assert MONO_FRAMES <= chunk.shape[0] <= MONO_FRAMES + 1024
    x = chunk.numpy()
    assert dominant_frequency(x[:, 0], media.SINE_RATE) == pytest.approx(media.SINE_HZ, abs=0.5)
    # Same decoder as the ffmpeg command: same samples.
    ref = media.ffmpeg_decode_audio(path)
    assert ref.shape == x.shape
    assert np.abs(x - ref).max() < 1e-6
    # The first pts is the stream's start time (mp3 starts after its encoder delay).
    start = float(next(s for s in media.ffprobe(path)["streams"])["start_time"])
    assert chunk.pts == pytest.approx(start, abs=1e-4)
