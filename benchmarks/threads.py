"""Decoding several files from several threads: N files of 720p H.264
decoded whole to RGB, one after another in one thread and then one file per
thread in N threads (each decoder single-threaded), for ffstream, PyAV and
torchcodec. Reported: the N-thread time over the serial time (0.5 is
perfect scaling on 2 cores), and the aggregate frames per second.

    .venv/bin/python benchmarks/threads.py --peer-path /tmp/bench-peers [--counts 2 4]

Every (peer, mode) run is a fresh process; the median of the repeats is
reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from make_media import make_media

HERE = Path(__file__).resolve().parent

WORKER = r"""
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
spec = json.loads(sys.argv[1])
import torch
torch.set_num_threads(1)
files, peer, threads = spec["files"], spec["peer"], spec["threads"]

def ffstream_one(path):
    from ffstream import StreamReader
    n = 0
    with StreamReader(path) as r:
        r.add_basic_video_stream(32, -1, format="rgb24")
        for (chunk,) in r.stream():
            n += chunk.shape[0]
    return n

def pyav_one(path):
    import av
    with av.open(path) as c:
        s = c.streams.video[0]
        s.thread_count = 1
        return sum(1 for f in c.decode(s) if f.to_ndarray(format="rgb24") is not None)

def torchcodec_one(path):
    from torchcodec.decoders import VideoDecoder
    d = VideoDecoder(path, num_ffmpeg_threads=1, seek_mode="approximate")
    n = 0
    for start in range(0, len(d), 32):
        n += d.get_frames_in_range(start, min(start + 32, len(d))).data.shape[0]
    return n

one = {"ffstream": ffstream_one, "pyav": pyav_one, "torchcodec": torchcodec_one}[peer]
one(files[0])  # imports and first use outside the timing
t0 = time.perf_counter()
if threads == 1:
    frames = sum(one(f) for f in files)
else:
    with ThreadPoolExecutor(threads) as pool:
        frames = sum(pool.map(one, files))
print(json.dumps({"seconds": time.perf_counter() - t0, "frames": frames}))
"""


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--peer-path", action="append", default=[])
    p.add_argument("--counts", type=int, nargs="+", default=[2, 4])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--media-dir", default=str(HERE.parent / "build" / "bench-media"))
    a = p.parse_args()
    env = dict(os.environ)
    if a.peer_path:
        env["PYTHONPATH"] = os.pathsep.join([*a.peer_path, env.get("PYTHONPATH", "")])
    path = str(make_media(Path(a.media_dir), only=["720p"])["720p"])
    print(f"{'files':>5} {'peer':<11} {'serial s':>9} {'threads s':>10} {'threads/serial':>15} "
          f"{'frames/s':>9}")
    for count in a.counts:
        files = [path] * count
        for peer in ("ffstream", "pyav", "torchcodec"):
            times = {1: [], count: []}
            frames = 0
            for _ in range(a.repeats):
                for threads in (1, count):
                    spec = {"files": files, "peer": peer, "threads": threads}
                    proc = subprocess.run([sys.executable, "-c", WORKER, json.dumps(spec)],
                                          capture_output=True, text=True, env=env)
                    if proc.returncode != 0:
                        print(f"{peer}: failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}",
                              file=sys.stderr)
                        continue
                    result = json.loads(proc.stdout.strip().splitlines()[-1])
                    times[threads].append(result["seconds"])
                    frames = result["frames"]
            if not times[1] or not times[count]:
                continue
            serial, parallel = statistics.median(times[1]), statistics.median(times[count])
            print(f"{count:>5} {peer:<11} {serial:9.2f} {parallel:10.2f} {parallel / serial:15.2f} "
                  f"{frames / parallel:9.0f}")


if __name__ == "__main__":
    main()
