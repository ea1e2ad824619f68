"""seek() in its three modes, against known frames and samples: the pts of
the first chunk after a seek and the data it holds."""

from __future__ import annotations

import math
import subprocess

import ffstream
import media
import numpy as np
import pytest
from ffstream import StreamReader
from helpers import read_rest
from media import audio_reference, video_reference

RATE = media.VIDEO_RATE
N_VIDEO = RATE * media.DURATION  # 50
GOP = 10  # key frame every 10 frames: every 0.4 s
N_AUDIO = media.SINE_RATE * media.DURATION




def first_frame_at_or_after(t: float, start: float = 0.0) -> int:
    return max(0, math.ceil(round((t - start) * RATE, 6)))


def check_consecutive_video(chunks, path, first: int, start: float = 0.0):
    """Chunks hold frames first, first+1, ... to the end, with matching pts."""
    ref = video_reference(path)
    k = first
    for chunk in chunks:
        assert chunk.pts == pytest.approx(start + k / RATE, abs=1e-6)
        n = chunk.shape[0]
        assert np.array_equal(chunk.permute(0, 2, 3, 1).numpy(), ref[k:k + n])
        k += n
    assert k == len(ref)


@pytest.mark.parametrize("t", [0, 0.5, 0.52, 1.0, 1.96, 0.39, 0.41, 0.8, 1.23])
def test_precise_seek_gives_the_first_frame_at_or_after_t(make_media, as_input, t):
    path = make_media("h264.mp4")
    reader = StreamReader(as_input(path))
    reader.add_basic_video_stream(5, -1)
    reader.seek(t, "precise")
    chunks = read_rest(reader)
    k = first_frame_at_or_after(t)
    assert chunks, "no frame after seek"
    assert chunks[0].pts == pytest.approx(k / RATE, abs=1e-6)
    assert chunks[0].pts >= t - 1e-9
    assert chunks[0].shape[0] == min(5, N_VIDEO - k)
    check_consecutive_video(chunks, path, k)


@pytest.mark.parametrize("t", [0, 0.5, 0.52, 1.0, 1.96, 0.39, 0.41, 0.8, 1.23])
def test_key_seek_gives_the_key_frame_at_or_before_t(make_media, t):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(5, -1)
    reader.seek(t, "key")
    chunks = read_rest(reader)
    key = (math.floor(round(t * RATE, 6)) // GOP) * GOP
    assert chunks[0].pts == pytest.approx(key / RATE, abs=1e-6)
    check_consecutive_video(chunks, path, key)


@pytest.mark.parametrize("t", [0, 0.5, 0.52, 1.0, 1.96, 0.39, 0.41])
def test_any_seek_starts_at_or_before_t(make_media, t):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(5, -1)
    reader.seek(t, "any")
    chunks = read_rest(reader)
    assert chunks, f"no frame at all after seek({t}, 'any')"
    first = chunks[0].pts * RATE
    assert first == pytest.approx(round(first), abs=1e-6)
    assert chunks[0].pts <= t + 1e-9
    # Frames before the next key frame may be damaged or missing (their
    # references were skipped); from the key frame on they are exact.
    k = round(first)
    ref = video_reference(path)
    frames = np.concatenate([c.permute(0, 2, 3, 1).numpy() for c in chunks])
    next_key = -(-k // GOP) * GOP
    tail = N_VIDEO - next_key
    assert len(frames) >= tail
    assert np.array_equal(frames[len(frames) - tail:], ref[next_key:])


@pytest.mark.parametrize(
    "t,frame",
    [(0.0, 0), (1.5, 0), (1.52, 1), (2.0, 13), (2.02, 13), (2.3, 20), (3.46, 49)],
)
def test_precise_seek_on_a_file_starting_at_1_5_s(make_media, t, frame):
    # Frames are at 1.5 + k/25: 2.0 falls between frames 12 (1.98) and 13 (2.02).
    path = make_media("offset.mkv")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(5, -1)
    reader.seek(t, "precise")
    chunks = read_rest(reader)
    assert frame == first_frame_at_or_after(t, media.START_OFFSET)
    assert chunks[0].pts == pytest.approx(media.START_OFFSET + frame / RATE, abs=1e-6)
    check_consecutive_video(chunks, path, frame, media.START_OFFSET)


def test_offset_file_without_seek_starts_at_1_5_s(make_media):
    path = make_media("offset.mkv")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(10, -1)
    chunks = read_rest(reader)
    check_consecutive_video(chunks, path, 0, media.START_OFFSET)


@pytest.mark.parametrize("t,key", [(1.5, 0), (2.0, 10), (2.3, 20), (3.0, 30), (3.46, 40)])
def test_key_seek_on_a_file_starting_at_1_5_s(make_media, t, key):
    path = make_media("offset.mkv")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(5, -1)
    reader.seek(t, "key")
    chunks = read_rest(reader)
    assert chunks[0].pts == pytest.approx(media.START_OFFSET + key / RATE, abs=1e-6)
    check_consecutive_video(chunks, path, key, media.START_OFFSET)


@pytest.mark.parametrize("t", [1.5, 2.0, 2.5])
def test_any_seek_on_a_file_starting_at_1_5_s(make_media, t):
    path = make_media("offset.mkv")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(5, -1)
    reader.seek(t, "any")
    chunks = read_rest(reader)
    assert chunks, f"no frame at all after seek({t}, 'any')"
    assert media.START_OFFSET - 1e-9 <= chunks[0].pts <= t + 1e-9


@pytest.mark.parametrize("t", [0.0, 0.5, 0.123456, 1.3, 1.9999])
@pytest.mark.parametrize("name", ["sine.wav", "flac.flac"])
def test_audio_precise_seek_is_sample_exact(make_media, name, t):
    path = make_media(name)
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(1000, -1)
    reader.seek(t)  # "precise" is the default
    chunks = read_rest(reader)
    # The sample at the tick nearest t (torchaudio's rounding): the one
    # whose period holds t, or the next when t is nearer to that.
    k = round(int(t * 1e6) * media.SINE_RATE / 1e6)
    assert chunks, "no samples after seek"
    assert abs(chunks[0].pts - t) <= 0.5 / media.SINE_RATE
    assert chunks[0].pts == pytest.approx(k / media.SINE_RATE, abs=1e-9)
    samples = np.concatenate([c.numpy() for c in chunks])
    assert np.array_equal(samples, audio_reference(path)[k:])
    assert [c.shape[0] for c in chunks[:-1]] == [1000] * (len(chunks) - 1)


@pytest.mark.parametrize("t", [0.5, 0.123456, 1.3])
def test_audio_precise_seek_stereo_44100(make_media, t):
    path = make_media("stereo_f32.wav")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(4096, -1, format=None)
    reader.seek(t)
    chunks = read_rest(reader)
    k = round(int(t * 1e6) * 44100 / 1e6)  # the nearest sample, as above
    assert chunks[0].pts == k / 44100
    samples = np.concatenate([c.numpy() for c in chunks])
    assert np.array_equal(samples, media.ffmpeg_decode_audio(path)[k:])


def test_seek_backwards_after_reading_to_the_end(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(10, -1)
    check_consecutive_video(read_rest(reader), path, 0)
    assert reader.process_packet() == 1
    reader.seek(0.5)
    check_consecutive_video(read_rest(reader), path, 13)
    reader.seek(0.0)
    check_consecutive_video(read_rest(reader), path, 0)


@pytest.mark.parametrize("name", ["sine.wav", "flac.flac"])
def test_audio_seek_backwards_after_reading_to_the_end(make_media, name):
    path = make_media(name)
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(4000, -1)
    assert sum(c.shape[0] for c in read_rest(reader)) == N_AUDIO
    reader.seek(0.25)
    chunks = read_rest(reader)
    assert chunks[0].pts == pytest.approx(0.25, abs=1e-9)
    assert np.array_equal(np.concatenate([c.numpy() for c in chunks]), audio_reference(path)[4000:])


def test_seek_drops_buffered_chunks(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(5, -1)
    reader.process_all_packets()  # 50 frames buffered
    reader.seek(1.0)
    chunks = read_rest(reader)
    check_consecutive_video(chunks, path, 25)


def test_seek_moves_every_output(make_media):
    path = make_media("av.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(5, -1)
    reader.add_basic_audio_stream(1600, -1)
    reader.seek(0.5)
    reader.fill_buffer()
    video, audio = reader.pop_chunks()
    assert video.pts == pytest.approx(0.52, abs=1e-6)
    assert np.array_equal(video.permute(0, 2, 3, 1).numpy(), video_reference(path)[13:18])
    assert audio.pts == pytest.approx(0.5, abs=1e-9)
    assert np.array_equal(audio.numpy(), audio_reference(path)[8000:9600])


def test_unknown_seek_mode_is_a_value_error_listing_the_modes(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(ValueError) as excinfo:
        reader.seek(1.0, "nearest")
    # ffstream's own argument error, which is also the documented ValueError.
    assert isinstance(excinfo.value, ffstream.InvalidArgumentError)
    message = str(excinfo.value)
    for mode in ("key", "any", "precise"):
        assert mode in message
    assert "nearest" in message


@pytest.mark.parametrize("mode", ["precise", "key", "any"])
def test_negative_timestamp_raises_runtime_error(make_media, mode):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_basic_video_stream(5)
    with pytest.raises(ffstream.InvalidArgumentError, match="seek timestamp must be"):
        reader.seek(-1.0, mode)
    # The reader still works afterwards.
    reader.fill_buffer()
    (chunk,) = reader.pop_chunks()
    assert chunk.pts == 0.0



# ---- MP2 in MPEG-PS: seeks land inside audio frames ----


def mp2_decode(path, decoder=None, seek=None, mode="precise"):
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(-1, decoder=decoder)
    if seek is not None:
        reader.seek(seek, mode)
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    return chunk, reader._seek_counters()


def ffmpeg_mp2(path, decoder=None):
    """The ffmpeg command's decode of the audio of `path` (mono float32)."""
    cmd = [media.FFMPEG, "-nostdin", "-v", "quiet"]
    cmd += ["-c:a", decoder] if decoder else []
    cmd += ["-i", str(path), "-map", "0:a", "-f", "f32le", "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.float32)


# FFmpeg's fixed-point MP2 decoder carries a rounding (dither) state across
# frames, one 16-bit step; its float twin has none.
@pytest.mark.parametrize("decoder,tolerance", [(None, 1 / 32768), ("mp2float", 0.0)])
@pytest.mark.parametrize("name", ["mp2_av.mpg", "mp2_av.ts", "mp2.mpg"])
def test_precise_seek_in_mpeg_mp2_is_sample_exact(make_media, name, decoder, tolerance):
    # In MPEG-PS the demuxer lands inside an MP2 frame, and the parser passes
    # on pieces of frames that the decoder refuses ("Header missing"); like
    # the ffmpeg command, the reader skips them until whole frames come.
    path = make_media(name)
    full, _ = mp2_decode(path, decoder)
    assert np.array_equal(full.numpy()[:, 0], ffmpeg_mp2(path, decoder))
    skipped = 0
    for t in (2.0, 2.5, 3.0):
        chunk, counters = mp2_decode(path, decoder, seek=t)
        skipped += counters.invalid_packets_skipped
        # The first sample is the one at t (frame pts are on a 90 kHz clock,
        # so sample times are exact to a fraction of a sample) ...
        assert abs(chunk.pts - t) < 1 / 44100, t
        start = round((chunk.pts - full.pts) * 44100)
        assert chunk.shape[0] == full.shape[0] - start, t
        # ... and every sample is the decode from the start's.
        assert (chunk - full[start:]).abs().max().item() <= tolerance, t
    if name.endswith(".mpg"):
        assert skipped > 0  # the case this test is about happened


def damage_mpeg_audio(data: bytes, keep: int) -> bytes:
    """`data`, an MPEG-1 or -2 program stream, with the payload of its audio
    packets zeroed after the first `keep`: the decoder fails on all of it."""
    out = bytearray(data)
    i, n = 0, 0
    while (i := out.find(b"\x00\x00\x01", i)) >= 0 and i + 6 <= len(out):
        sid = out[i + 3]
        if sid == 0xBA:  # pack header: MPEG-2 (14 bytes + stuffing) or MPEG-1
            i += 14 + (out[i + 13] & 7) if out[i + 4] & 0xC0 == 0x40 else 12
            continue
        if sid < 0xBB:
            i += 3
            continue
        end = i + 6 + int.from_bytes(out[i + 4 : i + 6], "big")
        if 0xC0 <= sid <= 0xDF:
            p = i + 6
            if out[p] & 0xC0 == 0x80:  # MPEG-2 PES header
                p += 3 + out[p + 2]
            else:  # MPEG-1: stuffing, buffer size, time stamps
                while out[p] == 0xFF:
                    p += 1
                p += 2 if out[p] & 0xC0 == 0x40 else 0
                p += {0x20: 5, 0x30: 10}.get(out[p] & 0xF0, 1)
            if n >= keep:
                out[p:end] = bytes(end - p)
            n += 1
        i = end
    assert n > keep
    return bytes(out)


@pytest.mark.parametrize("name", ["mp2_av.mpg", "mp2.mpg"])
def test_seek_into_damaged_audio_still_raises(make_media, tmp_path, name):
    # What is skipped after a seek is only what comes before the first whole
    # frame: audio damaged from 1.5 s on raises after a seek as it does when
    # read from the start, never ends as silently empty output.
    path = tmp_path / name
    path.write_bytes(damage_mpeg_audio(make_media(name).read_bytes(), keep=24))
    with pytest.raises(ffstream.InvalidDataError):
        mp2_decode(path)
    for mode in ("precise", "key"):
        for t in (2.0, 3.5):
            with pytest.raises(ffstream.InvalidDataError):
                mp2_decode(path, seek=t, mode=mode)
