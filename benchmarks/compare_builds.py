"""Times a few ffstream workloads on two builds of ffstream, interleaved, so
that a change (a refactor, a fix) can show it costs nothing: the median of N
fresh processes per build, and the ratio new / old.

    python benchmarks/compare_builds.py --old /tmp/ff_old [--new DIR] [--repeats 5]

--old and --new are directories holding an installed `ffstream` package
(e.g. `pip install --no-deps --target DIR .` in a checkout of the old
commit); without --new, the ffstream of the running interpreter. The media
are made with the ffmpeg command into --media-dir (default
build/compare-media).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

# Each case runs in a fresh interpreter and prints its seconds.
CASES = {
    "720p to rgb24, 32-frame chunks": """
r = StreamReader(M + "/h720.mp4"); r.add_basic_video_stream(32, -1)
for _ in r.stream(): pass""",
    "854x480 to rgb24 (rows not whole SIMD blocks: a padded frame)": """
r = StreamReader(M + "/h480.mp4"); r.add_basic_video_stream(32, -1)
for _ in r.stream(): pass""",
    "720p + audio, video only to yuv420p": """
r = StreamReader(M + "/av720.mp4"); r.add_basic_video_stream(32, -1, format="yuv420p")
for _ in r.stream(): pass""",
    "3-min AAC to float32, 10-s chunks": """
r = StreamReader(M + "/aac3m.m4a"); r.add_basic_audio_stream(441000, -1)
for _ in r.stream(): pass""",
    "10 precise seeks, 720p, GOP 250": """
r = StreamReader(M + "/h720.mp4"); r.add_basic_video_stream(1, -1)
for k in range(10):
    r.seek(0.37 + k * 0.93); r.fill_buffer(); r.pop_chunks()""",
    "10 precise seeks, 720p + AAC, GOP 60": """
r = StreamReader(M + "/av720.mp4"); r.add_basic_video_stream(1, -1); r.add_basic_audio_stream(4800, -1)
for k in range(10):
    r.seek(0.37 + k * 0.93); r.fill_buffer(); r.pop_chunks()""",
    "720p scaled to 224x224 rgb24 (a filter graph)": """
r = StreamReader(M + "/h720.mp4"); r.add_basic_video_stream(32, -1, width=224, height=224)
for _ in r.stream(): pass""",
    "3-min AAC to 16 kHz mono (a filter graph)": """
r = StreamReader(M + "/aac3m.m4a"); r.add_basic_audio_stream(160000, -1, sample_rate=16000, num_channels=1)
for _ in r.stream(): pass""",
    "60 short FLAC files to 8 kHz, open-decode-close": """
import glob
for f in sorted(glob.glob(M + "/clip*.flac")):
    r = StreamReader(f); r.add_basic_audio_stream(-1, sample_rate=8000)
    r.process_all_packets(); r.pop_chunks(); r.close()""",
    "60 short FLAC files, open-decode-close": """
import glob
for f in sorted(glob.glob(M + "/clip*.flac")):
    r = StreamReader(f); r.add_basic_audio_stream(-1); r.process_all_packets(); r.pop_chunks(); r.close()""",
}


def make_media(d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    ff = ["ffmpeg", "-nostdin", "-v", "error", "-y"]
    v720 = ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=10"]
    x264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    jobs = {
        "h720.mp4": [*v720, *x264, "-g", "250"],
        "h480.mp4": ["-f", "lavfi", "-i", "testsrc2=size=854x480:rate=30:duration=10", *x264],
        "av720.mp4": [*v720, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=10",
                      *x264, "-g", "60", "-c:a", "aac"],
        "aac3m.m4a": ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=180",
                      "-c:a", "aac"],
    }
    for i in range(1, 61):
        jobs[f"clip{i}.flac"] = ["-f", "lavfi", "-i",
                                 f"sine=frequency={200 + i}:sample_rate=16000:duration=1.5", "-c:a", "flac"]
    for name, args in jobs.items():
        if not (d / name).exists():
            subprocess.run([*ff, *args, str(d / name)], check=True)


def run_case(code: str, media: Path, build) -> float:
    env = dict(os.environ)
    if build:
        env["PYTHONPATH"] = str(build)
    script = (f"import time\nfrom ffstream import StreamReader\nM = {str(media)!r}\n"
              f"t0 = time.perf_counter()\n{code.strip()}\nprint(time.perf_counter() - t0)\n")
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.split()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old", required=True)
    p.add_argument("--new", default=None)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--media-dir", default=str(Path(__file__).parent.parent / "build" / "compare-media"))
    args = p.parse_args(argv)
    media = Path(args.media_dir)
    make_media(media)
    print("| case | old (s) | new (s) | new / old |\n|---|---|---|---|")
    for name, code in CASES.items():
        old, new = [], []
        for _ in range(args.repeats):
            old.append(run_case(code, media, args.old))
            new.append(run_case(code, media, args.new))
        o, n = statistics.median(old), statistics.median(new)
        print(f"| {name} | {o:.3f} | {n:.3f} | {n / o:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
