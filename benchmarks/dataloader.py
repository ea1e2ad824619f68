"""Clips from many short files through PyTorch's DataLoader and Ray Data:
ffstream.data.MediaDataset with 0, 1 and 2 workers, ffstream.ray.read_media
on 2 CPUs, and the same job with torchcodec or PyAV inside a plain map-style
Dataset. Each file (1-3 s of 320x240 H.264, one key frame) gives one clip of
16 RGB frames at a random position.

    .venv/bin/python benchmarks/dataloader.py --peer-path /tmp/bench-peers [--count 1000]

Every (peer, workers) run is a fresh Python process. Reported: clips per
second (median of the repeats), and the peak RSS of the busiest process
that decoded (the main process with 0 workers, else the largest worker),
sampled from /proc every 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from short_files import make_clips

HERE = Path(__file__).resolve().parent

WORKER = r"""
import json, os, random, sys, threading, time
spec = json.loads(sys.argv[1])
import torch
torch.set_num_threads(1)
files, peer, workers = spec["files"], spec["peer"], spec["workers"]
FRAMES = 16


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(root):
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    parents[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, todo = [], [root]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        found += kids
        todo += kids
    return found


def is_decoder(pid):
    # DataLoader workers are plain children; Ray's are named ray::...
    if peer != "ray":
        return True
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().startswith(b"ray::")
    except OSError:
        return False


peaks, stop = {}, threading.Event()


def sample():
    me = os.getpid()
    while not stop.is_set():
        for pid in [me] + descendants(me):
            if pid == me or is_decoder(pid):
                peaks[pid] = max(peaks.get(pid, 0), rss_kb(pid))
        stop.wait(0.05)


class Reference(torch.utils.data.Dataset):
    # A plain Dataset doing what MediaDataset does: one clip of FRAMES RGB
    # frames at a random start per file.
    def __len__(self):
        return len(files)

    def __getitem__(self, i):
        rng = random.Random(i)
        if peer == "torchcodec":
            from torchcodec.decoders import VideoDecoder
            d = VideoDecoder(files[i], num_ffmpeg_threads=1, seek_mode="approximate")
            start = rng.randint(0, len(d) - FRAMES)
            return {"video": d.get_frames_at(list(range(start, start + FRAMES))).data, "index": i}
        import av
        with av.open(files[i]) as c:
            s = c.streams.video[0]
            s.thread_count = 1
            start = rng.randint(0, s.frames - FRAMES)
            frames = []
            for n, f in enumerate(c.decode(s)):
                if n >= start:
                    frames.append(torch.from_numpy(f.to_ndarray(format="rgb24")).permute(2, 0, 1))
                    if len(frames) == FRAMES:
                        break
            return {"video": torch.stack(frames), "index": i}


def loader():
    if peer == "ffstream":
        from ffstream.data import MediaDataset
        ds = MediaDataset(files, video={}, clip_frames=FRAMES, clip_sampling="random", on_error="raise")
    else:
        ds = Reference()
    return torch.utils.data.DataLoader(ds, batch_size=None, num_workers=workers)


threading.Thread(target=sample, daemon=True).start()
if peer == "ray":
    import ray
    import ffstream.ray
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    t0 = time.perf_counter()
    ds = ffstream.ray.read_media(files, video={}, clip_frames=FRAMES, clip_sampling="random",
                                 on_error="raise")
    clips = sum(len(b["index"]) for b in ds.iter_batches(batch_size=None, batch_format="numpy"))
else:
    t0 = time.perf_counter()
    clips = 0
    for item in loader():
        assert item["video"].shape[0] == FRAMES
        clips += 1
seconds = time.perf_counter() - t0
stop.set()
me = os.getpid()
others = [v for pid, v in peaks.items() if pid != me]
worker_peak = max(others) if others and workers else peaks.get(me, 0)
print(json.dumps({"seconds": seconds, "clips": clips, "worker_peak_kb": worker_peak,
                  "main_peak_kb": peaks.get(me, 0)}))
if peer == "ray":
    ray.shutdown()
"""

RUNS = [("ffstream", 0), ("ffstream", 1), ("ffstream", 2), ("ray", 2),
        ("torchcodec", 0), ("torchcodec", 1), ("torchcodec", 2),
        ("pyav", 0), ("pyav", 1), ("pyav", 2)]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--peer-path", action="append", default=[])
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--media-dir", default=str(HERE.parent / "build" / "bench-media" / "short"))
    p.add_argument("--peers", default="ffstream,ray,torchcodec,pyav", help="comma-separated subset")
    a = p.parse_args()
    env = dict(os.environ)
    if a.peer_path:
        env["PYTHONPATH"] = os.pathsep.join([*a.peer_path, env.get("PYTHONPATH", "")])
    files = make_clips(Path(a.media_dir), a.count)["video"]
    results = {}
    for _ in range(a.repeats):
        for peer, workers in [r for r in RUNS if r[0] in a.peers.split(",")]:
            spec = {"files": files, "peer": peer, "workers": workers}
            proc = subprocess.run([sys.executable, "-c", WORKER, json.dumps(spec)],
                                  capture_output=True, text=True, env=env)
            lines = proc.stdout.strip().splitlines()
            if proc.returncode != 0 or not lines:
                print(f"{peer} {workers}: failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}",
                      file=sys.stderr)
                continue
            results.setdefault((peer, workers), []).append(json.loads(lines[-1]))
    base = {w: statistics.median(r["seconds"] for r in results.get(("ffstream", w), [{"seconds": 0}]))
            for w in (0, 1, 2)}
    print(f"{a.count} clips of 16 RGB frames, 320x240 H.264 files of 1-3 s")
    print(f"{'peer':<11} {'workers':>7} {'median s':>9} {'clips/s':>8} {'s / ffstream':>12} "
          f"{'peak MB/worker':>14}")
    for (peer, workers), runs in results.items():
        med = statistics.median(r["seconds"] for r in runs)
        peak = max(r["worker_peak_kb"] for r in runs) / 1024
        ratio = med / base[workers] if base[workers] else float("nan")
        name = "ffstream.ray" if peer == "ray" else peer
        print(f"{name:<11} {workers:>7} {med:9.2f} {a.count / med:8.0f} {ratio:12.2f} {peak:14.0f}")


if __name__ == "__main__":
    main()
