"""ffstream's benchmark suite: every case for ffstream and each installed peer.

    .venv/bin/python benchmarks/run.py [--repeats N] [--quick] [--cases NAME ...]
                                       [--peers ffstream,pyav,pyav19,torchcodec,spdl,ffmpeg]
                                       [--peer-path DIR] [--pyav19-python PY] [--json FILE]

Makes the media first (benchmarks/make_media.py, cached in build/bench-media),
then runs every (case, peer) pair in a fresh Python process (_workers.py), so
that each run starts cold and its peak RSS is its own (os.wait4). Runs are
interleaved: each repeat goes once through all cases, and through the peers of
a case in an order rotated from repeat to repeat, so that a machine busy with
other work slows every peer alike. Prints a markdown table (median, min and
max time, throughput, peak RSS, time as a ratio to ffstream's), the ffstream-
only cases (two files in two threads, memory against file length) and the
issue's targets.

A peer that is not installed (or fails to import) is skipped with a note. Peers
installed in a separate directory are found with --peer-path DIR (appended to
the workers' PYTHONPATH; ffstream itself comes from the environment, so
PYTHONPATH=/path/to/build works too).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from make_media import FPS, make_media  # noqa: E402

PEERS = ["ffstream", "pyav", "pyav19", "torchcodec", "spdl", "ffmpeg"]
# Peers compared with ffstream in the targets (the ffmpeg command is the floor).
LIBRARY_PEERS = ("pyav", "pyav19", "torchcodec", "spdl")
N_SEEKS = 20
SEEK_SEED = 5

# Each case: what to run, on which media, with which peers. "variants" lists
# the rows (label, peer, extra spec); the default rows are one per peer.


def _rows(*extra):
    return [(p, p, {}) for p in PEERS] + list(extra)


# Video cases run at two granularities, since what a peer hands over per call
# decides how much memory the decode writes: frame by frame (PyAV's
# to_ndarray, ffstream with frames_per_chunk=1), or in batches of 32 frames
# (torchcodec's get_frames_in_range, ffstream's default 32-frame chunks,
# PyAV's frames stacked by torch.stack). Each peer is compared with ffstream
# at its own granularity; the ffmpeg command streams frames through a pipe.
BATCH = 32
FRAME_ROWS = ("ffstream 1/chunk", "pyav", "pyav19")


def _video_rows(*extra):
    return [
        ("ffstream", "ffstream", {}),
        ("ffstream 1/chunk", "ffstream", {"frames_per_chunk": 1}),
        ("pyav", "pyav", {}),
        (f"pyav stack {BATCH}", "pyav", {"stack": BATCH}),
        ("pyav19", "pyav19", {}),
        (f"pyav19 stack {BATCH}", "pyav19", {"stack": BATCH}),
        ("torchcodec", "torchcodec", {}),
        ("spdl", "spdl", {}),
        ("ffmpeg", "ffmpeg", {}),
        *extra,
    ]


CASES = [
    dict(
        name="1080p-rgb",
        title="H.264 1080p -> RGB, 1 thread",
        op="video",
        media="1080p",
        spec=dict(format="rgb24", threads=1),
        unit="frames",
        rows=_video_rows(),
    ),
    dict(
        name="1080p-rgb-mt",
        title="H.264 1080p -> RGB, FFmpeg threads",
        op="video",
        media="1080p",
        spec=dict(format="rgb24", threads=0),
        unit="frames",
        rows=_video_rows(),
    ),
    dict(
        name="720p-rgb",
        title="H.264 720p -> RGB",
        op="video",
        media="720p",
        spec=dict(format="rgb24", threads=1),
        unit="frames",
        rows=_video_rows(),
    ),
    dict(
        name="720p-yuv420p",
        title="H.264 720p -> yuv420p (N,3,H,W)",
        op="video",
        media="720p",
        spec=dict(format="yuv420p", threads=1),
        unit="frames",
        rows=_video_rows(
            ("ffmpeg 4:2:0 planes", "ffmpeg", {"native_planes": True}),
            ("ffstream i420 planes", "ffstream", {"yuv_layout": "i420"}),
            ("pyav 4:2:0 planes", "pyav", {"native_planes": True}),
            (f"pyav 4:2:0 planes stack {BATCH}", "pyav", {"native_planes": True, "stack": BATCH}),
            ("pyav19 4:2:0 planes", "pyav19", {"native_planes": True}),
            ("spdl 4:2:0 planes", "spdl", {"native_planes": True}),
        ),
        skip={"torchcodec": "decodes video to RGB only"},
    ),
    dict(
        name="1080p-224",
        title="H.264 1080p -> 224x224 RGB",
        op="video",
        media="1080p",
        spec=dict(format="rgb24", threads=1, width=224, height=224),
        unit="frames",
        rows=_video_rows(),
    ),
    dict(
        name="hevc-rgb",
        title="HEVC 720p -> RGB",
        op="video",
        media="hevc",
        spec=dict(format="rgb24", threads=1),
        unit="frames",
        rows=_video_rows(),
    ),
    dict(
        name="vp9-rgb",
        title="VP9 720p -> RGB",
        op="video",
        media="vp9",
        spec=dict(format="rgb24", threads=1),
        unit="frames",
        rows=_video_rows(),
    ),
    dict(
        name="aac-f32",
        title="AAC -> float32",
        op="audio",
        media="aac",
        spec={},
        unit="audio-s",
    ),
    dict(
        name="mp3-f32",
        title="MP3 -> float32",
        op="audio",
        media="mp3",
        spec={},
        unit="audio-s",
    ),
    dict(
        name="flac-f32",
        title="FLAC -> float32",
        op="audio",
        media="flac",
        spec={},
        unit="audio-s",
    ),
    dict(
        name="wav-f32",
        title="WAV -> float32",
        op="audio",
        media="wav",
        spec={},
        unit="audio-s",
    ),
    dict(
        name="aac-16k-mono",
        title="AAC -> 16 kHz mono float32",
        op="audio",
        media="aac",
        spec=dict(rate=16000, channels=1),
        unit="audio-s",
    ),
    dict(
        name="seek",
        title=f"{N_SEEKS} precise seeks in 1080p, 1 RGB frame each",
        op="seek",
        media="1080p",
        spec={},
        unit="seeks",
        rows=_rows(("ffstream key+decode (ref)", "ffstream", {"op": "keyseek"})),
    ),
    dict(
        name="par2",
        title="two 1080p files -> RGB: sequential vs 2 threads",
        op="par2",
        media="1080p",
        spec={},
        unit="frames",
        rows=[
            ("ffstream sequential", "ffstream", {"mode": "seq"}),
            ("ffstream 2 threads", "ffstream", {"mode": "threads"}),
            ("ffstream 2 processes (ref)", "ffstream", {"mode": "processes"}),
        ],
        base="ffstream sequential",
    ),
    dict(
        name="mem",
        title="1080p -> RGB chunked (32 frames, buffer 3): length x1 vs x2",
        op="video",
        media="1080p",
        unit="frames",
        spec=dict(format="rgb24", threads=1, buffer_chunk_size=3),
        rows=[
            ("ffstream x1 length", "ffstream", {}),
            ("ffstream x2 length", "ffstream", {"media": "1080p_2x"}),
        ],
        base="ffstream x1 length",
    ),
]


# ----------------------------------------------------------------------------


def probe_media(path: Path) -> dict:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    info = json.loads(out)
    s = info["streams"][0]
    d = dict(duration=float(info["format"]["duration"]))
    if s["codec_type"] == "video":
        d.update(src_width=s["width"], src_height=s["height"])
    else:
        d.update(src_channels=s["channels"], src_rate=int(s["sample_rate"]))
    return d


def worker_env(peer_paths):
    env = dict(os.environ)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(parts + [str(p) for p in peer_paths])
    return env


# Peers that run under another Python (--pyav19-python): (interpreter,
# environment); the others run under this one with worker_env's PYTHONPATH.
OTHER_PYTHON: dict = {}


def run_worker(spec: dict, env: dict, timeout: float = 600, script: str = "_workers.py"):
    """Runs one worker (``script``, in this directory); returns (result dict,
    its peak RSS in KB)."""
    python, env = OTHER_PYTHON.get(spec["peer"], (sys.executable, env))
    cmd = [python, str(HERE / script), json.dumps(spec)]
    p = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            p.kill()
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = -9
            return {"error": f"timed out after {timeout:.0f} s"}, ru.ru_maxrss
        time.sleep(0.02)
    p.returncode = os.waitstatus_to_exitcode(status)
    out, err = p.stdout.read(), p.stderr.read()
    if p.returncode != 0:
        lines = [ln for ln in err.strip().splitlines() if ln.strip()]
        return {
            "error": lines[-1] if lines else f"exit status {p.returncode}"
        }, ru.ru_maxrss
    # ru.ru_maxrss is the worker's (or a reaped child's, if larger). The ffmpeg
    # peer reports the ffmpeg process's own.
    return json.loads(out.strip().splitlines()[-1]), ru.ru_maxrss


def probe_peers(peers, wanted, env, pyav19_python):
    """Imports each peer in a worker: returns ({peer: version}, notes); a peer
    not wanted, missing or failing to import is left out with a note."""
    versions, notes = {}, []
    for peer in peers:
        if peer not in wanted:
            notes.append(f"{peer}: not requested (--peers)")
            continue
        if peer == "ffmpeg" and shutil.which("ffmpeg") is None:
            notes.append("ffmpeg: skipped, no ffmpeg command on PATH")
            continue
        if peer == "pyav19":
            if not pyav19_python:
                notes.append("pyav19: skipped, no --pyav19-python")
                continue
            # Its own interpreter and nothing of this one's path.
            bare = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            OTHER_PYTHON["pyav19"] = (pyav19_python, bare)
        res, _ = run_worker({"op": "probe", "peer": peer}, env, timeout=120)
        if "version" in res:
            versions[peer] = res["version"]
        else:
            notes.append(f"{peer}: skipped, not available ({res.get('error')})")
    return versions, notes


def machine_info() -> dict:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return dict(
        cpu=cpu,
        cores=os.cpu_count(),
        system=platform.platform(),
        python=platform.python_version(),
    )


# ----------------------------------------------------------------------------


def fmt_s(x):
    return f"{x:.3f}" if x < 10 else f"{x:.2f}"


def summarize(case, label, runs, media_info):
    ok = [r for r in runs if "seconds" in r]
    if not ok:
        return None
    secs = [r["seconds"] for r in ok]
    med = statistics.median(secs)
    frames = ok[0]["frames"]
    if case["unit"] == "audio-s":
        rate = case["spec"].get("rate") or media_info["src_rate"]
        amount = frames / rate
    else:
        amount = frames
    rss = max(r["rss_kb"] for r in ok) / 1024
    # CPU seconds per wall second of the timed work, and the pages the kernel
    # mapped for it (fresh memory; reused memory costs none).
    cpu = [r["cpu_seconds"] / r["seconds"] for r in ok if "cpu_seconds" in r]
    faults = [r["minor_faults"] for r in ok if "minor_faults" in r]
    return dict(
        cpu_per_wall=statistics.median(cpu) if cpu else None,
        minor_faults=int(statistics.median(faults)) if faults else None,
        case=case["name"],
        label=label,
        median=med,
        min=min(secs),
        max=max(secs),
        n=len(ok),
        frames=frames,
        throughput=amount / med,
        unit={
            "frames": "frames/s",
            "audio-s": "audio-s/s",
            "seeks": "seeks/s",
            "clips": "clips/s",
        }[case["unit"]],
        rss_mb=rss,
        frames_set=sorted({r["frames"] for r in ok}),
    )


def _opt(x, spec):
    return "-" if x is None else format(x, spec)


def base_label(case, label):
    """The ffstream row a row is compared with: the same granularity."""
    if "base" in case:
        return case["base"]
    labels = {lb for lb, _, _ in case.get("rows") or _rows()}
    if label in FRAME_ROWS and "ffstream 1/chunk" in labels:
        return "ffstream 1/chunk"
    return "ffstream"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="runs per case and peer (default 5; 1 with --quick)",
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="1 repeat, 3-s videos and 60-s audio (a smoke run)",
    )
    ap.add_argument(
        "--cases",
        nargs="+",
        metavar="NAME",
        help="cases to run (default all): " + " ".join(c["name"] for c in CASES),
    )
    ap.add_argument(
        "--peers",
        default=",".join(PEERS),
        help="comma-separated peers (default all; ffstream is always run)",
    )
    ap.add_argument(
        "--peer-path",
        action="append",
        default=[],
        metavar="DIR",
        help="directory with peer packages (pip install --target DIR ...); "
        "appended to the workers' PYTHONPATH; may repeat",
    )
    ap.add_argument(
        "--pyav19-python",
        metavar="PYTHON",
        help="a Python 3.12+ with PyAV 19 (and numpy) installed: runs the "
        "pyav19 rows (PyAV's own FFmpeg 9); without it they are skipped",
    )
    ap.add_argument("--media-dir", type=Path, default=ROOT / "build" / "bench-media")
    ap.add_argument(
        "--video-seconds",
        type=float,
        default=None,
        help="length of the H.264 videos (default 10; 3 with --quick)",
    )
    ap.add_argument(
        "--audio-seconds",
        type=float,
        default=None,
        help="length of the audio files (default 600; 60 with --quick)",
    )
    ap.add_argument(
        "--json",
        type=Path,
        default=None,
        help="write every run here (default build/bench-results/<time>.json)",
    )
    a = ap.parse_args(argv)

    repeats = a.repeats or (1 if a.quick else 5)
    vsec = a.video_seconds or (3 if a.quick else 10)
    asec = a.audio_seconds or (60 if a.quick else 600)
    cases = CASES
    if a.cases:
        unknown = set(a.cases) - {c["name"] for c in CASES}
        if unknown:
            ap.error(
                f"unknown cases {sorted(unknown)}; known: "
                + " ".join(c["name"] for c in CASES)
            )
        cases = [c for c in CASES if c["name"] in a.cases]
    wanted = {p.strip() for p in a.peers.split(",") if p.strip()} | {"ffstream"}
    env = worker_env(a.peer_path)

    started = datetime.datetime.now().astimezone()
    load0 = os.getloadavg()
    print(f"# ffstream benchmarks, {started:%Y-%m-%d %H:%M %Z}", flush=True)
    mi = machine_info()
    print(
        f"machine: {mi['cpu']}, {mi['cores']} cores, {mi['system']}, "
        f"Python {mi['python']}"
    )
    print(
        f"load average at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}"
        " (other work on the machine slows all peers alike: runs are interleaved)"
    )

    versions, notes = probe_peers(PEERS, wanted, env, a.pyav19_python)
    if "ffstream" not in versions:
        print("ffstream itself cannot be imported:", notes[-1], file=sys.stderr)
        return 1
    for peer, v in versions.items():
        print(f"{peer}: {v}")
    for n in notes:
        print("note:", n)

    # Media.
    need = {c["media"] for c in cases} | {
        r[2]["media"] for c in cases for r in c.get("rows", []) if "media" in r[2]
    }
    media = make_media(a.media_dir, vsec, asec, only=sorted(need))
    info = {k: probe_media(media[k]) for k in need}
    print(
        f"media: {a.media_dir} (H.264 videos {vsec:g} s at {FPS} fps, "
        f"HEVC/VP9 {min(vsec, 5):g} s, audio {asec:g} s)"
    )

    # Seek times: fixed, seeded, on frame boundaries, in random order.
    rng = random.Random(SEEK_SEED)
    n_frames = int(round(info.get("1080p", {}).get("duration", vsec) * FPS))
    seek_times = [rng.randrange(0, n_frames - 1) / FPS for _ in range(N_SEEKS)]

    # The plan: rows per case, minus skipped peers.
    plan = []
    for c in cases:
        rows = []
        for label, peer, extra in c.get("rows") or _rows():
            if peer not in versions:
                continue
            if peer in c.get("skip", {}):
                notes.append(f"{c['name']}: {peer} skipped, {c['skip'][peer]}")
                continue
            m = extra.get("media", c["media"])
            spec = dict(
                op=c["op"], peer=peer, path=str(media[m]), **info[m], **c["spec"]
            )
            spec.update({k: v for k, v in extra.items() if k != "media"})
            if c["op"] == "seek":
                spec["times"] = seek_times
            if c["op"] == "par2":
                spec["paths"] = [str(media[m])] * 2
            rows.append((label, spec))
        plan.append((c, rows))

    # RSS floor: a worker that only imports what a peer's runs import.
    floor = {}
    for peer in ("ffstream", *LIBRARY_PEERS):
        if peer in versions:
            _, rss = run_worker({"op": "noop", "peer": peer}, env)
            floor[peer] = rss / 1024

    results = {(c["name"], label): [] for c, rows in plan for label, _ in rows}
    total = sum(len(rows) for _, rows in plan) * repeats
    done = 0
    t_start = time.perf_counter()
    for rep in range(repeats):
        for c, rows in plan:
            k = rep % len(rows) if rows else 0
            for label, spec in rows[k:] + rows[:k]:
                res, rss = run_worker(spec, env)
                res["rss_kb"] = res.get("child_maxrss_kb", rss)
                res["repeat"] = rep
                results[(c["name"], label)].append(res)
                done += 1
                status = (
                    f"{res['seconds']:.3f} s"
                    if "seconds" in res
                    else res.get("skip") or res.get("error")
                )
                print(
                    f"  [{done}/{total}] repeat {rep + 1} {c['name']:13s} "
                    f"{label:27s} {status}",
                    file=sys.stderr,
                    flush=True,
                )
    elapsed = time.perf_counter() - t_start
    load1 = os.getloadavg()

    # ---- report ----
    summary = {}
    for c, rows in plan:
        for label, _ in rows:
            runs = results[(c["name"], label)]
            for r in runs:
                if "error" in r:
                    notes.append(f"{c['name']}: {label} failed: {r['error']}")
                    break
                if "skip" in r:
                    notes.append(f"{c['name']}: {label} skipped, {r['skip']}")
                    break
            s = summarize(c, label, runs, info[c["media"]])
            if s:
                summary[(c["name"], label)] = s

    print()
    print(
        f"{repeats} repeat(s) per row, each run a fresh process; "
        f"{elapsed / 60:.1f} min; load average at end: "
        f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}"
    )
    print(
        "ratio = row's median time / the median time of ffstream's row at "
        "the same granularity (above 1: ffstream is faster)"
    )
    print()
    hdr = (
        "| case | peer | median s | min s | max s | throughput | peak RSS MB "
        "| minor faults | CPU s / s | ratio |"
    )
    print(hdr)
    print("|" + "---|" * 10)
    for c, rows in plan:
        for label, _ in rows:
            s = summary.get((c["name"], label))
            if not s:
                continue
            base = summary.get((c["name"], base_label(c, label)))
            ratio = f"{s['median'] / base['median']:.2f}" if base else "-"
            print(
                f"| {c['name']} | {label} | {fmt_s(s['median'])} | {fmt_s(s['min'])} "
                f"| {fmt_s(s['max'])} | {s['throughput']:.1f} {s['unit']} "
                f"| {s['rss_mb']:.0f} | {_opt(s['minor_faults'], 'd')} "
                f"| {_opt(s['cpu_per_wall'], '.2f')} | {ratio} |"
            )
            if (
                base
                and s["frames_set"] != base["frames_set"]
                and c["op"] != "par2"
                and c["name"] != "mem"
            ):
                notes.append(
                    f"{c['name']}: {label} delivered {s['frames_set']} "
                    f"{'samples' if c['op'] == 'audio' else 'frames'}, "
                    f"ffstream {base['frames_set']}"
                )
            if len(s["frames_set"]) > 1:
                notes.append(
                    f"{c['name']}: {label} delivered a varying count {s['frames_set']}"
                )

    print()
    print(
        "RSS floor (a worker that only imports, MB): "
        + ", ".join(f"{p} {v:.0f}" for p, v in floor.items())
        + "; the ffmpeg rows give the ffmpeg process's own peak RSS."
    )
    print()
    print("## Cases")
    for c, _ in plan:
        print(f"- {c['name']}: {c['title']}")

    # ---- targets ----
    print()
    print("## Targets (issue 5)")
    for c, _ in plan:
        name = c["name"]
        ff = summary.get((name, "ffstream"))
        if name == "par2":
            seq = summary.get((name, "ffstream sequential"))
            par = summary.get((name, "ffstream 2 threads"))
            proc = summary.get((name, "ffstream 2 processes (ref)"))
            if seq and par:
                r = par["median"] / seq["median"]
                ref = (
                    f"; 2 forked processes / sequential = "
                    f"{proc['median'] / seq['median']:.2f}, what this machine "
                    "allowed without a shared interpreter"
                    if proc
                    else ""
                )
                print(
                    f"- par2: 2 threads / sequential = {r:.2f} (target <= 0.55) "
                    f"{'ok' if r <= 0.55 else 'MISSED'}{ref}"
                )
            continue
        if name == "mem":
            x1 = summary.get((name, "ffstream x1 length"))
            x2 = summary.get((name, "ffstream x2 length"))
            if x1 and x2:
                r = x2["rss_mb"] / x1["rss_mb"]
                print(
                    f"- mem: peak RSS x2 length / x1 length = {x2['rss_mb']:.0f} / "
                    f"{x1['rss_mb']:.0f} MB = {r:.2f} (target: flat, ~1.0) "
                    f"{'ok' if r <= 1.05 else 'MISSED'}"
                )
            continue
        if not ff:
            continue
        parts = []
        # Each peer row against the ffstream row of its granularity.
        peer_rows = [
            lb
            for lb, peer, _ in c.get("rows") or _rows()
            if peer in LIBRARY_PEERS and (name, lb) in summary
        ]
        for group in sorted({base_label(c, lb) for lb in peer_rows}):
            mine = summary.get((name, group))
            others = [summary[(name, lb)] for lb in peer_rows
                      if base_label(c, lb) == group]
            if not mine or not others:
                continue
            best = min(others, key=lambda s: s["median"])
            r = mine["median"] / best["median"]
            parts.append(
                f"{group} / fastest peer ({best['label']}) = {r:.2f} "
                f"{'ok' if r <= 1.0 else 'MISSED'}"
            )
        fm = summary.get((name, "ffmpeg"))
        if fm and name != "seek":
            r = ff["median"] / fm["median"]
            parts.append(
                f"ffstream / ffmpeg = {r:.2f} (<= 1.10) "
                f"{'ok' if r <= 1.10 else 'MISSED'}"
            )
        ref = summary.get((name, "ffstream key+decode (ref)"))
        if ref:
            r = ff["median"] / ref["median"]
            parts.append(
                f"precise seeks / key-seek+decode = {r:.2f} (<= 1.0) "
                f"{'ok' if r <= 1.0 else 'MISSED'}"
            )
        print(f"- {name}: " + "; ".join(parts))

    if notes:
        print()
        print("## Notes")
        for n in dict.fromkeys(notes):
            print(f"- {n}")

    out = a.json or ROOT / "build" / "bench-results" / f"{started:%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            dict(
                started=started.isoformat(),
                machine=mi,
                load_start=load0,
                load_end=load1,
                versions=versions,
                repeats=repeats,
                video_seconds=vsec,
                audio_seconds=asec,
                seek_times=seek_times,
                notes=list(dict.fromkeys(notes)),
                runs={f"{k[0]} | {k[1]}": v for k, v in results.items()},
                summary=[dict(s, frames_set=None) for s in summary.values()],
            ),
            indent=1,
        )
    )
    print(f"\nall runs: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
