"""Makes the benchmark media with the ffmpeg command from lavfi sources.

    python benchmarks/make_media.py [--dir build/bench-media]
                                    [--video-seconds 10] [--audio-seconds 600]

Files that exist already are kept (names carry their length, so different
lengths live side by side). The default video length is 10 s (300 frames at
30 fps) to keep a full benchmark run short on a small machine; the issue's
audio files are 10 minutes.

Media:
  h264_1080p_{V}s.mp4    1920x1080 30 fps H.264 (libx264 fast, crf 23),
                         key frame every 2 s
  h264_1080p_{2V}s.mp4   the same, twice as long (memory case)
  h264_720p_{V}s.mp4     1280x720, otherwise the same
  hevc_720p_{S}s.mp4     short HEVC clip (libx265 ultrafast), S = min(V, 5)
  vp9_720p_{S}s.webm     short VP9 clip (libvpx-vp9 realtime)
  aac_{A}s.m4a           48 kHz stereo AAC 128 kb/s
  mp3_{A}s.mp3           44.1 kHz stereo MP3 (libmp3lame) 192 kb/s
  flac_{A}s.flac         48 kHz stereo 16-bit FLAC
  wav_{A}s.wav           48 kHz stereo 16-bit PCM WAV

Video is testsrc2 (a synthetic pattern with motion; it compresses far better
than camera footage, so decoding is cheaper and conversion a larger share of
the time than with real videos). Audio is a 440 Hz sine on the left channel
and pink noise on the right, so that the lossy and FLAC encoders have real
work to do.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

GOP_SECONDS = 2
FPS = 30


def _video(size: str, seconds: float) -> List[str]:
    return [
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate={FPS}:duration={seconds:g}",
    ]


def _gop() -> List[str]:
    n = str(GOP_SECONDS * FPS)
    return ["-g", n, "-keyint_min", n, "-sc_threshold", "0"]


def _audio(rate: int, seconds: float) -> List[str]:
    return [
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:sample_rate={rate}:duration={seconds:g}",
        "-f",
        "lavfi",
        "-i",
        f"anoisesrc=color=pink:amplitude=0.25:sample_rate={rate}:duration={seconds:g}:seed=1",
        "-filter_complex",
        "[0:a][1:a]amerge=inputs=2[a]",
        "-map",
        "[a]",
    ]


def names(video_seconds: float = 10, audio_seconds: float = 600) -> Dict[str, str]:
    """Logical name -> file name for the given lengths."""
    v = f"{video_seconds:g}"
    v2 = f"{2 * video_seconds:g}"
    s = f"{min(video_seconds, 5):g}"
    a = f"{audio_seconds:g}"
    return {
        "1080p": f"h264_1080p_{v}s.mp4",
        "1080p_2x": f"h264_1080p_{v2}s.mp4",
        "720p": f"h264_720p_{v}s.mp4",
        "hevc": f"hevc_720p_{s}s.mp4",
        "vp9": f"vp9_720p_{s}s.webm",
        "aac": f"aac_{a}s.m4a",
        "mp3": f"mp3_{a}s.mp3",
        "flac": f"flac_{a}s.flac",
        "wav": f"wav_{a}s.wav",
    }


def recipes(
    video_seconds: float = 10, audio_seconds: float = 600
) -> Dict[str, List[str]]:
    """Logical name -> ffmpeg arguments (inputs and encoder options)."""
    v = video_seconds
    s = min(video_seconds, 5)
    a = audio_seconds
    x264 = [
        "-c:v",
        "libx264",
        "-preset",
        "fast",
        "-crf",
        "23",
        "-pix_fmt",
        "yuv420p",
        *_gop(),
    ]
    return {
        "1080p": [*_video("1920x1080", v), *x264],
        "1080p_2x": [*_video("1920x1080", 2 * v), *x264],
        "720p": [*_video("1280x720", v), *x264],
        "hevc": [
            *_video("1280x720", s),
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-tag:v",
            "hvc1",
            *_gop(),
            "-x265-params",
            "log-level=error",
        ],
        "vp9": [
            *_video("1280x720", s),
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "2M",
            "-pix_fmt",
            "yuv420p",
            *_gop(),
        ],
        "aac": [*_audio(48000, a), "-c:a", "aac", "-b:a", "128k"],
        "mp3": [*_audio(44100, a), "-c:a", "libmp3lame", "-b:a", "192k"],
        "flac": [*_audio(48000, a), "-c:a", "flac", "-sample_fmt", "s16"],
        "wav": [*_audio(48000, a), "-c:a", "pcm_s16le"],
    }


def make_media(
    directory: Path,
    video_seconds: float = 10,
    audio_seconds: float = 600,
    only: List[str] | None = None,
    verbose: bool = True,
) -> Dict[str, Path]:
    """Creates the media that are missing; returns logical name -> path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = names(video_seconds, audio_seconds)
    args = recipes(video_seconds, audio_seconds)
    out = {}
    for key, name in files.items():
        path = directory / name
        out[key] = path
        if (only is not None and key not in only) or path.exists():
            continue
        tmp = path.with_name("tmp-" + name)
        if verbose:
            print(f"making {path} ...", end="", flush=True, file=sys.stderr)
        t0 = time.perf_counter()
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                *args[key],
                str(tmp),
            ],
            check=True,
        )
        tmp.rename(path)
        if verbose:
            print(f" {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dir", default="build/bench-media", type=Path)
    p.add_argument("--video-seconds", type=float, default=10)
    p.add_argument("--audio-seconds", type=float, default=600)
    a = p.parse_args(argv)
    for key, path in make_media(a.dir, a.video_seconds, a.audio_seconds).items():
        print(f"{key:9s} {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
