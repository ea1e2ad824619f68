"""FFmpeg audio filters on a waveform in memory: ffstream.apply_audio_effect
against the ffmpeg command on the same raw samples and, where it runs,
torchaudio 2.8's AudioEffector (removed in torchaudio 2.9).

    .venv/bin/python benchmarks/audio_effects.py [--seconds 600] [--repeats 3]
        [--torchaudio-python /tmp/ta28/bin/python]

The signal is 10 minutes of 48 kHz stereo float32 (a sine and noise). Every
(peer, effect) run is a fresh process; the time runs from having the
waveform in memory (ffmpeg: from starting the command on the raw file) to
having every filtered sample (ffmpeg: written to a pipe that is discarded).
The median of the repeats is reported.
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
EFFECTS = ["atempo=1.25", "aresample=16000", "atempo=0.8,aecho=0.8:0.9:100:0.3"]
RATE = 48000

WORKER = r"""
import json, sys, time
import numpy as np
import torch
torch.set_num_threads(1)
spec = json.loads(sys.argv[1])
wave = torch.from_numpy(np.fromfile(spec["raw"], np.float32).reshape(-1, 2).copy())
t0 = time.perf_counter()
if spec["peer"] == "ffstream":
    import ffstream
    out = ffstream.apply_audio_effect(wave, spec["rate"], spec["effect"])
else:
    from torchaudio.io import AudioEffector
    out = AudioEffector(effect=spec["effect"]).apply(wave, spec["rate"])
print(json.dumps({"seconds": time.perf_counter() - t0, "frames": int(out.shape[0])}))
"""


def make_signal(path: Path, seconds: int) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    source = f"sine=frequency=440:sample_rate={RATE}:duration={seconds}"
    noise = f"anoisesrc=color=pink:sample_rate={RATE}:duration={seconds}:amplitude=0.3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-f", "lavfi",
                    "-i", noise, "-filter_complex", "[0][1]join=inputs=2:channel_layout=stereo",
                    "-f", "f32le", str(path)], check=True)


def run_ffmpeg(raw: Path, effect: str) -> dict:
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "2",
                    "-i", str(raw), "-af", effect, "-f", "f32le", "-"], check=True, stdout=subprocess.DEVNULL)
    return {"seconds": time.perf_counter() - t0}


def run_python(python: str, peer: str, raw: Path, effect: str) -> dict:
    spec = json.dumps({"peer": peer, "raw": str(raw), "effect": effect, "rate": RATE})
    proc = subprocess.run([python, "-c", WORKER, spec], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr.strip().splitlines() or ["?"])[-1])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=int, default=600)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--torchaudio-python", help="a Python with torch and torchaudio 2.8")
    p.add_argument("--media-dir", default=str(HERE.parent / "build" / "bench-media"))
    a = p.parse_args()
    raw = Path(a.media_dir) / f"stereo_f32_{RATE}_{a.seconds}s.raw"
    make_signal(raw, a.seconds)
    peers = ["ffstream", "ffmpeg"] + (["torchaudio"] if a.torchaudio_python else [])
    print(f"{a.seconds} s of {RATE} Hz stereo float32")
    print(f"{'effect':<36} {'peer':<11} {'median s':>9} {'/ ffstream':>10} {'frames':>10}")
    for effect in EFFECTS:
        results = {}
        for _ in range(a.repeats):
            for peer in peers:
                try:
                    if peer == "ffmpeg":
                        r = run_ffmpeg(raw, effect)
                    else:
                        r = run_python(sys.executable if peer == "ffstream" else a.torchaudio_python,
                                       peer, raw, effect)
                except (RuntimeError, subprocess.CalledProcessError) as error:
                    print(f"{peer} {effect}: failed: {error}", file=sys.stderr)
                    continue
                results.setdefault(peer, []).append(r)
        base = statistics.median(r["seconds"] for r in results["ffstream"])
        for peer, runs in results.items():
            med = statistics.median(r["seconds"] for r in runs)
            frames = runs[-1].get("frames", "")
            print(f"{effect:<36} {peer:<11} {med:9.3f} {med / base:10.2f} {frames:>10}")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
