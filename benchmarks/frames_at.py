"""Random access: N random frames of the 10-s 1080p H.264 file as RGB, from
opening the file to the last frame, against torchcodec (exact and approximate
seek modes) and PyAV seeking by hand. Also the cost of building ffstream's
frame index on its own.

    .venv/bin/python benchmarks/frames_at.py --peer-path /tmp/bench-peers [--repeats 5]

Every run is a fresh Python process (cold decoder, no cache), runs are
interleaved across peers, and the median of the repeats is reported with the
ratio of each peer to ffstream. The indices are seeded and the same for all;
each peer's frames are checked against ffstream's (sum of pixel values).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_media import make_media  # noqa: E402

WORKER = r"""
import json, sys, time
spec = json.loads(sys.argv[1])
import torch
torch.set_num_threads(1)
path, indices, peer = spec["path"], spec["indices"], spec["peer"]
if peer == "ffstream":
    from ffstream import StreamReader
    t0 = time.perf_counter()
    r = StreamReader(path)
    r.add_basic_video_stream(1, format="rgb24")
    frames = r.get_frames_at(indices)
elif peer == "ffstream-index":
    from ffstream import StreamReader
    t0 = time.perf_counter()
    r = StreamReader(path)
    n = r.get_frame_index().num_frames
    frames = torch.zeros(1)
elif peer.startswith("torchcodec"):
    from torchcodec.decoders import VideoDecoder
    t0 = time.perf_counter()
    d = VideoDecoder(path, num_ffmpeg_threads=1, seek_mode=peer.split("-")[1])
    frames = d.get_frames_at(indices).data
elif peer == "pyav":
    import av
    t0 = time.perf_counter()
    c = av.open(path)
    s = c.streams.video[0]
    s.thread_count = 1
    # Frame k of a constant 30 fps file is at k / 30 s: seek to the key frame
    # before it, decode up to it; visit in order, decode each once.
    fps = s.average_rate
    out = {}
    for k in sorted(set(indices)):
        t = int(k / fps / s.time_base)
        c.seek(t, stream=s, backward=True, any_frame=False)
        for f in c.decode(s):
            if f.pts >= t:
                out[k] = torch.from_numpy(f.to_ndarray(format="rgb24")).permute(2, 0, 1)
                break
    frames = torch.stack([out[k] for k in indices])
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "check": int(frames.to(torch.int64).sum())}))
"""


def run(spec, env):
    out = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(spec)],
        check=True, capture_output=True, text=True, env=env,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--peer-path", action="append", default=[])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--media-dir", default=str(HERE.parent / "build" / "bench-media"))
    p.add_argument("--counts", type=int, nargs="+", default=[10, 100])
    a = p.parse_args()
    env = dict(os.environ)
    if a.peer_path:
        env["PYTHONPATH"] = os.pathsep.join([*a.peer_path, env.get("PYTHONPATH", "")])
    path = str(make_media(Path(a.media_dir), 10, 600, only=["1080p"])["1080p"])
    n_frames = 300
    peers = ["ffstream", "torchcodec-exact", "torchcodec-approximate", "pyav"]
    rows = []
    for count in a.counts:
        indices = random.Random(count).choices(range(n_frames), k=count)
        times = {peer: [] for peer in peers}
        checks = {}
        for _ in range(a.repeats):
            for peer in peers:
                try:
                    r = run({"path": path, "indices": indices, "peer": peer}, env)
                except subprocess.CalledProcessError as e:
                    print(f"{peer}: failed: {e.stderr.strip().splitlines()[-1]}", file=sys.stderr)
                    continue
                times[peer].append(r["seconds"])
                checks[peer] = r["check"]
        base = statistics.median(times["ffstream"])
        for peer in peers:
            if not times[peer]:
                continue
            med = statistics.median(times[peer])
            same = "same frames" if checks[peer] == checks["ffstream"] else "DIFFERENT frames"
            rows.append((f"{count} random frames", peer, med, med / base, same))
    index_times = [run({"path": path, "indices": [], "peer": "ffstream-index"}, env)["seconds"]
                   for _ in range(a.repeats)]
    print(f"{'case':<18} {'peer':<24} {'median s':>9} {'/ ffstream':>10}")
    for case, peer, med, ratio, same in rows:
        print(f"{case:<18} {peer:<24} {med:9.3f} {ratio:10.2f}  {same}")
    print(f"ffstream frame index alone (open + packet scan, {n_frames} frames): "
          f"{statistics.median(index_times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
