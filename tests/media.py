"""Recipes for the test media, made with the ffmpeg command from lavfi sources,
and reference decodes by the ffmpeg command.

Every recipe is a list of ffmpeg arguments between the global options and the
output path. Files are made once per test session (see conftest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import numpy as np

# Known signals, so that decoded values can be checked.
SINE_HZ = 440
SINE_RATE = 16000
VIDEO_SIZE = (64, 48)  # width, height: small keeps the suite fast
VIDEO_RATE = 25
DURATION = 2  # seconds
START_OFFSET = 1.5  # seconds, for the file whose first pts is not 0

_V = f"testsrc2=size={VIDEO_SIZE[0]}x{VIDEO_SIZE[1]}:rate={VIDEO_RATE}:duration={DURATION}"
_A = f"sine=frequency={SINE_HZ}:sample_rate={SINE_RATE}:duration={DURATION}"
_A2 = f"sine=frequency=1000:sample_rate=44100:duration={DURATION}"
_TONES = "aevalsrc=0.5*sin(2*PI*440*t)+0.3*sin(2*PI*1234*t)|0.4*sin(2*PI*660*t):s={rate}:d=4"
# Key frame every 10 frames so that seeks land between key frames.
_GOP = ["-g", "10", "-keyint_min", "10", "-sc_threshold", "0"]

RECIPES: Dict[str, List[str]] = {
    "h264.mp4": ["-f", "lavfi", "-i", _V, "-c:v", "libx264", "-pix_fmt", "yuv420p", *_GOP],
    "vp9.webm": ["-f", "lavfi", "-i", _V, "-c:v", "libvpx-vp9", "-g", "10", "-deadline", "realtime"],
    "aac.m4a": ["-f", "lavfi", "-i", _A, "-c:a", "aac"],
    "mp3.mp3": ["-f", "lavfi", "-i", _A, "-c:a", "libmp3lame"],
    "flac.flac": ["-f", "lavfi", "-i", _A, "-c:a", "flac"],
    "sine.wav": ["-f", "lavfi", "-i", _A, "-c:a", "pcm_s16le"],
    # Two channels of known values: left 440 Hz, right 1000 Hz, 44.1 kHz.
    "stereo_f32.wav": [
        "-f", "lavfi", "-i", f"aevalsrc=sin(2*PI*440*t)|sin(2*PI*1000*t):s=44100:d={DURATION}",
        "-c:a", "pcm_f32le",
    ],
    "av.mp4": [
        "-f", "lavfi", "-i", _V, "-f", "lavfi", "-i", _A,
        "-c:v", "libx264", "-pix_fmt", "yuv420p", *_GOP, "-c:a", "aac", "-shortest",
    ],
    "two_audio.mkv": [
        "-f", "lavfi", "-i", _A, "-f", "lavfi", "-i", _A2,
        "-map", "0:a", "-map", "1:a", "-c:a", "flac",
    ],
    "tags.mkv": [
        "-f", "lavfi", "-i", _A, "-c:a", "flac",
        "-metadata", "title=ffstream test", "-metadata", "artist=lavfi",
        "-metadata:s:a:0", "language=eng",
    ],
    # Lossless RGB: decodes to exactly what ffmpeg's rawvideo rgb24 gives.
    "rgb_lossless.mkv": [
        "-f", "lavfi", "-i", _V, "-c:v", "libx264rgb", "-qp", "0", "-pix_fmt", "rgb24", *_GOP,
    ],
    # First pts at START_OFFSET seconds rather than 0.
    "offset.mkv": [
        "-f", "lavfi", "-i", _V, "-c:v", "libx264", "-pix_fmt", "yuv420p", *_GOP,
        "-output_ts_offset", str(START_OFFSET),
    ],
    # The same in MP4 (B-frames and an edit list that starts with an empty
    # edit of START_OFFSET seconds).
    "offset.mp4": [
        "-f", "lavfi", "-i", _V, "-c:v", "libx264", "-pix_fmt", "yuv420p", *_GOP,
        "-output_ts_offset", str(START_OFFSET),
    ],
    # Colour flagged BT.709, limited range (GPU RGB follows the flags), and a
    # 10-bit stream (NVDEC gives it as P010).
    "h264_bt709.mp4": [
        "-f", "lavfi", "-i", _V, "-c:v", "libx264", "-pix_fmt", "yuv420p", *_GOP,
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
        "-color_range", "tv",
    ],
    "hevc10.mp4": [
        "-f", "lavfi", "-i", _V, "-c:v", "libx265", "-pix_fmt", "yuv420p10le",
        "-x265-params", "log-level=error:keyint=10:min-keyint=10:scenecut=0",
    ],
    # Codecs with B-frames that no other frame refers to (skipped while a
    # precise seek decodes up to its target), each with a key frame every 10.
    "hevc.mp4": [
        "-f", "lavfi", "-i", _V, "-c:v", "libx265", "-pix_fmt", "yuv420p",
        "-x265-params", "log-level=error:keyint=10:min-keyint=10:scenecut=0:bframes=3",
    ],
    # The same in MPEG-TS, which seeks by byte position and dts: it lands on
    # frames that need earlier ones.
    "hevc.ts": [
        "-f", "lavfi", "-i", _V, "-c:v", "libx265", "-pix_fmt", "yuv420p",
        "-x265-params", "log-level=error:keyint=10:min-keyint=10:scenecut=0:bframes=3",
    ],
    # The same with audio, for seeks that must go back while audio flows.
    "hevc_av.mp4": [
        "-f", "lavfi", "-i", _V, "-f", "lavfi", "-i", _A,
        "-c:v", "libx265", "-pix_fmt", "yuv420p",
        "-x265-params", "log-level=error:keyint=10:min-keyint=10:scenecut=0:bframes=3",
        "-c:a", "alac", "-shortest",
    ],
    # Video at 30 fps in Matroska (pts rounded to whole ms: steps of 33 and
    # 34 ms) with audio that starts 1 s later.
    "late_audio.mkv": [
        "-f", "lavfi", "-i", _V.replace(f"rate={VIDEO_RATE}", "rate=30"),
        "-itsoffset", "1", "-f", "lavfi", "-i", _A,
        "-c:v", "libx264", "-pix_fmt", "yuv420p", *_GOP, "-c:a", "flac",
    ],
    "mpeg2.ts": ["-f", "lavfi", "-i", _V, "-c:v", "mpeg2video", "-bf", "2", "-g", "10"],
    "mpeg4.mkv": ["-f", "lavfi", "-i", _V, "-c:v", "mpeg4", "-bf", "2", "-g", "10"],
    # NTSC-rate video (time base 1001/30000 in AVI: one tick a frame) with a
    # key frame every 12 frames, as in the torchaudio comparisons.
    "ntsc_k12.avi": [
        "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30000/1001:duration=13",
        "-c:v", "mpeg4", "-g", "12", "-f", "avi",
    ],
    # 30 fps with frames 30-44 and 90-99 left out: the AVI muxer fills the
    # gaps with empty packets, so frame numbers and ticks differ.
    "dropped.avi": [
        "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30:duration=5",
        "-vf", "select='not(between(n\\,30\\,44)+between(n\\,90\\,99))'",
        "-fps_mode", "passthrough", "-c:v", "mpeg4", "-g", "12", "-f", "avi",
    ],
    # B-frames in AVI: packets carry a dts only, many frames have no pts.
    "bframes.avi": [
        "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=4",
        "-c:v", "mpeg4", "-g", "12", "-bf", "2", "-f", "avi",
    ],
    # H.264 with key frames 5 s apart, and in MPEG-TS with one a second.
    "far_keys.mp4": [
        "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=30:duration=10",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "150", "-keyint_min", "150",
        "-sc_threshold", "0",
    ],
    "h264.ts": [
        "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=6",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25", "-keyint_min", "25",
        "-sc_threshold", "0",
    ],
    # H.264 with a key frame every second and AAC: the audio pre-roll of a
    # precise seek reaches back into the previous GOP.
    "gop1s_av.mp4": [
        "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=6",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=6",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25", "-keyint_min", "25",
        "-sc_threshold", "0", "-c:a", "aac", "-aac_pns", "0",
    ],
    # NTSC video and 16 kHz stereo AAC in MP4 (time bases 1/30000 and
    # 1/16000): 13 s, 390 frames.
    "ntsc_av.mp4": [
        "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=30000/1001:duration=13.013",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=13.013",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
    ],
    # Lossy audio for seeks (two tones left, one right, 4 s), in containers
    # whose timestamps are exact to the sample.
    **{
        name: ["-f", "lavfi", "-i", _TONES.format(rate=rate), *codec]
        for name, rate, codec in [
            # Without noise substitution: its random noise depends on every
            # earlier frame, so no seek can give the same samples.
            ("tones_aac.m4a", 44100, ["-c:a", "aac", "-aac_pns", "0"]),
            ("tones_mp3.mp3", 44100, ["-c:a", "libmp3lame"]),
            ("tones_vorbis.ogg", 44100, ["-c:a", "libvorbis"]),
            ("tones_opus.ogg", 48000, ["-c:a", "libopus"]),
            ("tones_mp2.mp2", 44100, ["-c:a", "mp2"]),
            ("tones_ac3.mp4", 44100, ["-c:a", "ac3"]),
        ]
    },
    # Variable frame rate with B-frames: frame n at n * 40 + (n mod 3) * 15 ms.
    "vfr.mp4": [
        "-f", "lavfi", "-i", _V, "-vf", "settb=1/1000,setpts=N*40+mod(N\\,3)*15",
        "-fps_mode", "passthrough", "-enc_time_base", "1/1000",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-bf", "2", *_GOP,
    ],
    # Video with lossless audio (FLAC), so a clip's audio can be checked
    # sample for sample: 4 s, 100 frames, 64000 samples.
    "av_flac.mkv": [
        "-f", "lavfi", "-i", _V.replace(f"duration={DURATION}", "duration=4"),
        "-f", "lavfi", "-i", _A.replace(f"duration={DURATION}", "duration=4"),
        "-c:v", "libx264", "-pix_fmt", "yuv420p", *_GOP, "-c:a", "flac",
    ],
    # MP2 in MPEG program and transport streams (5 s): seeks land inside MP2
    # frames, and a pure tone's frames are full of bytes that look like frame
    # headers, so the parser takes a while to find the frames again.
    **{
        name: [
            *(["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=5"] if video else []),
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=5",
            *(["-c:v", "mpeg2video"] if video else []), "-c:a", "mp2",
        ]
        for name, video in [("mp2_av.mpg", True), ("mp2_av.ts", True), ("mp2.mpg", False)]
    },
    # A camera-style full-range format that has no converter of its own.
    "yuvj420p.mp4": [
        "-f", "lavfi", "-i", _V, "-c:v", "libx264", "-pix_fmt", "yuvj420p",
    ],
    # Full range stated in the stream, in a codec that has no yuvj formats:
    # every FFmpeg decodes it as yuv420p with color_range=pc.
    "vp9_full_range.webm": [
        "-f", "lavfi", "-i", _V, "-c:v", "libvpx-vp9", "-lossless", "1",
        "-pix_fmt", "yuv420p", "-color_range", "pc",
    ],
}


def _h264(gop: int, bframes: int) -> List[str]:
    return ["-f", "lavfi", "-i", _V, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", str(gop),
            "-keyint_min", str(gop), "-sc_threshold", "0", "-bf", str(bframes)]


# Sources of the stream copies below.
RECIPES.update({
    f"h264_g{gop}_bf{bf}.{ext}": _h264(gop, bf)
    for gop, bf, ext in [(10, 2, "mp4"), (12, 0, "mp4"), (8, 3, "mp4"), (10, 2, "ts")]
})

# Files made from another test file by a stream copy: name -> (source file,
# ffmpeg options before "-i source", options after).
DERIVED: Dict[str, tuple] = {
    # A display matrix: FFmpeg 5.1's ffmpeg turns a "rotate" tag into one
    # only when it copies the stream (and has no -display_rotation yet). The
    # angle is counter-clockwise as FFmpeg reads it back (rotate=270 reads
    # back as -90).
    **{
        f"rgb_rot{angle}.mp4": (
            "rgb_lossless.mkv", [], ["-c", "copy", "-metadata:s:v:0", f"rotate={angle}"]
        )
        for angle in (90, 180, 270, 45)
    },
    # "-ss" before "-i" with "-c copy" keeps the whole GOP the cut falls in
    # and writes an MP4 edit list that starts at the cut: the demuxer flags
    # the packets before it for discarding, and decoding gives fewer frames
    # than there are packets.
    **{
        f"edit_list_g{gop}_bf{bf}.mp4": (f"h264_g{gop}_bf{bf}.mp4", ["-ss", cut], ["-c", "copy"])
        for gop, bf, cut in [(10, 2, "0.2"), (12, 0, "0.3"), (8, 3, "0.5")]
    },
    # An MPEG-TS cut mid-GOP (output "-ss" with "-copyinkf"): its first
    # packets need frames it lacks, and the decoder drops them.
    "mid_gop.ts": ("h264_g10_bf2.ts", [], ["-ss", "0.2", "-c", "copy", "-copyinkf"]),
}


# Test media are made by the ffmpeg command on PATH (the system's, which has
# the encoders: libx264, libmp3lame, ...). Reference values (decodes,
# probes) come from the ffmpeg and ffprobe of the FFmpeg under test, in the
# folder FFSTREAM_REFERENCE_BIN names (ci/build_ffmpeg.sh builds them beside
# the libraries), so that they change with the libraries between FFmpeg
# versions; by default from PATH too.
_REFERENCE_BIN = os.environ.get("FFSTREAM_REFERENCE_BIN", "")
FFMPEG = os.path.join(_REFERENCE_BIN, "ffmpeg") if _REFERENCE_BIN else "ffmpeg"
FFPROBE = os.path.join(_REFERENCE_BIN, "ffprobe") if _REFERENCE_BIN else "ffprobe"


def mp4_aac_samples(samples_in: int) -> int:
    """The samples FFmpeg decodes from AAC in MP4 made of `samples_in`: 5.1
    to 8.1 trim the encoder's priming (the edit list) but keep the padding to
    the last whole 1024-sample frame; 9.0 (libavformat 63) trims to exactly
    the samples that went in."""
    import ffstream

    if ffstream.utils.get_versions()["libavformat"][0] >= 63:
        return samples_in
    return -(-samples_in // 1024) * 1024


def _ffmpeg(args: List[str]) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True
    )


def make(name: str, directory: Path) -> Path:
    """Creates media file `name` in `directory` unless it is there already."""
    path = directory / name
    if not path.exists():
        if name in DERIVED:
            source, before, after = DERIVED[name]
            args = [*before, "-i", str(make(source, directory)), *after]
        else:
            args = RECIPES[name]
        tmp = path.with_name("tmp-" + name)
        _ffmpeg([*args, str(tmp)])
        tmp.rename(path)
    return path


def ffprobe(path: Path) -> dict:
    """ffprobe's JSON description (format and streams) of a file."""
    out = subprocess.run(
        [FFPROBE, "-v", "error", "-of", "json", "-show_format", "-show_streams", str(path)],
        check=True, capture_output=True,
    ).stdout
    return json.loads(out)


def ffprobe_frame_times(path: Path) -> List[tuple]:
    """(pts, duration) in seconds of every decoded frame of the first video
    stream, as ffprobe -show_frames reports them: the best-effort timestamp
    and the duration in ticks, turned into seconds with one division. pts is
    None where ffprobe has none."""
    out = subprocess.run(
        [FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=time_base:frame=best_effort_timestamp,pkt_duration,duration",
         "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout
    info = json.loads(out)
    num, den = (int(x) for x in info["streams"][0]["time_base"].split("/"))
    times = []
    for frame in info["frames"]:
        ticks = frame.get("best_effort_timestamp")
        duration = int(frame.get("duration", frame.get("pkt_duration", 0)))
        times.append((None if ticks is None else int(ticks) * num / den, duration * num / den))
    return times


def ffprobe_video_frames(path: Path) -> tuple:
    """What decoding the first video stream gives, as ffprobe -show_frames
    reports it: the best-effort timestamp of every frame in seconds, the
    indices of the key frames; and the number of the stream's packets."""
    def probe(entries: str) -> dict:
        out = subprocess.run(
            [FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries", entries,
             "-of", "json", str(path)],
            check=True, capture_output=True, text=True,
        ).stdout
        return json.loads(out)

    info = probe("stream=time_base:frame=best_effort_timestamp,key_frame")
    num, den = (int(x) for x in info["streams"][0]["time_base"].split("/"))
    frames = info["frames"]
    pts = [int(f["best_effort_timestamp"]) * num / den for f in frames]
    keys = [i for i, f in enumerate(frames) if int(f["key_frame"])]
    packets = len(probe("packet=pts")["packets"])
    return pts, keys, packets


def ffmpeg_decode_video(path: Path, pix_fmt: str = "rgb24", vf: str = "") -> np.ndarray:
    """Frames decoded by the ffmpeg command, as (N, H, W, C) uint8."""
    info = next(s for s in ffprobe(path)["streams"] if s["codec_type"] == "video")
    cmd = [FFMPEG, "-nostdin", "-v", "error", "-i", str(path)]
    if vf:
        cmd += ["-vf", vf]
    cmd += ["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    h, w = int(info["height"]), int(info["width"])
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def ffmpeg_decode_audio(path: Path, sample_fmt: str = "f32le", af: str = "") -> np.ndarray:
    """Samples decoded by the ffmpeg command, as (frames, channels) float32."""
    info = next(s for s in ffprobe(path)["streams"] if s["codec_type"] == "audio")
    cmd = [FFMPEG, "-nostdin", "-v", "error", "-i", str(path)]
    if af:
        cmd += ["-af", af]
    cmd += ["-f", sample_fmt, "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.float32).reshape(-1, int(info["channels"]))


def ffmpeg_decode_raw(path: Path, args: List[str], dtype=np.uint8) -> np.ndarray:
    """Raw output of the ffmpeg command for `path` with output `args` (e.g.
    ["-f", "rawvideo", "-pix_fmt", "nv12"]), as a flat array of `dtype`; the
    caller reshapes it, since filters may change sizes and channel counts."""
    cmd = [FFMPEG, "-nostdin", "-v", "error", "-i", str(path), *args, "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype)


def ffmpeg_decode_video_planes(path: Path, pix_fmt: str, vf: str = "") -> List[np.ndarray]:
    """Frames decoded by the ffmpeg command in a planar YUV or gray `pix_fmt`
    (yuv420p, yuv444p, yuv420p10le, nv12, gray, ...), as a list of planes,
    each (N, plane_height, plane_width) of uint8 or, for >8-bit formats,
    uint16. nv12's interleaved chroma plane is returned as two planes U, V."""
    info = next(s for s in ffprobe(path)["streams"] if s["codec_type"] == "video")
    h, w = int(info["height"]), int(info["width"])
    args = (["-vf", vf] if vf else []) + ["-f", "rawvideo", "-pix_fmt", pix_fmt]
    wide = pix_fmt.endswith(("10le", "12le", "16le"))
    data = ffmpeg_decode_raw(path, args, np.uint16 if wide else np.uint8)
    if pix_fmt == "gray":
        return [data.reshape(-1, h, w)]
    if pix_fmt.startswith("yuv444p"):
        sizes = [(h, w)] * 3
    elif pix_fmt.startswith("yuv420p"):
        sizes = [(h, w), (h // 2, w // 2), (h // 2, w // 2)]
    elif pix_fmt == "nv12":
        frames = data.reshape(-1, h * w * 3 // 2)
        y = frames[:, : h * w].reshape(-1, h, w)
        uv = frames[:, h * w:].reshape(-1, h // 2, w // 2, 2)
        return [y, uv[..., 0], uv[..., 1]]
    else:
        raise ValueError(f"no plane layout for {pix_fmt}")
    frames = data.reshape(-1, sum(a * b for a, b in sizes))
    planes, start = [], 0
    for a, b in sizes:
        planes.append(frames[:, start:start + a * b].reshape(-1, a, b))
        start += a * b
    return planes


def ffmpeg_decode_video_packed(
    path: Path, pix_fmt: str, channels: int, vf: str = "", size=None, dtype=np.uint8
) -> np.ndarray:
    """Frames decoded by the ffmpeg command in a packed `pix_fmt` with
    `channels` components (rgba: 4, gray: 1, rgb48le: 3 with dtype uint16),
    as (N, H, W, channels); `size` (width, height) when `vf` scales."""
    if size is None:
        info = next(s for s in ffprobe(path)["streams"] if s["codec_type"] == "video")
        size = (int(info["width"]), int(info["height"]))
    args = (["-vf", vf] if vf else []) + ["-f", "rawvideo", "-pix_fmt", pix_fmt]
    data = ffmpeg_decode_raw(path, args, dtype)
    return data.reshape(-1, size[1], size[0], channels)


def ffmpeg_decode_audio_as(
    path: Path, channels: int, af: str = "", sample_fmt: str = "f32le", dtype=np.float32
) -> np.ndarray:
    """Samples decoded by the ffmpeg command as (frames, channels) of `dtype`,
    for filters `af` that change the channel count (or a raw `sample_fmt`
    such as "s16le" with dtype int16)."""
    args = (["-af", af] if af else []) + ["-f", sample_fmt]
    return ffmpeg_decode_raw(path, args, dtype).reshape(-1, channels)


@lru_cache(maxsize=None)
def video_reference(path) -> np.ndarray:
    """ffmpeg's rgb24 decode of `path`, computed once per session."""
    return ffmpeg_decode_video(path, "rgb24")


@lru_cache(maxsize=None)
def audio_reference(path) -> np.ndarray:
    """ffmpeg's float32 decode of `path`, computed once per session."""
    return ffmpeg_decode_audio(path)


# Real-world quirks (test_quirks.py): small files, fast presets.
def _odd(size: str, seconds: float = 0.6) -> List[str]:
    """testsrc2 at `size` (odd sizes allowed: the pattern is made one pixel
    larger in 4:4:4, which crop keeps exact, and cut down), 25 fps."""
    w, h = (int(v) for v in size.split("x"))
    return [
        "-f", "lavfi", "-i",
        f"testsrc2=size={w + w % 2}x{h + h % 2}:rate=25:duration={seconds},"
        f"format=yuv444p,crop={w}:{h}:0:0",
    ]


# ultrafast alone would turn B-frames off.
_X264_FAST = ["-c:v", "libx264", "-preset", "ultrafast", "-bf", "2"]
_X264 = [*_X264_FAST, "-g", "6", "-keyint_min", "6", "-sc_threshold", "0"]
_X265 = ["-c:v", "libx265", "-preset", "ultrafast",
         "-x265-params", "log-level=error:keyint=6:min-keyint=6:scenecut=0:bframes=2"]
_VPX = ["-deadline", "realtime", "-cpu-used", "8", "-g", "6"]
_ST = "testsrc2=size=200x112:rate=25:duration=2"  # 50 frames
_SINE = "sine=frequency=440:sample_rate=44100:duration=2"
# 1.05 s of two tones, not a whole number of any codec's frames.
_TONES_SHORT = "aevalsrc=0.5*sin(2*PI*440*t)|0.4*sin(2*PI*660*t):s={rate}:d=1.05"

QUIRKS: Dict[str, List[str]] = {
    # Odd and uneven frame sizes in every codec family: 4:4:4, 4:2:2 and
    # gray where the encoder takes odd sizes only there, 4:2:0 otherwise.
    "odd_h264_444.mp4": [*_odd("321x241"), *_X264, "-pix_fmt", "yuv444p"],
    "odd_h264_420.mp4": [*_odd("854x480"), *_X264, "-pix_fmt", "yuv420p"],
    "odd_h264_gray.mkv": [*_odd("121x81"), *_X264, "-pix_fmt", "gray"],
    "odd_hevc_444.mp4": [*_odd("121x81"), *_X265, "-pix_fmt", "yuv444p"],
    "odd_hevc_420.mkv": [*_odd("322x242"), *_X265, "-pix_fmt", "yuv420p"],
    "odd_vp8.webm": [*_odd("321x241"), "-c:v", "libvpx", *_VPX, "-pix_fmt", "yuv420p"],
    "odd_vp9.webm": [*_odd("121x81"), "-c:v", "libvpx-vp9", *_VPX, "-pix_fmt", "yuv420p"],
    "odd_vp9_444.webm": [*_odd("200x113"), "-c:v", "libvpx-vp9", *_VPX, "-pix_fmt", "yuv444p"],
    "odd_av1.mkv": [*_odd("321x241"), "-c:v", "libaom-av1", "-usage", "realtime",
                    "-cpu-used", "8", "-g", "6", "-pix_fmt", "yuv420p"],
    "odd_mpeg2.mkv": [*_odd("121x81"), "-c:v", "mpeg2video", "-bf", "2", "-g", "6",
                      "-pix_fmt", "yuv420p"],
    "odd_mpeg4.mp4": [*_odd("321x241"), "-c:v", "mpeg4", "-bf", "2", "-g", "6",
                      "-pix_fmt", "yuv420p"],
    "odd_mjpeg.avi": [*_odd("321x241"), "-c:v", "mjpeg", "-pix_fmt", "yuvj422p"],
    "odd_mjpeg_420.mkv": [*_odd("121x81"), "-c:v", "mjpeg", "-pix_fmt", "yuvj420p"],
    "odd_prores.mov": [*_odd("321x241", 0.2), "-c:v", "prores_ks", "-pix_fmt", "yuv422p10le"],
    "odd_prores_4444.mov": [*_odd("121x81", 0.2), "-c:v", "prores_ks", "-profile:v", "4444",
                            "-pix_fmt", "yuv444p10le"],
    # H.264 with B-frames and AAC, 2 s, a key frame every 10 frames: the
    # source of edit_list.mp4 (DERIVED).
    "quirk_src.mp4": [
        "-f", "lavfi", "-i", _ST, "-f", "lavfi", "-i", _SINE, *_X264_FAST, *_GOP,
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-aac_pns", "0", "-shortest",
    ],
    # Timestamps shifted 0.2 s below 0 at encoding: the MP4 muxer writes an
    # edit list that starts at the first frame of time 0 (frames -0.2..-0.04
    # are decoded but not shown).
    "edit_list_neg.mp4": [
        "-f", "lavfi", "-i", _ST, "-vf", "setpts=PTS-0.2/TB", "-fps_mode", "passthrough",
        *_X264_FAST, *_GOP, "-pix_fmt", "yuv420p",
    ],
    # First pts not 0: an MP4 whose edit list starts with an empty edit, and
    # MPEG-TS with its usual 1.4 s start, B-frames and MP2 audio.
    "start_offset.mp4": [
        "-f", "lavfi", "-i", _ST, *_X264, "-pix_fmt", "yuv420p", "-output_ts_offset", "1.3",
    ],
    "start_offset.ts": [
        "-f", "lavfi", "-i", _ST, "-f", "lavfi", "-i", _SINE, *_X264, "-pix_fmt", "yuv420p",
        "-c:a", "mp2", "-shortest",
    ],
    # Variable frame rate: frames 10-19 and every 7th other one dropped, the
    # rest keep their times.
    **{
        f"vfr_select.{ext}": [
            "-f", "lavfi", "-i", _ST, "-vf", "select='not(between(n\\,10\\,19)+eq(mod(n\\,7)\\,3))'",
            "-fps_mode", "vfr", *_X264, "-pix_fmt", "yuv420p",
        ]
        for ext in ("mkv", "mp4")
    },
    # B-frames without pts: a raw H.264 stream (Annex B) and H.264 in AVI.
    "bframes_annexb.h264": ["-f", "lavfi", "-i", _ST, *_X264, "-pix_fmt", "yuv420p"],
    "bframes_h264.avi": ["-f", "lavfi", "-i", _ST, *_X264, "-pix_fmt", "yuv420p"],
    # MPEG program stream: MPEG-2 video with B-frames and MP2 audio.
    "program.mpg": [
        "-f", "lavfi", "-i", _ST, "-f", "lavfi", "-i", _SINE,
        "-c:v", "mpeg2video", "-bf", "2", "-g", "10", "-c:a", "mp2", "-shortest",
    ],
    # Audio whose encoder adds priming samples (and padding at the end),
    # which the container tells the demuxer to trim: AAC in MP4 (edit list)
    # and ADTS (nothing to say it: the priming stays), MP3 (LAME's header),
    # Opus in Ogg (pre-skip, end granule) and WebM (codec delay).
    "prime_aac.m4a": ["-f", "lavfi", "-i", _TONES_SHORT.format(rate=44100), "-c:a", "aac"],
    "prime_aac.aac": ["-f", "lavfi", "-i", _TONES_SHORT.format(rate=44100), "-c:a", "aac"],
    "prime_mp3.mp3": ["-f", "lavfi", "-i", _TONES_SHORT.format(rate=44100), "-c:a", "libmp3lame"],
    "prime_opus.ogg": ["-f", "lavfi", "-i", _TONES_SHORT.format(rate=48000), "-c:a", "libopus"],
    "prime_opus.webm": ["-f", "lavfi", "-i", _TONES_SHORT.format(rate=48000), "-c:a", "libopus"],
}
RECIPES.update(QUIRKS)

# Stream copies of the files above (see DERIVED).
DERIVED.update({
    # Cut by copy at 0.5 s: the packets start at the key frame before (0.4 s)
    # and the MP4 muxer writes an edit list that discards what comes before
    # 0.5 s, video frames and AAC samples alike.
    "edit_list.mp4": ("quirk_src.mp4", ["-ss", "0.5"], ["-c", "copy"]),
    # A display matrix on H.264 with B-frames and AAC.
    "rotated.mp4": ("quirk_src.mp4", [], ["-c", "copy", "-metadata:s:v:0", "rotate=90"]),
})
