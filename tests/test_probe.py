"""How much of a file ffstream probes at open, and that the shorter look at
WAV files still finds what FFmpeg's full look finds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import media
import numpy as np
import pytest
from ffstream import StreamReader

# Encoder arguments for audio that some WAV files carry under the PCM tag.
_HIDDEN = {
    "dts": ["-c:a", "dca", "-strict", "-2", "-f", "dts"],
    "ac3": ["-c:a", "ac3", "-f", "ac3"],
    "mp3": ["-c:a", "libmp3lame", "-f", "mp3"],
}


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def _ffprobe_codec(path: Path, probesize: str | None = None) -> str:
    extra = ["-probesize", probesize] if probesize else []
    return subprocess.run(
        [media.FFPROBE, "-v", "error", *extra, "-show_entries", "stream=codec_name",
         "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


@pytest.fixture(scope="module", params=sorted(_HIDDEN))
def hidden_in_wav(request, tmp_path_factory) -> tuple:
    """(codec, path): 3 s of that codec's bitstream copied into a WAV file as
    if it were 16-bit stereo PCM, as CD rips of DTS and AC-3 music are."""
    codec = request.param
    d = tmp_path_factory.mktemp("hidden")
    raw, wav = d / f"raw.{codec}", d / f"{codec}_as_pcm.wav"
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3", "-ac", "2",
            *_HIDDEN[codec], str(raw))
    _ffmpeg("-f", "s16le", "-ar", "44100", "-ac", "2", "-i", str(raw), "-c:a", "copy", str(wav))
    return codec, wav


def test_codec_stored_as_pcm_is_found(hidden_in_wav, as_input):
    codec, wav = hidden_in_wav
    assert _ffprobe_codec(wav) == codec
    info = StreamReader(as_input(wav)).get_src_stream_info(0)
    assert info.codec == codec


def test_codec_stored_as_pcm_decodes_as_that_codec(hidden_in_wav):
    codec, wav = hidden_in_wav
    r = StreamReader(str(wav))
    r.add_basic_audio_stream(-1)
    r.process_all_packets()
    chunk = r.pop_chunks()[0]
    # Decoded as the codec, the data is the 440 Hz tone, not noise.
    spectrum = np.abs(np.fft.rfft(chunk[:, 0].numpy()))
    peak_hz = np.argmax(spectrum) * 44100 / chunk.shape[0]
    assert chunk.shape[1] == 2
    assert abs(peak_hz - 440) < 5


@pytest.mark.parametrize("probesize", ["4096", "16384", "5000000"])
def test_explicit_probesize_is_ffmpegs_own(hidden_in_wav, probesize):
    _, wav = hidden_in_wav
    info = StreamReader(str(wav), option={"probesize": probesize}).get_src_stream_info(0)
    assert info.codec == _ffprobe_codec(wav, probesize)


def test_plain_pcm_wav_stays_pcm(make_media):
    wav = make_media("sine.wav")
    r = StreamReader(str(wav))
    assert r.get_src_stream_info(0).codec == "pcm_s16le"
    r.add_basic_audio_stream(-1)
    r.process_all_packets()
    chunk = r.pop_chunks()[0]
    assert chunk.shape == (32000, 1)
    t = np.arange(32000) / 16000
    np.testing.assert_allclose(chunk[:, 0].numpy(), 0.125 * np.sin(2 * np.pi * 440 * t), atol=2e-4)
