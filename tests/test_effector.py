"""AudioEffector (torchaudio's API): filters and codec round trips on
waveforms, in memory; output lengths, dtypes and values as the input and
the ffmpeg command give them."""

from __future__ import annotations

import math
import subprocess

import numpy as np
import pytest
import torch
from ffstream import AudioEffector, CodecConfig, InvalidArgumentError, utils

RATE = 16000


def _sine(seconds=1.0, channels=1, dtype=torch.float32) -> torch.Tensor:
    t = torch.arange(int(seconds * RATE), dtype=torch.float64) / RATE
    x = torch.stack([0.5 * torch.sin(2 * math.pi * 440 * (c + 1) * t) for c in range(channels)], 1)
    if dtype == torch.int16:
        return (x * 32767).to(torch.int16)
    return x.to(dtype)


def _require(encoder=None, muxer=None):
    if encoder and encoder not in utils.get_audio_encoders():
        pytest.skip(f"this FFmpeg has no {encoder} encoder")
    if muxer and muxer not in utils.get_muxers():
        pytest.skip(f"this FFmpeg has no {muxer} muxer")


def _snr_db(ref, got) -> float:
    ref, got = ref.double(), got.double()
    return float(10 * torch.log10(ref.pow(2).sum() / (ref - got).pow(2).sum()))


@pytest.mark.parametrize("dtype", [torch.float32, torch.int16])
def test_filter_only_keeps_dtype_shape_and_values(dtype):
    x = _sine(channels=2, dtype=dtype)
    got = AudioEffector(effect="volume=0.5").apply(x, RATE)
    assert got.dtype == dtype and got.shape == x.shape
    if dtype == torch.float32:
        torch.testing.assert_close(got, x * 0.5, atol=1e-6, rtol=0)
    else:
        assert (got.int() - (x.int() // 2)).abs().max() <= 1


def test_no_effect_no_format_is_the_input():
    x = _sine(channels=2)
    assert torch.equal(AudioEffector().apply(x, RATE), x)


def test_effect_matches_the_ffmpeg_command(tmp_path):
    x = _sine(channels=2)
    effect = "aecho=0.8:0.88:60:0.4"
    got = AudioEffector(effect=effect, pad_end=False).apply(x, RATE)
    raw = tmp_path / "x.f32"
    raw.write_bytes(x.numpy().tobytes())
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "2", "-i", str(raw),
         "-af", effect, "-f", "f32le", "-"],
        capture_output=True, check=True,
    ).stdout
    want = torch.from_numpy(np.frombuffer(out, np.float32).reshape(-1, 2).copy())
    assert got.shape == want.shape
    torch.testing.assert_close(got, want, atol=1e-6, rtol=0)


def test_pad_end_pads_a_shortened_result_with_silence():
    x = _sine()
    short = AudioEffector(effect="atempo=2", pad_end=False).apply(x, RATE)
    assert abs(short.shape[0] - x.shape[0] // 2) < 200
    padded = AudioEffector(effect="atempo=2").apply(x, RATE)
    assert padded.shape == x.shape
    assert torch.equal(padded[: short.shape[0]], short)
    assert torch.count_nonzero(padded[short.shape[0] :]) == 0


def test_output_sample_rate_resamples_and_pads_to_the_input_duration():
    x = _sine()
    got = AudioEffector(effect="atempo=2").apply(x, RATE, output_sample_rate=8000)
    # torchaudio padded to 16000 samples here (the input's count): 2 s at 8 kHz.
    assert got.shape == (8000, 1)


def test_wav_round_trip_is_16_bit():
    _require("pcm_s16le", "wav")
    x = _sine()
    got = AudioEffector(format="wav").apply(x, RATE)
    assert got.shape == x.shape and got.dtype == torch.float32
    assert (got - x).abs().max() <= 1 / 32768 + 1e-6
    assert not torch.equal(got, x)


@pytest.mark.parametrize(
    "format, encoder, config, min_snr",
    [
        ("mp3", None, None, 15),
        ("mp3", None, CodecConfig(bit_rate=32_000), 10),
        ("mp3", None, CodecConfig(qscale=5), 10),
        ("ogg", "libvorbis", None, 10),
        ("ogg", "libopus", None, 10),
        ("webm", "libopus", None, 10),
        ("adts", "aac", None, 10),
        ("g722", None, None, 10),
    ],
)
def test_codec_round_trip_keeps_length_and_shape(format, encoder, config, min_snr):
    _require(encoder or {"mp3": "libmp3lame", "g722": "g722"}.get(format), format)
    x = _sine(seconds=2)
    effector = AudioEffector(format=format, encoder=encoder, codec_config=config)
    got = effector.apply(x, RATE)
    assert got.dtype == x.dtype and got.shape[1] == x.shape[1]
    if format == "adts":
        # ADTS cannot say how many priming samples to skip: the decoder's
        # output is longer by AAC's priming and padding (as torchaudio's).
        assert x.shape[0] < got.shape[0] <= x.shape[0] + 2048
    else:
        assert got.shape == x.shape
    # Codecs delay the signal by their priming: compare at the best offset.
    n = x.shape[0]
    best = max(_snr_db(x[2000 : n - 3000], got[2000 + d : n - 3000 + d]) for d in range(-100, 1700))
    assert best > min_snr, f"{format}: SNR {best:.1f} dB"


def test_lower_bit_rate_loses_more():
    _require("libmp3lame", "mp3")
    x = _sine(seconds=2, channels=2)
    errors = []
    for kbps in (32, 192):
        got = AudioEffector(format="mp3", codec_config=CodecConfig(bit_rate=kbps * 1000)).apply(x, RATE)
        errors.append(float((got - x).abs().mean()))
    assert errors[0] > errors[1]


@pytest.mark.parametrize("format", [None, "wav"])
def test_stream_gives_the_same_samples_as_apply(format):
    if format:
        _require("pcm_s16le", "wav")
    x = _sine(seconds=1.3, channels=2)
    effector = AudioEffector(effect="lowpass=f=1000", format=format)
    whole = effector.apply(x, RATE)
    chunks = list(effector.stream(x, RATE, 4000))
    assert [c.shape[0] for c in chunks] == [4000] * 5 + [800]
    assert all(type(c) is torch.Tensor for c in chunks)
    torch.testing.assert_close(torch.cat(chunks), whole, atol=1e-6, rtol=0)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(InvalidArgumentError, match="format"):
        AudioEffector(encoder="libmp3lame")
    with pytest.raises(InvalidArgumentError, match="format"):
        AudioEffector(codec_config=CodecConfig(bit_rate=1000))
    e = AudioEffector(effect="volume=2")
    with pytest.raises(InvalidArgumentError, match=r"\(frames, channels\)"):
        e.apply(torch.zeros(100), RATE)
    with pytest.raises(InvalidArgumentError, match="dtype"):
        e.apply(torch.zeros(100, 1, dtype=torch.int64), RATE)
    with pytest.raises(InvalidArgumentError, match="sample_rate"):
        e.apply(torch.zeros(100, 1), 0)
    with pytest.raises(InvalidArgumentError, match="frames_per_chunk"):
        list(e.stream(torch.zeros(100, 1), RATE, 0))
    with pytest.raises(InvalidArgumentError, match="filter|volum"):
        AudioEffector(effect="volum=2").apply(torch.zeros(100, 1), RATE)
    assert e.apply(torch.zeros(0, 2), RATE).shape == (0, 2)
