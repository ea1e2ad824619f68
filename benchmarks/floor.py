"""ffstream against `ffmpeg -f null` doing the same decode and conversion,
like with like: wall seconds and CPU seconds, with the decoder's threads
pinned the same way on both sides (issue 18, item 3).

    .venv/bin/python benchmarks/floor.py [--repeats 5] [--cases flac,aac16k,...]

`-f null` is the command's floor: frames are converted (the same swscale or
swresample conversion ffstream does) and then dropped, with no pipe and no
copy into an output buffer. ffstream fills its chunks, so it does the same
work plus one write of every output byte. The command's figures include its
start (about 0.05 s, printed as "ffmpeg start"). Every run is a fresh
process; the median of the repeats is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_media import make_media  # noqa: E402

# Each case: media, ffstream's output arguments, and the ffmpeg command's
# output arguments for the same conversion. "threads" is the decoder's thread
# count on both sides (0: FFmpeg's automatic count, here the 2 cores).
CASES = {
    "1080p-rgb-mt": dict(
        media="1080p", video=dict(format="rgb24"), threads=0,
        ffmpeg=["-pix_fmt", "rgb24"],
    ),
    "1080p-rgb": dict(
        media="1080p", video=dict(format="rgb24"), threads=1,
        ffmpeg=["-pix_fmt", "rgb24"],
    ),
    "720p-yuv420p": dict(
        media="720p", video=dict(format="yuv420p"), threads=1,
        # ffstream's full-size layout: chroma brought up by nearest neighbour.
        ffmpeg=["-sws_flags", "neighbor", "-pix_fmt", "yuv444p"],
    ),
    "720p-i420": dict(
        media="720p", video=dict(format="yuv420p", yuv_layout="i420"), threads=1,
        ffmpeg=["-pix_fmt", "yuv420p"],
    ),
    "flac": dict(media="flac", audio=dict(format="flt"), threads=1, ffmpeg=["-c:a", "pcm_f32le"]),
    "flac-mt": dict(media="flac", audio=dict(format="flt"), threads=0, ffmpeg=["-c:a", "pcm_f32le"]),
    "aac16k": dict(
        media="aac", audio=dict(format="flt", sample_rate=16000, num_channels=1), threads=1,
        ffmpeg=["-ar", "16000", "-ac", "1", "-c:a", "pcm_f32le"],
    ),
}

WORKER = r"""
import json, resource, sys, time
spec = json.loads(sys.argv[1])
import torch
from ffstream import StreamReader
torch.set_num_threads(1)

def cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime

w0, c0 = time.perf_counter(), cpu()
r = StreamReader(spec["path"])
opts = {"threads": str(spec["threads"])}
if "video" in spec:
    r.add_basic_video_stream(32, decoder_option=opts, **spec["video"])
else:
    r.add_basic_audio_stream(48000, decoder_option=opts, **spec["audio"])
n = 0
for (chunk,) in r.stream():
    n += chunk.shape[0]
r.close()
print(json.dumps({"wall": time.perf_counter() - w0, "cpu": cpu() - c0, "n": n}))
"""

_FF = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"]


def run_ffstream(path: Path, case: dict) -> dict:
    spec = {"path": str(path), "threads": case["threads"]}
    spec.update({k: case[k] for k in ("video", "audio") if k in case})
    out = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(spec)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_ffmpeg(args: list) -> dict:
    t0 = time.perf_counter()
    p = subprocess.Popen([*_FF, *args])
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("ffmpeg failed: " + " ".join(args))
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime}


def ffmpeg_args(path: Path, case: dict) -> list:
    threads = str(case["threads"])
    # One filter thread: ffstream's conversion runs on the decoding thread.
    return ["-threads", threads, "-i", str(path), "-filter_threads", "1", *case["ffmpeg"], "-f", "null", "-"]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--media-dir", default=str(HERE.parent / "build" / "bench-media"))
    a = p.parse_args(argv)
    names = a.cases.split(",")
    media = make_media(Path(a.media_dir), only=sorted({CASES[n]["media"] for n in names}))

    nothing = ["-f", "lavfi", "-i", "anullsrc=d=0.01", "-f", "null", "-"]
    start = [run_ffmpeg(nothing) for _ in range(a.repeats)]
    print(f"ffmpeg start: {statistics.median(r['wall'] for r in start):.3f} s wall, "
          f"{statistics.median(r['cpu'] for r in start):.3f} s CPU")
    print("| case | threads | ffstream wall | ffstream CPU | ffmpeg -f null wall | ffmpeg CPU "
          "| wall ratio | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        case = CASES[name]
        path = media[case["media"]]
        ours, theirs = [], []
        for _ in range(a.repeats):  # interleaved, so drift hits both sides
            ours.append(run_ffstream(path, case))
            theirs.append(run_ffmpeg(ffmpeg_args(path, case)))
        med = {k: statistics.median(r[k] for r in ours) for k in ("wall", "cpu")}
        ref = {k: statistics.median(r[k] for r in theirs) for k in ("wall", "cpu")}
        print(f"| {name} | {case['threads'] or 'auto'} | {med['wall']:.3f} s | {med['cpu']:.3f} s "
              f"| {ref['wall']:.3f} s | {ref['cpu']:.3f} s | {med['wall'] / ref['wall']:.2f} "
              f"| {med['cpu'] / ref['cpu']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
