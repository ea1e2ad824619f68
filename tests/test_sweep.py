"""Every frame size and format, every sample format and channel count,
against the ffmpeg command.

Tidy test media (64x48, 1280x720) hide the bugs of the one-copy path: a
chunk's rows are packed, while FFmpeg's SIMD code writes whole blocks and
assumes padded rows. This sweep decodes FFmpeg's test pattern at sizes of
every remainder modulo 2, 4, 8, 16, 32 and 64 around 1, 2, 3 and common
sizes, from every input format family the core treats differently, into
every output layout of the API, and compares each tensor with the ffmpeg
command's output of the same conversion. Each case decodes twice (whole, and
in chunks that do not divide the frame count): bytes left unwritten would
differ between the two. tests/cpp/test_converter.cpp does the same for the
converter alone, with guard pages behind the chunk memory.
"""

from __future__ import annotations

import subprocess
from typing import List, Optional, Tuple

import media
import numpy as np
import pytest
import torch
from ffstream import StreamReader

RATE = 10
FRAMES = 3

# (width, height). Odd, 2 mod 4, and both sides of 8, 16, 32 and 64.
SIZES = [
    (1, 1), (2, 2), (3, 3), (5, 7), (6, 2), (15, 5), (17, 9), (30, 4), (31, 7),
    (33, 5), (63, 4), (64, 6), (65, 3), (66, 10), (97, 3), (127, 11), (129, 5),
    (121, 80), (200, 112), (224, 224), (321, 240), (426, 240), (854, 480),
    (1366, 768), (1920, 1080),
]
AWKWARD = [(3, 3), (17, 9), (66, 10), (129, 5), (854, 480)]
# Input formats the core treats differently (planar, semi-planar, >8 bits,
# full range, packed, palette); "crop" makes frames whose data pointers are
# not aligned, as a decoder's cropped 1080p frames are.
INPUTS = ["yuv420p", "yuvj420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv444p10le",
          "nv12", "gray", "rgb24", "rgba", "pal8"]
# Output formats of the API, each with its layout.
OUTPUTS = ["rgb24", "bgr24", "rgba", "argb", "gray", "rgb48le", "yuv444p", "yuv420p",
           "yuv420p10le", "nv12", "i420"]
_PACKED = {"rgb24": 3, "bgr24": 3, "rgba": 4, "argb": 4, "gray": 1, "rgb48le": 3}


def _source(width: int, height: int, pix_fmt: str, crop: bool = False) -> str:
    """The pattern at `width` x `height` in `pix_fmt`, cut from a bigger one
    (testsrc2 has a minimum size). With `crop`, cut in `pix_fmt` itself at
    odd offsets, so that the frames' data pointers are not aligned (chroma
    subsampled formats round the size down to even there)."""
    # The same pattern for an odd width and the next even one (see _check).
    even = width + width % 2
    src = f"testsrc2=size={max(even, 16) + 6}x{max(height, 16) + 1}:rate={RATE}"
    if crop:
        src += f",format={pix_fmt},crop={width}:{height}:5:1"
    else:
        # An odd width is cut from the even one after the conversion, so that
        # its chroma equals the even frame's (FFmpeg 8.1 computes the last
        # chroma column of an odd-width frame from its one last pixel).
        src += f",format=rgba,crop={even}:{height}:0:0,format={pix_fmt}"
        if width != even:
            src += f",crop=w={width}:h={height}:x=0:y=0:exact=1"
    return f"{src},trim=end_frame={FRAMES}"


def _ffmpeg_raw(source: str, vf: Optional[str], pix_fmt: str) -> bytes:
    cmd = [media.FFMPEG, "-nostdin", "-v", "error", "-f", "lavfi", "-i", source]
    if vf:
        cmd += ["-vf", vf]
    cmd += ["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"]
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def _upsample(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour chroma upsampling, torchaudio's YUV layout."""
    return plane.repeat(2, axis=-2).repeat(2, axis=-1)[..., :height, :width]


def _reference(source: str, vf: Optional[str], out: str, width: int, height: int) -> torch.Tensor:
    """The ffmpeg command's frames in the layout and dtype of the API."""
    ffmpeg_fmt = "yuv420p" if out == "i420" else out
    raw = _ffmpeg_raw(source, vf, ffmpeg_fmt)
    cw, ch = (width + 1) // 2, (height + 1) // 2
    if out in _PACKED:
        dtype = np.uint16 if out == "rgb48le" else np.uint8
        a = np.frombuffer(raw, dtype).reshape(-1, height, width, _PACKED[out]).transpose(0, 3, 1, 2)
        if out == "rgb48le":  # int16 holding the value minus 32768
            a = (a.astype(np.int32) - 32768).astype(np.int16)
        return torch.from_numpy(a.copy())
    if out == "yuv444p":
        return torch.from_numpy(np.frombuffer(raw, np.uint8).reshape(-1, 3, height, width).copy())
    if out == "i420":
        return torch.from_numpy(np.frombuffer(raw, np.uint8).reshape(-1, height * 3 // 2, width).copy())
    wide = out == "yuv420p10le"
    flat = np.frombuffer(raw, np.uint16 if wide else np.uint8)
    frames = flat.reshape(-1, height * width + 2 * ch * cw)
    y = frames[:, : height * width].reshape(-1, height, width)
    rest = frames[:, height * width:]
    if out == "nv12":
        uv = rest.reshape(-1, ch, cw, 2)
        u, v = uv[..., 0], uv[..., 1]
    else:
        u = rest[:, : ch * cw].reshape(-1, ch, cw)
        v = rest[:, ch * cw:].reshape(-1, ch, cw)
    a = np.stack([y, _upsample(u, height, width), _upsample(v, height, width)], axis=1)
    return torch.from_numpy(a.astype(np.int16) if wide else a.copy())


def _decode(source: str, frames_per_chunk: int, **output) -> Tuple[torch.Tensor, str]:
    r = StreamReader(source, format="lavfi")
    r.add_basic_video_stream(frames_per_chunk, **output)
    chunks: List[torch.Tensor] = []
    for (chunk,) in r.stream():
        chunks.append(chunk)
    return torch.cat(chunks), r.get_out_stream_info(0).filter_description


# FFmpeg 5.1's unscaled converters from 8-bit 4:2:0 and 4:2:2 to RGB work on
# pixel pairs: for an odd width and an even height they leave the last column
# unwritten in some outputs (argb, abgr, rgb48le on x86-64), which the ffmpeg
# command's output shows as zeros. ffstream converts such frames one column
# wider (detail/converter.cpp): the reference's last column is the ffmpeg
# command's of the pattern one column wider (FFmpeg 8.1 still has the bug).
_PAIRS_INPUTS = {"yuv420p", "yuvj420p", "yuv422p"}
_RGB_OUTPUTS = {"rgb24", "bgr24", "rgba", "argb", "rgb48le"}


# The colour-range rule (detail/converter.h): a YUV chunk holds limited-range
# samples. FFmpeg 7.1 and later keep a full-range input's range through a
# conversion to a YUV format, 5.1 made it limited: the reference asks for
# limited range in that same conversion, which 5.1 did anyway.
_YUV_OUTPUTS = {"yuv444p", "yuv420p", "yuv420p10le", "nv12", "i420"}
_FULL_RANGE_INPUTS = {"yuvj420p"}


def _check(source: str, out: str, size: Tuple[int, int], wider: Optional[str] = None,
           full_range: bool = False, **output) -> None:
    """`source` decoded by an output of format `out` and `output` options
    equals the ffmpeg command's frames; `size` is the source's (the
    output's, when it scales). With `wider` (the same pattern one column
    wider), the reference's last column is that pattern's."""
    width, height = size
    if out == "i420":
        output.update(format="yuv420p", yuv_layout="i420")
    else:
        output["format"] = out
    whole, desc = _decode(source, -1, **output)
    if "width" not in output:  # formats with chroma subsampling round odd sizes down
        info = StreamReader(source, format="lavfi").get_src_stream_info(0)
        width, height = info.width, info.height
    chunked, _ = _decode(source, 2, **output)
    # The output's own filter description, run by the ffmpeg command (a
    # format-only output is converted by the core's converter instead of the
    # graph; the two give the same bytes).
    if full_range and out in _YUV_OUTPUTS:
        desc = "scale=out_range=tv," + desc
    want = _reference(source, desc, out, width, height)
    if wider is not None and width % 2 == 1 and height % 2 == 0:
        # The last column from the wider pattern. Only that one: FFmpeg 8.1
        # converts a pattern 63 and 64 wide along other paths whose other
        # columns differ (5.1's agree there).
        want[..., width - 1] = _reference(wider, desc, out, width + 1, height)[..., width - 1]
    assert whole.shape == want.shape, (whole.shape, want.shape)
    assert whole.dtype == want.dtype
    assert torch.equal(chunked, whole), "the same frames decoded twice differ"
    if not torch.equal(whole, want):
        diff = (whole.to(torch.int32) - want.to(torch.int32)).abs()
        where = diff.nonzero()[:5].tolist()
        pytest.fail(f"{int((diff > 0).sum())} values differ from ffmpeg, first at {where}")


def _cases():
    cases = set()
    for w, h in SIZES:  # every size, every input, into the hot path
        for i in INPUTS:
            cases.add((w, h, i, "rgb24", False))
        for o in OUTPUTS:  # every size, every output, from the decoders' format
            cases.add((w, h, "yuv420p", o, False))
    for i in INPUTS:  # 1080p cropped at odd offsets, unaligned as a decoder's crop
        cases.add((1920, 1080, i, "rgb24", True))
    for w, h in AWKWARD:  # every input into every output at awkward sizes
        for i in INPUTS:
            for o in OUTPUTS:
                cases.add((w, h, i, o, False))
            cases.add((w, h, i, "rgb24", True))
    # i420 keeps the decoded planes: even sizes only (odd ones raise).
    return sorted(c for c in cases if c[3] != "i420" or (c[0] % 2 == 0 and c[1] % 2 == 0))


@pytest.mark.parametrize("width,height,input_fmt,out,crop", _cases())
def test_every_size_and_format_matches_ffmpeg(width, height, input_fmt, out, crop):
    wider = None
    if input_fmt in _PAIRS_INPUTS and out in _RGB_OUTPUTS and not crop:
        wider = _source(width + 1, height, input_fmt)
    _check(_source(width, height, input_fmt, crop), out, (width, height), wider,
           full_range=input_fmt in _FULL_RANGE_INPUTS)


@pytest.mark.parametrize("src_size", [(854, 480), (321, 240), (17, 9), (1920, 1080)])
@pytest.mark.parametrize("out_size", [(224, 224), (33, 17), (1, 1), (426, 240)])
@pytest.mark.parametrize("out", ["rgb24", "gray", "yuv444p", "yuv420p"])
def test_scaled_outputs_match_ffmpeg(src_size, out_size, out):
    _check(_source(*src_size, "yuv420p"), out, out_size, width=out_size[0], height=out_size[1])


@pytest.mark.parametrize("size", [(854, 480), (31, 7)])
@pytest.mark.parametrize("out", ["rgb24", "yuv420p"])
def test_frame_rate_changed_outputs_match_ffmpeg(size, out):
    _check(_source(*size, "yuv420p"), out, size, frame_rate=4)


def test_i420_refuses_odd_sizes():
    r = StreamReader(_source(17, 9, "yuv420p"), format="lavfi")
    with pytest.raises(RuntimeError, match="even width and height"):
        r.add_basic_video_stream(-1, format="yuv420p", yuv_layout="i420")
        r.process_all_packets()


# ---- audio ----
# Every sample format in and out, 1 to 16 channels, several rates, frames of
# 1000 samples cut into chunks that do not divide them.
_RAW_AUDIO = {"u8": ("u8", np.uint8), "s16": ("s16le", np.int16), "s32": ("s32le", np.int32),
              "flt": ("f32le", np.float32), "dbl": ("f64le", np.float64)}


def _audio_source(rate: int, channels: int, sample_fmt: str) -> str:
    # A different tone on each channel, so that a channel mix-up shows.
    tones = "|".join(f"0.8*sin(2*PI*{110 * (c + 1)}*t)" for c in range(channels))
    return f"aevalsrc={tones}:s={rate}:d=0.5:n=1000,aformat=sample_fmts={sample_fmt}"


def _ffmpeg_audio(source: str, af: Optional[str], out: str, channels: int) -> torch.Tensor:
    raw_fmt, dtype = _RAW_AUDIO[out.rstrip("p")]
    cmd = [media.FFMPEG, "-nostdin", "-v", "error", "-f", "lavfi", "-i", source]
    if af:
        cmd += ["-af", af]
    cmd += ["-f", raw_fmt, "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    return torch.from_numpy(np.frombuffer(raw, dtype).reshape(-1, channels).copy())


def _decode_audio(source: str, frames_per_chunk: int, **output) -> Tuple[torch.Tensor, str]:
    r = StreamReader(source, format="lavfi")
    # Keep every chunk: one 1000-sample frame fills more than three small ones.
    r.add_basic_audio_stream(frames_per_chunk, buffer_chunk_size=-1, **output)
    chunks = [chunk for (chunk,) in r.stream()]
    if frames_per_chunk > 0:
        assert all(len(c) == frames_per_chunk for c in chunks[:-1])
    return torch.cat(chunks), r.get_out_stream_info(0).filter_description


def _audio_cases():
    cases = set()
    for channels in (1, 2, 6, 8, 16):
        for fmt in ("u8", "s16", "s32", "flt", "dbl", "u8p", "s16p", "s32p", "fltp", "dblp"):
            cases.add((44100, channels, fmt, "flt", 1023))   # every input format
            cases.add((48000, channels, "fltp", fmt, 999))   # every output format
    for rate in (8000, 22050, 44100, 48000):
        for chunk in (1, 7, 1000, 4097):
            cases.add((rate, 2, "s16p", "s16", chunk))
    return sorted(cases)


@pytest.mark.parametrize("rate,channels,input_fmt,out,frames_per_chunk", _audio_cases())
def test_every_sample_format_and_layout_matches_ffmpeg(rate, channels, input_fmt, out, frames_per_chunk):
    source = _audio_source(rate, channels, input_fmt)
    got, desc = _decode_audio(source, frames_per_chunk, format=out)
    again, _ = _decode_audio(source, -1, format=out)
    want = _ffmpeg_audio(source, desc, out, channels)
    assert got.shape == (rate // 2, channels) == want.shape
    assert torch.equal(got, again), "the same samples decoded twice differ"
    assert torch.equal(got, want)


@pytest.mark.parametrize("channels,num_channels", [(1, 2), (6, 2), (8, 1), (2, 6)])
@pytest.mark.parametrize("sample_rate", [None, 16000, 44099])
def test_remixed_and_resampled_audio_matches_ffmpeg(channels, num_channels, sample_rate):
    source = _audio_source(48000, channels, "fltp")
    got, desc = _decode_audio(source, 777, num_channels=num_channels, sample_rate=sample_rate)
    want = _ffmpeg_audio(source, desc, "flt", num_channels)
    assert got.shape == want.shape
    assert torch.equal(got, want)
