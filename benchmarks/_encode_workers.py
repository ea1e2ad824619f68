"""One encoding run, in its own process: ``python _encode_workers.py '<json>'``.

encode.py starts this script once per (case, peer, repeat), as run.py starts
_workers.py. The worker imports the peer, loads its input (raw rgb24 frames or
float32 samples that encode.py made once with the ffmpeg command) into the
peer's own array type, and only then starts the clock and the CPU and page
fault counts: what is timed is encoding and muxing into ``spec["out"]`` (a
file in a temporary directory), or, for the clips, into one io.BytesIO per
clip. It prints one JSON line:

    {"seconds": ..., "frames": ..., "bytes": ..., "cpu_seconds": ...,
     "minor_faults": ..., "child_maxrss_kb": ...}

``frames`` counts the video frames, audio samples or clips handed to the
encoder; ``bytes`` is the size of what was written. encode.py checks the
output with ffprobe afterwards (decodable, frame or sample count).

Every peer gets the same encoder, encoder options, pixel or sample format,
bit rate, one encoder thread and the same chunks (30 frames, 1 s of audio)
where its API takes chunks; PyAV takes one frame per call and torchcodec the
whole input at once (its tensor is made before the clock starts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from _workers import RUNNER_OF, _usage, probe

# What each case encodes. "sample_fmt"/"pix_fmt": the encoder's input format,
# set explicitly so that no peer picks another one (torchcodec has no such
# option and picks its own sample format).
VIDEO = {
    "h264": dict(encoder="libx264", ext="mp4", options={"preset": "veryfast", "crf": "23"}),
    "openh264": dict(encoder="libopenh264", ext="mp4", options={}),
    # deadline 1 is "realtime": torchcodec takes numbers only.
    "vp9": dict(encoder="libvpx-vp9", ext="webm", options={"deadline": "1", "cpu-used": "8"}),
    "ffv1": dict(encoder="ffv1", ext="mkv", options={}),
}
PIX_FMT = "yuv420p"
AUDIO = {
    "flac": dict(encoder="flac", ext="flac", sample_fmt="s16", bit_rate=None),
    "mp3": dict(encoder="libmp3lame", ext="mp3", sample_fmt="fltp", bit_rate=128000),
    # .opus: the Ogg muxer for Opus (torchcodec picks the codec by extension).
    "opus": dict(encoder="libopus", ext="opus", sample_fmt="flt", bit_rate=96000),
    "aac": dict(encoder="aac", ext="aac", sample_fmt="fltp", bit_rate=128000),
}
VIDEO_CHUNK = 30  # frames per write call, where the API takes chunks
RATE, CHANNELS = 48000, 2
CLIP_RATE = 16000


def load_input(spec, kind):
    """The input as numpy ("numpy") or a torch tensor ("torch"), ready to
    encode: made before the clock starts."""
    import numpy as np

    if spec["op"] == "video":
        h, w = spec["height"], spec["width"]
        frames = np.fromfile(spec["input"], np.uint8).reshape(-1, h, w, 3)
        if kind == "torchcodec":
            # Its API takes every frame at once, (N, 3, H, W): the repeats
            # are laid out here, as contiguous NCHW memory.
            import torch

            whole = np.concatenate([frames] * spec["repeat"])
            return torch.from_numpy(whole).permute(0, 3, 1, 2).contiguous()
        if kind == "torch":
            import torch

            return torch.from_numpy(frames).permute(0, 3, 1, 2)  # channels_last view
        return frames
    if spec["op"] == "audio":
        samples = np.fromfile(spec["input"], np.float32).reshape(-1, CHANNELS)
        if kind == "torchcodec":
            import torch

            return torch.from_numpy(np.ascontiguousarray(samples.T))  # (channels, n)
        if kind == "torch":
            import torch

            return torch.from_numpy(samples)
        return samples
    # Clips: deterministic tones with a little noise, each its own.
    rng = np.random.default_rng(7)
    t = np.arange(CLIP_RATE, dtype=np.float32) / CLIP_RATE
    clips = [
        (0.5 * np.sin(2 * np.pi * (200 + 3 * i) * t)
         + 0.05 * rng.standard_normal(CLIP_RATE)).astype(np.float32)[:, None]
        for i in range(spec["clips"])
    ]
    if kind == "torchcodec":
        import torch

        return [torch.from_numpy(np.ascontiguousarray(c.T)) for c in clips]
    if kind == "torch":
        import torch

        return [torch.from_numpy(c) for c in clips]
    return clips


def _total(spec, data):
    n = len(data) if spec["op"] != "video" else len(data) * spec["repeat"]
    return n


def _size(spec):
    return os.path.getsize(spec["out"])


def _keep_clips(spec, outs):
    """After the clock: the first and last clip go to files for ffprobe."""
    for name, b in (("first.flac", outs[0]), ("last.flac", outs[-1])):
        with open(os.path.join(spec["out"], name), "wb") as f:
            f.write(b)
    return sum(len(b) for b in outs), sum(1 for b in outs if b)


# ----------------------------------------------------------------------------
# ffstream: StreamWriter, chunks of 30 frames / 1 s, channels_last views.


def ffstream_run(spec, data):
    import io

    from ffstream import CodecConfig, StreamWriter
    from ffstream.utils import get_audio_encoders, get_video_encoders

    op = spec["op"]
    if op == "video":
        c = VIDEO[spec["codec"]]
        if c["encoder"] not in get_video_encoders():
            raise NotImplementedError(f"no {c['encoder']} in ffstream's FFmpeg")
        t0 = time.perf_counter()
        w = StreamWriter(spec["out"])
        w.add_video_stream(
            spec["fps"], spec["width"], spec["height"], "rgb24",
            encoder=c["encoder"], encoder_format=PIX_FMT,
            encoder_option={**c["options"], "threads": "1"},
        )
        with w.open():
            for _ in range(spec["repeat"]):
                for s in range(0, len(data), VIDEO_CHUNK):
                    w.write_video_chunk(0, data[s : s + VIDEO_CHUNK])
        return time.perf_counter() - t0, _total(spec, data), _size(spec)
    if op == "audio":
        c = AUDIO[spec["codec"]]
        if c["encoder"] not in get_audio_encoders():
            raise NotImplementedError(f"no {c['encoder']} in ffstream's FFmpeg")
        t0 = time.perf_counter()
        w = StreamWriter(spec["out"])
        w.add_audio_stream(
            RATE, CHANNELS, "flt", encoder=c["encoder"], encoder_format=c["sample_fmt"],
            codec_config=CodecConfig(bit_rate=c["bit_rate"] or -1),
        )
        with w.open():
            for s in range(0, len(data), RATE):
                w.write_audio_chunk(0, data[s : s + RATE])
        return time.perf_counter() - t0, len(data), _size(spec)
    t0 = time.perf_counter()
    outs = []
    for clip in data:
        buf = io.BytesIO()
        w = StreamWriter(buf, format="flac")
        w.add_audio_stream(CLIP_RATE, 1, "flt", encoder_format="s16")
        with w.open():
            w.write_audio_chunk(0, clip)
        outs.append(buf.getvalue())
    dt = time.perf_counter() - t0
    nbytes, n = _keep_clips(spec, outs)
    return dt, n, nbytes


# ----------------------------------------------------------------------------
# PyAV: the stream encode API, one VideoFrame.from_ndarray per frame (a copy
# into an AVFrame; PyAV converts to the encoder's pixel format), audio frames
# of 1 s (PyAV's resampler cuts them to the encoder's frame size).


def _pyav_audio_file(av, container, enc, rate, channels, sample_fmt, bit_rate, data, chunk):
    from fractions import Fraction

    layout = "stereo" if channels == 2 else "mono"
    s = container.add_stream(enc, rate=rate)
    s.layout = layout
    s.format = sample_fmt
    if bit_rate:
        s.bit_rate = bit_rate
    s.codec_context.thread_count = 1
    for k in range(0, len(data), chunk):
        f = av.AudioFrame.from_ndarray(data[k : k + chunk].reshape(1, -1), format="flt", layout=layout)
        f.sample_rate = rate
        f.pts = k
        f.time_base = Fraction(1, rate)
        container.mux(s.encode(f))
    container.mux(s.encode(None))
    container.close()


def pyav_run(spec, data):
    import io
    from fractions import Fraction

    import av

    op = spec["op"]
    if op == "video":
        c = VIDEO[spec["codec"]]
        if c["encoder"] not in av.codecs_available:
            raise NotImplementedError(f"no {c['encoder']} in PyAV's FFmpeg")
        t0 = time.perf_counter()
        out = av.open(spec["out"], "w")
        s = out.add_stream(c["encoder"], rate=spec["fps"], options=dict(c["options"]))
        s.width, s.height, s.pix_fmt = spec["width"], spec["height"], PIX_FMT
        s.codec_context.thread_count = 1
        k = 0
        tb = Fraction(1, spec["fps"])
        for _ in range(spec["repeat"]):
            for arr in data:
                f = av.VideoFrame.from_ndarray(arr, format="rgb24")
                f.pts, f.time_base = k, tb
                k += 1
                out.mux(s.encode(f))
        out.mux(s.encode(None))
        out.close()
        return time.perf_counter() - t0, k, _size(spec)
    if op == "audio":
        c = AUDIO[spec["codec"]]
        if c["encoder"] not in av.codecs_available:
            raise NotImplementedError(f"no {c['encoder']} in PyAV's FFmpeg")
        t0 = time.perf_counter()
        out = av.open(spec["out"], "w")
        _pyav_audio_file(
            av, out, c["encoder"], RATE, CHANNELS, c["sample_fmt"], c["bit_rate"], data, RATE
        )
        return time.perf_counter() - t0, len(data), _size(spec)
    t0 = time.perf_counter()
    outs = []
    for clip in data:
        buf = io.BytesIO()
        out = av.open(buf, "w", format="flac")
        _pyav_audio_file(av, out, "flac", CLIP_RATE, 1, "s16", None, clip, CLIP_RATE)
        outs.append(buf.getvalue())
    dt = time.perf_counter() - t0
    nbytes, n = _keep_clips(spec, outs)
    return dt, n, nbytes


# ----------------------------------------------------------------------------
# torchcodec: VideoEncoder / AudioEncoder on the whole input. Options it has
# no argument for go through extra_options (the encoder's AVOptions).


def torchcodec_run(spec, data):
    import io

    from torchcodec.encoders import AudioEncoder, VideoEncoder

    op = spec["op"]
    if op == "video":
        c = VIDEO[spec["codec"]]
        opts = {k: v for k, v in c["options"].items() if k not in ("crf", "preset")}
        t0 = time.perf_counter()
        VideoEncoder(data, frame_rate=spec["fps"]).to_file(
            spec["out"],
            codec=c["encoder"],
            pixel_format=PIX_FMT,
            crf=int(c["options"]["crf"]) if "crf" in c["options"] else None,
            preset=c["options"].get("preset"),
            extra_options={**opts, "threads": "1"},
        )
        return time.perf_counter() - t0, len(data), _size(spec)
    if op == "audio":
        c = AUDIO[spec["codec"]]
        t0 = time.perf_counter()
        AudioEncoder(data, sample_rate=RATE).to_file(spec["out"], bit_rate=c["bit_rate"])
        return time.perf_counter() - t0, data.shape[1], _size(spec)
    t0 = time.perf_counter()
    outs = []
    for clip in data:
        buf = io.BytesIO()
        AudioEncoder(clip, sample_rate=CLIP_RATE).to_file_like(buf, "flac")
        outs.append(buf.getvalue())
    dt = time.perf_counter() - t0
    nbytes, n = _keep_clips(spec, outs)
    return dt, n, nbytes


# ----------------------------------------------------------------------------
# The ffmpeg command, the floor: raw input read from the file encode.py made
# (-stream_loop for the video's repeats), same encoder and options, one
# encoder thread, one filter thread (the rgb24 -> yuv420p conversion). Its
# time includes starting the process (tens of ms).

_FF = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]


def _ffmpeg(cmd, data=None):
    """Runs ffmpeg; with ``data``, feeds it to stdin and returns stdout, else
    returns the process's rusage (its own peak RSS)."""
    if data is not None:
        p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError(f"ffmpeg exited with {p.returncode}: {' '.join(cmd)}")
        return p.stdout
    p = subprocess.Popen(cmd)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"ffmpeg exited with {p.returncode}: {' '.join(cmd)}")
    return ru


def ffmpeg_run(spec, data):
    import resource

    op = spec["op"]
    if op == "video":
        c = VIDEO[spec["codec"]]
        opts = [x for k, v in c["options"].items() for x in (f"-{k}", v)]
        t0 = time.perf_counter()
        ru = _ffmpeg([
            *_FF, "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", f"{spec['width']}x{spec['height']}", "-r", str(spec["fps"]),
            "-stream_loop", str(spec["repeat"] - 1), "-i", spec["input"],
            "-filter_threads", "1", "-c:v", c["encoder"], "-pix_fmt", PIX_FMT,
            "-threads", "1", *opts, spec["out"],
        ])
        dt = time.perf_counter() - t0
        return dt, _total(spec, data), _size(spec), ru.ru_maxrss
    if op == "audio":
        c = AUDIO[spec["codec"]]
        br = ["-b:a", str(c["bit_rate"])] if c["bit_rate"] else []
        t0 = time.perf_counter()
        ru = _ffmpeg([
            *_FF, "-f", "f32le", "-ar", str(RATE), "-ac", str(CHANNELS), "-i", spec["input"],
            "-c:a", c["encoder"], "-sample_fmt", c["sample_fmt"], *br, "-threads", "1",
            spec["out"],
        ])
        dt = time.perf_counter() - t0
        return dt, len(data), _size(spec), ru.ru_maxrss
    # One ffmpeg process per clip, raw samples in through stdin, FLAC out
    # through stdout: what a shell-out costs per call.
    t0 = time.perf_counter()
    outs = []
    for clip in data:
        out = _ffmpeg([
            *_FF, "-f", "f32le", "-ar", str(CLIP_RATE), "-ac", "1", "-i", "pipe:0",
            "-c:a", "flac", "-sample_fmt", "s16", "-f", "flac", "pipe:1",
        ], clip.tobytes())
        outs.append(out)
    dt = time.perf_counter() - t0
    nbytes, n = _keep_clips(spec, outs)
    return dt, n, nbytes, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


RUNNERS = {
    "ffstream": (ffstream_run, "torch"),
    "pyav": (pyav_run, "numpy"),
    "torchcodec": (torchcodec_run, "torchcodec"),
    "ffmpeg": (ffmpeg_run, "numpy"),
}


def imports(peer):
    """What the peer's runs import, before the counts start."""
    import numpy  # noqa: F401

    if peer == "ffstream":
        import ffstream  # noqa: F401
        import torch  # noqa: F401
    elif peer in ("pyav", "pyav19"):
        import av  # noqa: F401
    elif peer == "torchcodec":
        import torch  # noqa: F401
        from torchcodec.encoders import AudioEncoder  # noqa: F401


def main():
    spec = json.loads(sys.argv[1])
    peer = spec["peer"]
    if spec["op"] == "probe":
        print(json.dumps({"version": probe(peer)}))
        return
    imports(peer)
    run, kind = RUNNERS[RUNNER_OF.get(peer, peer)]
    data = load_input(spec, kind)
    before = _usage()
    try:
        res = run(spec, data)
    except NotImplementedError as e:
        print(json.dumps({"skip": str(e)}))
        return
    after = _usage()
    out = {"seconds": res[0], "frames": res[1], "bytes": res[2]}
    out["cpu_seconds"] = after[0] - before[0]
    out["minor_faults"] = after[1] - before[1]
    if len(res) > 3:
        out["child_maxrss_kb"] = res[3]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
