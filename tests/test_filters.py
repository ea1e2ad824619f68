"""Filter descriptions (the builders of add_basic_*_stream and filter_desc
chains that change rate, size, channels, tempo and format), output stream
info, remove_stream, several outputs of one source, and bad arguments."""

from __future__ import annotations

from functools import lru_cache

import ffstream
import media
import numpy as np
import pytest
import torch
from ffstream import StreamReader
from helpers import dominant_frequency

W, H = media.VIDEO_SIZE
N_VIDEO = media.VIDEO_RATE * media.DURATION
N_AUDIO = media.SINE_RATE * media.DURATION
STEREO_FRAMES = 44100 * media.DURATION


@lru_cache(maxsize=None)
def video_reference(path, vf="") -> np.ndarray:
    return media.ffmpeg_decode_video(path, "rgb24", vf=vf)


def decode_all(reader: StreamReader):
    """Every chunk of every output, concatenated per output."""
    outputs = [[] for _ in range(reader.num_out_streams)]
    for item in reader.stream():
        for i, chunk in enumerate(item):
            if chunk is not None:
                outputs[i].append(chunk)
    return [torch.cat(chunks) if chunks else None for chunks in outputs], outputs


# ---- filter strings built by add_basic_*_stream ----


@pytest.mark.parametrize(
    "args,expected",
    [
        ((8000, "s16", 1), "aresample=8000,aformat=sample_fmts=s16:channel_layouts=1c"),
        ((None, "fltp", None), "aformat=sample_fmts=fltp"),
        ((44100, None, None), "aresample=44100"),
        ((None, None, 2), "aformat=channel_layouts=2c"),
        ((16000, None, 2), "aresample=16000,aformat=channel_layouts=2c"),
        ((None, None, None), "anull"),
    ],
)
def test_audio_filter_strings(make_media, args, expected):
    # torchaudio's strings, which code written for it may compare.
    sample_rate, fmt, num_channels = args
    reader = StreamReader(str(make_media("av.mp4")))
    reader.add_basic_audio_stream(
        100, format=fmt, sample_rate=sample_rate, num_channels=num_channels
    )
    assert reader.get_out_stream_info(0).filter_description == expected


@pytest.mark.parametrize(
    "args,expected",
    [
        ((10, 32, 24, "rgb24"), "fps=10,scale=width=32:height=24,format=pix_fmts=rgb24"),
        ((None, None, None, "rgb24"), "format=pix_fmts=rgb24"),
        # FFmpeg 5.1 refuses "scale=width=32" alone (torchaudio failed there).
        ((None, 32, None, None), "scale=width=32:height=ih"),
        ((None, None, 24, "gray"), "scale=height=24,format=pix_fmts=gray"),
        ((30000 / 1001, None, None, None), f"fps={30000 / 1001}"),
        ((12.5, None, None, None), "fps=12.5"),
        ((None, None, None, None), "null"),
    ],
)
def test_video_filter_strings(make_media, args, expected):
    frame_rate, width, height, fmt = args
    reader = StreamReader(str(make_media("av.mp4")))
    reader.add_basic_video_stream(
        5, format=fmt, frame_rate=frame_rate, width=width, height=height
    )
    assert reader.get_out_stream_info(0).filter_description == expected
    reader.fill_buffer()
    (chunk,) = reader.pop_chunks()
    assert chunk.shape[-2:] == (height or H, width or W)


def test_basic_streams_use_the_builders_strings(make_media):
    reader = StreamReader(str(make_media("av.mp4")))
    reader.add_basic_video_stream(5, frame_rate=10, width=32, height=24)
    reader.add_basic_audio_stream(100, format="s16", sample_rate=8000, num_channels=1)
    assert reader.get_out_stream_info(0).filter_description == (
        "fps=10,scale=width=32:height=24,format=pix_fmts=rgb24"
    )
    assert reader.get_out_stream_info(1).filter_description == (
        "aresample=8000,aformat=sample_fmts=s16:channel_layouts=1c"
    )


# ---- filter_desc chains ----


def test_fps_filter_changes_the_frame_count_and_pts(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_video_stream(7, -1, filter_desc="fps=10,format=pix_fmts=rgb24")
    info = reader.get_out_stream_info(0)
    assert info.frame_rate == 10
    (frames,), (chunks,) = decode_all(reader)
    assert frames.shape == (20, 3, H, W)
    assert [c.shape[0] for c in chunks] == [7, 7, 6]
    assert [c.pts for c in chunks] == pytest.approx([0.0, 0.7, 1.4])
    ref = video_reference(path, "fps=10")
    assert np.array_equal(frames.permute(0, 2, 3, 1).numpy(), ref)


def test_basic_frame_rate_raises_the_frame_count(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, -1, frame_rate=50)
    assert reader.get_out_stream_info(0).frame_rate == 50
    (frames,), _ = decode_all(reader)
    # Every source frame shown twice, the last one included (as ffmpeg -vf fps=50).
    assert frames.shape[0] == 100
    ref = video_reference(path)
    assert np.array_equal(frames[::2].permute(0, 2, 3, 1).numpy(), ref)
    assert torch.equal(frames[::2], frames[1::2])


@pytest.mark.parametrize("rate,count", [(25, 50), (30, 60), (24, 48), (50, 100), (10, 20), (5, 10)])
def test_fps_filter_frame_counts_match_ffmpeg(make_media, rate, count):
    # The graph is closed at the end time of the last frame, as the ffmpeg
    # command does, so the last source frame keeps its duration.
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_video_stream(-1, -1, filter_desc=f"fps={rate},format=pix_fmts=rgb24")
    (frames,), _ = decode_all(reader)
    ref = video_reference(path, f"fps={rate}")
    assert len(ref) == count
    assert frames.shape[0] == count
    assert np.array_equal(frames.permute(0, 2, 3, 1).numpy(), ref)


def test_scale_filter_changes_the_size(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_video_stream(-1, -1, filter_desc="scale=32:24,format=pix_fmts=rgb24")
    info = reader.get_out_stream_info(0)
    assert (info.width, info.height) == (32, 24)
    (frames,), _ = decode_all(reader)
    assert frames.shape == (N_VIDEO, 3, 24, 32)
    ref = media.ffmpeg_decode_video_packed(path, "rgb24", 3, vf="scale=32:24", size=(32, 24))
    assert np.array_equal(frames.permute(0, 2, 3, 1).numpy(), ref)


def test_basic_width_height_and_format(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(10, -1, width=32, height=24, format="gray")
    info = reader.get_out_stream_info(0)
    assert (info.width, info.height, info.format) == (32, 24, "gray")
    (frames,), _ = decode_all(reader)
    assert frames.shape == (N_VIDEO, 1, 24, 32)
    assert frames.dtype == torch.uint8


def test_channel_layout_filter_changes_the_channel_count(make_media):
    path = make_media("flac.flac")
    reader = StreamReader(str(path))
    reader.add_audio_stream(-1, -1, filter_desc="aformat=sample_fmts=flt:channel_layouts=stereo")
    info = reader.get_out_stream_info(0)
    assert info.num_channels == 2
    (samples,), _ = decode_all(reader)
    assert samples.shape == (N_AUDIO, 2)
    assert torch.equal(samples[:, 0], samples[:, 1])
    ref = media.ffmpeg_decode_audio_as(path, 2, af="aformat=channel_layouts=stereo")
    assert np.abs(samples.numpy() - ref).max() < 1e-6


def test_atempo_halves_the_samples_and_keeps_the_pitch(make_media):
    path = make_media("flac.flac")
    reader = StreamReader(str(path))
    reader.add_audio_stream(1000, -1, filter_desc="atempo=2.0,aformat=sample_fmts=fltp")
    (samples,), (chunks,) = decode_all(reader)
    assert abs(samples.shape[0] - N_AUDIO // 2) < 400
    assert all(c.shape[0] == 1000 for c in chunks[:-1])
    ref = media.ffmpeg_decode_audio(path, af="atempo=2.0")
    assert ref.shape == samples.shape
    assert np.abs(samples.numpy() - ref).max() < 1e-6
    assert dominant_frequency(samples[:, 0].numpy(), media.SINE_RATE) == pytest.approx(
        media.SINE_HZ, abs=1
    )


def test_aresample_filter_changes_the_rate(make_media):
    path = make_media("stereo_f32.wav")
    reader = StreamReader(str(path))
    reader.add_audio_stream(-1, -1, filter_desc="aresample=16000")
    info = reader.get_out_stream_info(0)
    assert info.sample_rate == 16000
    (samples,), _ = decode_all(reader)
    assert abs(samples.shape[0] - N_AUDIO) <= 16
    ref = media.ffmpeg_decode_audio(path, af="aresample=16000")
    assert ref.shape == samples.shape
    assert np.abs(samples.numpy() - ref).max() < 1e-6


def test_sample_format_filter_gives_int32(make_media):
    path = make_media("flac.flac")
    reader = StreamReader(str(path))
    reader.add_audio_stream(-1, -1, filter_desc="aformat=sample_fmts=s32")
    assert reader.get_out_stream_info(0).format == "s32"
    (samples,), _ = decode_all(reader)
    assert samples.dtype == torch.int32
    assert samples.shape == (N_AUDIO, 1)
    s16 = media.ffmpeg_decode_audio_as(path, 1, sample_fmt="s16le", dtype=np.int16)
    # s16 -> s32 is a shift by 16 bits.
    assert np.array_equal(samples.numpy(), s16.astype(np.int32) << 16)


# ---- get_out_stream_info ----


def test_out_stream_info_of_audio_and_video(make_media):
    reader = StreamReader(str(make_media("av.mp4")))
    reader.add_video_stream(5, filter_desc="scale=32:24,format=pix_fmts=gray")
    reader.add_audio_stream(
        100, stream_index=1, filter_desc="aresample=8000,aformat=sample_fmts=s16:channel_layouts=stereo"
    )
    reader.add_basic_video_stream(5)
    reader.add_audio_stream(100)
    assert reader.num_out_streams == 4

    v = reader.get_out_stream_info(0)
    assert v.media_type == "video"
    assert v.source_index == 0
    assert v.filter_description == "scale=32:24,format=pix_fmts=gray"
    assert (v.format, v.width, v.height, v.frame_rate) == ("gray", 32, 24, 25)

    a = reader.get_out_stream_info(1)
    assert a.media_type == "audio"
    assert a.source_index == 1
    assert a.filter_description == "aresample=8000,aformat=sample_fmts=s16:channel_layouts=stereo"
    assert (a.format, a.sample_rate, a.num_channels) == ("s16", 8000, 2)

    v = reader.get_out_stream_info(2)
    assert (v.format, v.width, v.height, v.frame_rate) == ("rgb24", W, H, 25)
    assert v.filter_description == "format=pix_fmts=rgb24"

    a = reader.get_out_stream_info(3)
    assert a.source_index == 1
    assert a.filter_description == "anull"
    assert (a.format, a.sample_rate, a.num_channels) == ("fltp", media.SINE_RATE, 1)


def test_out_stream_info_without_filter_describes_the_null_filter(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_video_stream(5)
    info = reader.get_out_stream_info(0)
    assert info.filter_description == "null"
    assert info.format == "yuv420p"


# ---- remove_stream, several outputs ----


def test_remove_stream_mid_stream_leaves_the_other_output_complete(make_media):
    path = make_media("stereo_f32.wav")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(4410, -1, sample_rate=16000, num_channels=1)
    reader.add_basic_audio_stream(4410, -1)
    assert reader.num_out_streams == 2
    kept = []
    for i, item in enumerate(reader.stream()):
        if i < 3:
            assert len(item) == 2
            assert item[0].shape == (4410, 1)
            kept.append(item[1])
        else:
            assert len(item) == 1
            kept.append(item[0])
        if i == 2:
            reader.remove_stream(0)
            assert reader.num_out_streams == 1
            info = reader.get_out_stream_info(0)
            assert (info.sample_rate, info.num_channels) == (44100, 2)
    assert [c.shape[0] for c in kept] == [4410] * 20
    assert [c.pts for c in kept] == pytest.approx([i * 0.1 for i in range(20)])
    ref = media.ffmpeg_decode_audio(path)
    assert np.array_equal(torch.cat(kept).numpy(), ref)


def test_remove_stream_of_another_source_stream(make_media):
    path = make_media("av.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(4000, -1)
    reader.add_basic_video_stream(10, -1)
    reader.fill_buffer()
    first_audio, first_video = reader.pop_chunks()
    reader.remove_stream(0)  # the audio
    assert reader.num_out_streams == 1
    assert reader.get_out_stream_info(0).media_type == "video"
    (frames,), _ = decode_all(reader)
    frames = torch.cat([first_video, frames])
    assert np.array_equal(frames.permute(0, 2, 3, 1).numpy(), video_reference(path))
    with pytest.raises(IndexError):
        reader.remove_stream(1)


def test_two_outputs_of_one_source_stream(make_media):
    path = make_media("stereo_f32.wav")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(1600, -1, sample_rate=16000, num_channels=1)
    reader.add_basic_audio_stream(4410, -1, sample_rate=44100, num_channels=2)
    assert reader.get_out_stream_info(0).source_index == 0
    assert reader.get_out_stream_info(1).source_index == 0
    (mono, stereo), (mono_chunks, stereo_chunks) = decode_all(reader)
    assert abs(mono.shape[0] - N_AUDIO) <= 16 and mono.shape[1] == 1
    assert stereo.shape == (STEREO_FRAMES, 2)
    assert [c.pts for c in mono_chunks] == pytest.approx([i * 0.1 for i in range(len(mono_chunks))])
    assert [c.pts for c in stereo_chunks] == pytest.approx([i * 0.1 for i in range(20)])
    assert np.array_equal(stereo.numpy(), media.ffmpeg_decode_audio(path))
    ref = media.ffmpeg_decode_audio_as(path, 1, af="aresample=16000,aformat=channel_layouts=mono")
    assert ref.shape == mono.shape
    assert np.abs(mono.numpy() - ref).max() < 1e-6


def test_two_outputs_of_the_av_audio_stream_and_its_video(make_media):
    path = make_media("av.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(1000, -1)
    reader.add_basic_audio_stream(1000, -1, sample_rate=8000, format="s16")
    reader.add_basic_video_stream(10, -1)
    (a16, a8, video), _ = decode_all(reader)
    ref = media.ffmpeg_decode_audio(path)
    assert np.array_equal(a16.numpy(), ref)
    assert a8.dtype == torch.int16
    assert abs(a8.shape[0] - ref.shape[0] // 2) <= 16
    assert np.array_equal(video.permute(0, 2, 3, 1).numpy(), video_reference(path))


# ---- bad arguments ----


def test_stream_index_out_of_range(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    for add in (reader.add_basic_video_stream, reader.add_basic_audio_stream):
        with pytest.raises(IndexError) as excinfo:
            add(5, stream_index=7)
        assert isinstance(excinfo.value, RuntimeError)
        assert "7" in str(excinfo.value)
    assert reader.num_out_streams == 0


def test_output_index_out_of_range(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_basic_video_stream(5)
    with pytest.raises(IndexError):
        reader.get_out_stream_info(1)
    with pytest.raises(IndexError):
        reader.remove_stream(1)
    assert reader.num_out_streams == 1


def test_audio_output_on_a_video_stream(make_media):
    reader = StreamReader(str(make_media("av.mp4")))
    with pytest.raises(ValueError) as excinfo:
        reader.add_basic_audio_stream(5, stream_index=0)
    assert isinstance(excinfo.value, RuntimeError)
    assert "video" in str(excinfo.value)
    with pytest.raises(ValueError) as excinfo:
        reader.add_basic_video_stream(5, stream_index=1)
    assert "audio" in str(excinfo.value)
    assert reader.num_out_streams == 0


def test_no_audio_stream_at_all(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    assert reader.default_audio_stream is None
    with pytest.raises(ffstream.FFStreamError, match="no audio stream"):
        reader.add_basic_audio_stream(5)


# "split[a][b]" was here while filter_desc took chains only; a graph of two
# outputs is now two outputs (test_complex_graphs.py). One whose two inputs
# name no stream is still wrong.
@pytest.mark.parametrize("desc", ["nosuchfilter=3", "scale=foo:bar:baz", "fps=10,,scale=2:2",
                                  "split[a][b];[a][c]hstack"])
def test_bad_filter_string_is_a_value_error_naming_it(make_media, desc):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(ValueError) as excinfo:
        reader.add_video_stream(5, filter_desc=desc)
    assert isinstance(excinfo.value, RuntimeError)
    assert desc in str(excinfo.value)
    assert reader.num_out_streams == 0


def test_video_filter_on_audio_stream_fails(make_media):
    reader = StreamReader(str(make_media("flac.flac")))
    with pytest.raises(ValueError) as excinfo:
        reader.add_audio_stream(5, filter_desc="scale=32:24")
    assert "scale=32:24" in str(excinfo.value)


def test_unknown_decoder_is_a_value_error_naming_it(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(ValueError) as excinfo:
        reader.add_basic_video_stream(5, decoder="no_such_decoder")
    assert isinstance(excinfo.value, RuntimeError)
    assert "no_such_decoder" in str(excinfo.value)
    assert reader.num_out_streams == 0


def test_decoder_of_another_codec_is_refused(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(ValueError) as excinfo:
        reader.add_basic_video_stream(5, decoder="vp9")
    assert "vp9" in str(excinfo.value)


def test_unknown_decoder_option_is_a_value_error_naming_the_key(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(ValueError) as excinfo:
        reader.add_basic_video_stream(5, decoder_option={"threads": "1", "no_such_option": "1"})
    assert isinstance(excinfo.value, RuntimeError)
    assert "no_such_option" in str(excinfo.value)
    assert reader.num_out_streams == 0
    # The reader is still usable.
    reader.add_basic_video_stream(5)
    reader.fill_buffer()
    (chunk,) = reader.pop_chunks()
    assert chunk.shape == (5, 3, H, W)


@pytest.mark.parametrize("fpc", [0, -2])
def test_bad_frames_per_chunk(make_media, fpc):
    reader = StreamReader(str(make_media("av.mp4")))
    with pytest.raises(ffstream.InvalidArgumentError, match="frames_per_chunk"):
        reader.add_basic_video_stream(fpc)
    with pytest.raises(ffstream.InvalidArgumentError, match="frames_per_chunk"):
        reader.add_basic_audio_stream(fpc)
    assert reader.num_out_streams == 0


@pytest.mark.parametrize("bcs", [0, -2])
def test_bad_buffer_chunk_size(make_media, bcs):
    reader = StreamReader(str(make_media("av.mp4")))
    with pytest.raises(ffstream.InvalidArgumentError, match="buffer_chunk_size"):
        reader.add_basic_video_stream(5, bcs)
    with pytest.raises(ffstream.InvalidArgumentError, match="buffer_chunk_size"):
        reader.add_basic_audio_stream(5, bcs)
    assert reader.num_out_streams == 0


def test_explicit_h264_decoder(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, -1, decoder="h264")
    (frames,), _ = decode_all(reader)
    assert np.array_equal(frames.permute(0, 2, 3, 1).numpy(), video_reference(path))


@pytest.mark.parametrize(
    "options",
    [{"threads": "2"}, {"threads": "2", "thread_type": "frame"}, {"threads": "0", "thread_type": "slice"}],
)
def test_threads_option_gives_identical_frames(make_media, options):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(10, -1, decoder_option=options)
    (frames,), (chunks,) = decode_all(reader)
    assert [c.pts for c in chunks] == pytest.approx([0.0, 0.4, 0.8, 1.2, 1.6])
    assert np.array_equal(frames.permute(0, 2, 3, 1).numpy(), video_reference(path))


def test_explicit_audio_decoder_and_option(make_media):
    path = make_media("flac.flac")
    reader = StreamReader(str(path))
    reader.add_basic_audio_stream(-1, -1, decoder="flac", decoder_option={"threads": "1"})
    (samples,), _ = decode_all(reader)
    assert np.array_equal(samples.numpy(), media.ffmpeg_decode_audio(path))
