"""Encoding benchmark: ffstream's StreamWriter against PyAV, torchcodec and
the ffmpeg command.

    .venv/bin/python benchmarks/encode.py [--repeats N] [--quick] [--cases NAME ...]
                                          [--peers ffstream,pyav,pyav19,torchcodec,ffmpeg]
                                          [--peer-path DIR] [--pyav19-python PY]

Each (case, peer) run is a fresh worker process (_encode_workers.py), repeats
are interleaved and peers rotated as in run.py. The inputs are made once,
before any run, with the ffmpeg command from the benchmark media
(make_media.py): the first 60 frames of the 1080p H.264 video as raw rgb24
(each video run encodes them 5 times over: 10 s at 30 fps, without holding
1.9 GB of frames), and the 10-minute WAV as raw float32, 48 kHz stereo. The
clips (1 s, 16 kHz mono) are synthesized in the worker. Workers load their
input before the clock starts; what is timed is encoding and muxing. Every
output is checked with ffprobe on the first repeat: it must decode, with the
expected frame count (video, clips) or sample count within 4096 samples
(the audio codecs' priming and padding).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _encode_workers import AUDIO, CHANNELS, CLIP_RATE, RATE, VIDEO  # noqa: E402
from make_media import FPS, make_media  # noqa: E402
from run import (  # noqa: E402
    _opt,
    fmt_s,
    machine_info,
    probe_peers,
    run_worker,
    summarize,
    worker_env,
)

PEERS = ["ffstream", "pyav", "pyav19", "torchcodec", "ffmpeg"]
AUDIO_SLACK = 4096  # samples a lossy codec may add or drop (priming, padding)


def _rows(*extra):
    return [(p, p, {}) for p in PEERS] + list(extra)


CASES = [
    dict(name="h264", op="video", codec="h264", unit="frames",
         title="1080p rgb24 -> H.264 (libx264 veryfast, crf 23, 1 thread, yuv420p), mp4",
         rows=_rows(("ffstream openh264", "ffstream", {"codec": "openh264"}))),
    dict(name="vp9", op="video", codec="vp9", unit="frames",
         title="1080p rgb24 -> VP9 (libvpx-vp9 realtime, cpu-used 8, 1 thread), webm"),
    dict(name="ffv1", op="video", codec="ffv1", unit="frames",
         title="1080p rgb24 -> FFV1 (yuv420p, 1 thread), mkv"),
    dict(name="flac", op="audio", codec="flac", unit="audio-s",
         title="48 kHz stereo float32 -> FLAC (s16)"),
    dict(name="mp3", op="audio", codec="mp3", unit="audio-s",
         title="48 kHz stereo float32 -> MP3 (libmp3lame 128k)"),
    dict(name="opus", op="audio", codec="opus", unit="audio-s",
         title="48 kHz stereo float32 -> Opus (libopus 96k), Ogg (.opus)"),
    dict(name="aac", op="audio", codec="aac", unit="audio-s",
         title="48 kHz stereo float32 -> AAC (FFmpeg's aac 128k), ADTS"),
    dict(name="clips", op="clips", codec="flac", unit="clips",
         title="1 s 16 kHz mono float32 clips -> one FLAC each in an io.BytesIO"),
]
for _c in CASES:
    _c["spec"] = {"rate": RATE}  # for summarize's audio-s


def _ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                    *args], check=True)


def make_inputs(media_dir: Path, out_dir: Path, frames: int, audio_s: float) -> dict:
    """Raw inputs for the workers (cached): rgb24 frames and f32le samples."""
    media = make_media(media_dir, 10, 600, only=["1080p", "wav"])
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / f"1080p_{frames}f.rgb"
    if not video.exists():
        _ffmpeg("-i", str(media["1080p"]), "-frames:v", str(frames), "-f", "rawvideo",
                "-pix_fmt", "rgb24", str(video) + ".tmp")
        os.replace(str(video) + ".tmp", video)
    audio = out_dir / f"48k_stereo_{audio_s:g}s.f32"
    if not audio.exists():
        _ffmpeg("-i", str(media["wav"]), "-t", str(audio_s), "-ac", str(CHANNELS),
                "-ar", str(RATE), "-f", "f32le", str(audio) + ".tmp")
        os.replace(str(audio) + ".tmp", audio)
    return dict(video=str(video), audio=str(audio))


def _probe(path, entries, count=False):
    cmd = ["ffprobe", "-v", "error", *(["-count_frames"] if count else []),
           "-show_entries", entries, "-of", "json", str(path)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "ffprobe failed")
    return json.loads(p.stdout)


def check_output(spec, expected, res) -> str:
    """What ffprobe says of the output: 'ok ...' or what is wrong. For the
    clips: every clip non-empty (the worker counts them), the first and the
    last decoded."""
    try:
        if spec["op"] == "video":
            s = _probe(spec["out"], "stream=codec_name,pix_fmt,nb_read_frames", True)["streams"][0]
            n = int(s["nb_read_frames"])
            verdict = "ok" if n == expected else "WRONG"
            return f"{verdict} {s['codec_name']} {s['pix_fmt']} {n} frames"
        if spec["op"] == "audio":
            info = _probe(spec["out"], "stream=codec_name:frame=nb_samples")
            n = sum(int(f["nb_samples"]) for f in info["frames"])
            verdict = "ok" if abs(n - expected) <= AUDIO_SLACK else "WRONG"
            return f"{verdict} {info['streams'][0]['codec_name']} {n - expected:+d} samples"
        counts = []
        for name in ("first.flac", "last.flac"):
            info = _probe(Path(spec["out"]) / name, "frame=nb_samples")
            counts.append(sum(int(f["nb_samples"]) for f in info["frames"]))
        verdict = "ok" if counts == [CLIP_RATE] * 2 and res["frames"] == expected else "WRONG"
        return f"{verdict} {res['frames']} clips, first/last {counts[0]}/{counts[1]} samples"
    except (RuntimeError, KeyError, IndexError, ValueError) as e:
        return f"WRONG: {e}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=None,
                    help="runs per case and peer (default 3; 1 with --quick)")
    ap.add_argument("--quick", action="store_true",
                    help="1 repeat, 20 video frames, 20 s of audio, 20 clips (a smoke run)")
    ap.add_argument("--cases", nargs="+", metavar="NAME",
                    help="cases to run (default all): " + " ".join(c["name"] for c in CASES))
    ap.add_argument("--peers", default=",".join(PEERS),
                    help="comma-separated peers (default all; ffstream is always run)")
    ap.add_argument("--peer-path", action="append", default=[], metavar="DIR",
                    help="directory with peer packages, appended to the workers' "
                    "PYTHONPATH; may repeat")
    ap.add_argument("--pyav19-python", metavar="PYTHON",
                    help="a Python with PyAV 19 and numpy: runs the pyav19 rows")
    ap.add_argument("--media-dir", type=Path, default=ROOT / "build" / "bench-media",
                    help="the benchmark media (make_media.py; made if missing)")
    ap.add_argument("--json", type=Path, default=None,
                    help="write every run here (default build/bench-results/encode-<time>.json)")
    a = ap.parse_args(argv)

    repeats = a.repeats or (1 if a.quick else 3)
    frames, video_repeat = (10, 2) if a.quick else (60, 5)
    audio_s = 20 if a.quick else 600
    n_clips = 20 if a.quick else 1000
    cases = CASES
    if a.cases:
        unknown = set(a.cases) - {c["name"] for c in CASES}
        if unknown:
            ap.error(f"unknown cases {sorted(unknown)}; known: "
                     + " ".join(c["name"] for c in CASES))
        cases = [c for c in CASES if c["name"] in a.cases]
    wanted = {p.strip() for p in a.peers.split(",") if p.strip()} | {"ffstream"}
    env = worker_env(a.peer_path)

    started = datetime.datetime.now().astimezone()
    load0 = os.getloadavg()
    mi = machine_info()
    print(f"# ffstream encoding benchmark, {started:%Y-%m-%d %H:%M %Z}", flush=True)
    print(f"machine: {mi['cpu']}, {mi['cores']} cores, {mi['system']}, Python {mi['python']}")
    print(f"load average at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")
    versions, notes = probe_peers(PEERS, wanted, env, a.pyav19_python)
    if "ffstream" not in versions:
        print("ffstream itself cannot be imported:", notes[-1], file=sys.stderr)
        return 1
    for peer, v in versions.items():
        print(f"{peer}: {v}")

    inputs = make_inputs(a.media_dir, ROOT / "build" / "bench-encode", frames, audio_s)
    w, h = 1920, 1080
    expected = dict(video=frames * video_repeat, audio=int(audio_s * RATE), clips=n_clips)
    print(f"inputs: {frames} frames of 1080p rgb24 x {video_repeat} at {FPS} fps; "
          f"{audio_s:g} s of 48 kHz stereo float32; {n_clips} clips of 1 s, 16 kHz mono")

    plan = []
    for c in cases:
        rows = []
        for label, peer, extra in c.get("rows") or _rows():
            if peer not in versions:
                continue
            codec = extra.get("codec", c["codec"])
            ext = (VIDEO if c["op"] == "video" else AUDIO)[codec]["ext"]
            spec = dict(op=c["op"], peer=peer, codec=codec, ext=ext, fps=FPS,
                        width=w, height=h, repeat=video_repeat, clips=n_clips,
                        input=inputs.get(c["op"], ""))
            rows.append((label, spec))
        plan.append((c, rows))

    results = {(c["name"], label): [] for c, rows in plan for label, _ in rows}
    checks = {}
    total = sum(len(rows) for _, rows in plan) * repeats
    done = 0
    t_start = time.perf_counter()
    for rep in range(repeats):
        for c, rows in plan:
            k = rep % len(rows) if rows else 0
            for label, spec in rows[k:] + rows[:k]:
                tmp = tempfile.mkdtemp(prefix="ffstream-enc-")
                try:
                    spec = dict(spec, out=tmp if c["op"] == "clips"
                                else os.path.join(tmp, f"out.{spec['ext']}"))
                    res, rss = run_worker(spec, env, script="_encode_workers.py")
                    if rep == 0 and "seconds" in res:
                        checks[(c["name"], label)] = check_output(spec, expected[c["op"]], res)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
                res["rss_kb"] = res.get("child_maxrss_kb", rss)
                res["repeat"] = rep
                results[(c["name"], label)].append(res)
                done += 1
                status = (f"{res['seconds']:.3f} s" if "seconds" in res
                          else res.get("skip") or res.get("error"))
                print(f"  [{done}/{total}] repeat {rep + 1} {c['name']:6s} {label:18s} {status}",
                      file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t_start
    load1 = os.getloadavg()

    summary = {}
    for c, rows in plan:
        for label, _ in rows:
            runs = results[(c["name"], label)]
            for r in runs:
                if "error" in r or "skip" in r:
                    why = f"failed: {r['error']}" if "error" in r else f"skipped, {r['skip']}"
                    notes.append(f"{c['name']}: {label} {why}")
                    break
            s = summarize(c, label, runs, {})
            if s:
                s["output_mb"] = statistics.median([r["bytes"] for r in runs if "bytes" in r]) / 1e6
                s["check"] = checks.get((c["name"], label), "-")
                summary[(c["name"], label)] = s

    print()
    print(f"{repeats} repeat(s) per row, each run a fresh process; {elapsed / 60:.1f} min; "
          f"load average at end: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    print("ratio = row's median time / ffstream's (above 1: ffstream is faster); "
          "check = ffprobe on the first repeat's output")
    print()
    print("| case | peer | median s | min s | max s | throughput | output MB | peak RSS MB "
          "| minor faults | CPU s / s | ratio | check |")
    print("|" + "---|" * 12)
    for c, rows in plan:
        base = summary.get((c["name"], "ffstream"))
        for label, _ in rows:
            s = summary.get((c["name"], label))
            if not s:
                continue
            ratio = f"{s['median'] / base['median']:.2f}" if base else "-"
            print(f"| {c['name']} | {label} | {fmt_s(s['median'])} | {fmt_s(s['min'])} "
                  f"| {fmt_s(s['max'])} | {s['throughput']:.1f} {s['unit']} "
                  f"| {s['output_mb']:.2f} | {s['rss_mb']:.0f} | {_opt(s['minor_faults'], 'd')} "
                  f"| {_opt(s['cpu_per_wall'], '.2f')} | {ratio} | {s['check']} |")
    print()
    print("Peak RSS includes the input each worker holds: the video frames "
          f"({frames * w * h * 3 / 1e6:.0f} MB; torchcodec, whose API takes every frame at "
          f"once, {frames * video_repeat * w * h * 3 / 1e6:.0f} MB more), the samples "
          f"({audio_s * RATE * CHANNELS * 4 / 1e6:.0f} MB); the ffmpeg rows give the ffmpeg "
          "process's own, which reads its input from a file.")
    print()
    print("## Cases")
    for c, _ in plan:
        print(f"- {c['name']}: {c['title']}")
    if notes:
        print()
        print("## Notes")
        for n in dict.fromkeys(notes):
            print(f"- {n}")

    out = a.json or ROOT / "build" / "bench-results" / f"encode-{started:%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(dict(
        started=started.isoformat(), machine=mi, load_start=load0, load_end=load1,
        versions=versions, repeats=repeats, frames=frames, video_repeat=video_repeat,
        audio_seconds=audio_s, clips=n_clips, notes=list(dict.fromkeys(notes)),
        checks={f"{k[0]} | {k[1]}": v for k, v in checks.items()},
        runs={f"{k[0]} | {k[1]}": v for k, v in results.items()},
        summary=[dict(s, frames_set=None) for s in summary.values()],
    ), indent=1))
    print(f"\nall runs: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
