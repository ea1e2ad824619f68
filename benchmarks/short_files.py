"""Many short files, as a data loader reads them: N clips of 1-3 s, each
opened, decoded whole and closed, one after another and from 2 threads.
16 kHz mono FLAC and WAV to float32, 320x240 H.264 mp4 to RGB, and 320x240
H.264 + 16 kHz AAC mp4 to RGB and float32 (both streams of each file);
ffstream against PyAV and torchcodec on the same files, with ffstream's
per-file split (open, add the outputs, decode, close).

    .venv/bin/python benchmarks/short_files.py --peer-path /tmp/bench-peers [--count 300]
        [--kinds flac,wav,video,av]

Every (peer, mode) run is a fresh Python process; the median of the repeats
is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

WORKER = r"""
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
spec = json.loads(sys.argv[1])
import torch
torch.set_num_threads(1)
files, peer, kind = spec["files"], spec["peer"], spec["kind"]
split = {"open": 0.0, "add": 0.0, "decode": 0.0, "close": 0.0}

def ffstream_one(path):
    from ffstream import StreamReader
    a = time.perf_counter()
    r = StreamReader(path)
    b = time.perf_counter()
    if kind in ("video", "av"):
        r.add_basic_video_stream(-1, -1, format="rgb24")
    if kind != "video":
        r.add_basic_audio_stream(-1, -1, format="flt")
    c = time.perf_counter()
    r.process_all_packets()
    x = r.pop_chunks()[0]
    d = time.perf_counter()
    r.close()
    e = time.perf_counter()
    for k, v in (("open", b - a), ("add", c - b), ("decode", d - c), ("close", e - d)):
        split[k] += v
    return x.shape[0]

def pyav_one(path):
    import av
    import numpy as np
    with av.open(path) as c:
        if kind in ("flac", "wav"):
            s = c.streams.audio[0]
            parts = [f.to_ndarray() for f in c.decode(s)]
            return torch.from_numpy(np.concatenate(parts, axis=1).T.astype(np.float32)).shape[0]
        s = c.streams.video[0]
        s.thread_count = 1
        if kind == "video":
            return torch.stack([torch.from_numpy(f.to_ndarray(format="rgb24")) for f in c.decode(s)]).shape[0]
        # Both streams in one pass over the packets.
        frames, samples = [], []
        for f in c.decode(s, c.streams.audio[0]):
            if isinstance(f, av.VideoFrame):
                frames.append(torch.from_numpy(f.to_ndarray(format="rgb24")))
            else:
                samples.append(f.to_ndarray())
        torch.from_numpy(np.concatenate(samples, axis=1).T.astype(np.float32))
        return torch.stack(frames).shape[0]

def torchcodec_one(path):
    from torchcodec.decoders import AudioDecoder, VideoDecoder
    if kind in ("flac", "wav"):
        return AudioDecoder(path).get_all_samples().data.shape[1]
    d = VideoDecoder(path, num_ffmpeg_threads=1, seek_mode="approximate")
    n = d.get_frames_in_range(0, len(d)).data.shape[0]
    if kind == "av":  # its audio is a second decoder, as torchcodec has it
        AudioDecoder(path).get_all_samples()
    return n

one = {"ffstream": ffstream_one, "pyav": pyav_one, "torchcodec": torchcodec_one}[peer]
one(files[0])  # imports and first-use costs outside the timing
split = dict.fromkeys(split, 0.0)
t0 = time.perf_counter()
if spec["threads"] == 1:
    n = sum(one(f) for f in files)
else:
    with ThreadPoolExecutor(spec["threads"]) as pool:
        n = sum(pool.map(one, files))
print(json.dumps({"seconds": time.perf_counter() - t0, "frames": n, "split": split}))
"""


KINDS = {
    "flac": "FLAC -> float32",
    "wav": "WAV -> float32",
    "video": "H.264 320x240 -> RGB",
    "av": "H.264+AAC -> RGB+float32",
}


def make_clips(directory: Path, count: int, kinds) -> dict:
    directory.mkdir(parents=True, exist_ok=True)
    clips = {kind: [] for kind in kinds}
    for i in range(count):
        seconds = 1 + i % 3
        sine = ["-f", "lavfi", "-i", f"sine=frequency={200 + i}:sample_rate=16000:duration={seconds}"]
        video = ["-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=30:duration={seconds}"]
        x264 = ["-c:v", "libx264", "-preset", "fast", "-pix_fmt", "yuv420p"]
        recipes = {
            "flac": (f"a{i}.flac", [*sine, "-c:a", "flac"]),
            "wav": (f"w{i}.wav", [*sine, "-c:a", "pcm_s16le"]),
            "video": (f"v{i}.mp4", [*video, *x264]),
            "av": (f"av{i}.mp4", [*video, *sine, *x264, "-c:a", "aac", "-shortest"]),
        }
        for kind in kinds:
            name, args = recipes[kind]
            path = directory / name
            if not path.exists():
                cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args, str(path)]
                subprocess.run(cmd, check=True)
            clips[kind].append(str(path))
    return clips


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--peer-path", action="append", default=[])
    p.add_argument("--count", type=int, default=300)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--kinds", default="flac,video", help="of " + ",".join(KINDS))
    p.add_argument("--media-dir", default=str(HERE.parent / "build" / "bench-media" / "short"))
    a = p.parse_args()
    kinds = a.kinds.split(",")
    env = dict(os.environ)
    if a.peer_path:
        env["PYTHONPATH"] = os.pathsep.join([*a.peer_path, env.get("PYTHONPATH", "")])
    clips = make_clips(Path(a.media_dir), a.count, kinds)
    print(f"{'case':<34} {'peer':<11} {'threads':>7} {'median s':>9} {'files/s':>8} {'/ ffstream':>10}")
    for kind in kinds:
        for threads in (1, 2):
            results = {}
            for _ in range(a.repeats):
                for peer in ("ffstream", "pyav", "torchcodec"):
                    spec = {"files": clips[kind], "peer": peer, "kind": kind, "threads": threads}
                    proc = subprocess.run([sys.executable, "-c", WORKER, json.dumps(spec)],
                                          capture_output=True, text=True, env=env)
                    if proc.returncode != 0:
                        print(f"{peer}: failed: {proc.stderr.strip().splitlines()[-1]}", file=sys.stderr)
                        continue
                    results.setdefault(peer, []).append(json.loads(proc.stdout.strip().splitlines()[-1]))
            base = statistics.median(r["seconds"] for r in results["ffstream"])
            case = f"{a.count} {KINDS[kind]}"
            for peer, runs in results.items():
                med = statistics.median(r["seconds"] for r in runs)
                rate = a.count / med
                print(f"{case:<34} {peer:<11} {threads:>7} {med:9.3f} {rate:8.0f} {med / base:10.2f}")
            if threads == 1:
                split = results["ffstream"][-1]["split"]
                print("  ffstream per file: " + ", ".join(
                    f"{k} {v / a.count * 1e6:.0f} us" for k, v in split.items()))


if __name__ == "__main__":
    main()
