"""One benchmark run, in its own process: ``python _workers.py '<json spec>'``.

run.py starts this script once per (case, peer, repeat) so that every run has
a fresh process, a cold decoder and its own peak RSS. It imports only what the
peer needs, times the work between opening the media and having every frame
or sample decoded and converted (imports and interpreter start are not
timed), and prints one JSON line:

    {"seconds": ..., "frames": ..., "check": ..., "cpu_seconds": ...,
     "minor_faults": ..., "child_maxrss_kb": ...}

``frames`` counts the video frames (or audio samples, or seeks) delivered;
``check`` adds up channel 0 of pixel (0, 0) of every frame (or the first sample
of every chunk), so that every peer must touch what it decoded, in the same
minimal way. ``child_maxrss_kb`` is set by the ``ffmpeg`` peer: the peak RSS
of the ffmpeg process itself. ``cpu_seconds`` (user + system) and
``minor_faults`` (pages the kernel had to map) cover the timed work only: the
peer's modules are imported before the count starts; for the ``ffmpeg`` peer
they are the ffmpeg process's own.

Equivalence of the work, peer by peer, is commented where each peer is run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

EPS = 1e-6

# ----------------------------------------------------------------------------
# ffstream: the public API only (StreamReader, add_basic_*_stream, stream()).


def ffstream_video(spec):
    from ffstream import StreamReader

    t0 = time.perf_counter()
    r = StreamReader(spec["path"])
    r.add_basic_video_stream(
        spec.get("frames_per_chunk", 32),
        spec.get("buffer_chunk_size", -1),
        decoder_option={"threads": "0"} if spec["threads"] == 0 else None,
        format=spec["format"],
        width=spec.get("width"),
        height=spec.get("height"),
        yuv_layout=spec.get("yuv_layout", "full"),
    )
    n = check = 0
    for (chunk,) in r.stream():
        # (N, C, H, W): packed formats are channels_last views, planar ones
        # (yuv420p with chroma brought to full size) contiguous; I420 is
        # (N, H * 3 / 2, W).
        n += chunk.shape[0]
        check += int(chunk[:, 0, 0].sum() if chunk.dim() == 3 else chunk[:, 0, 0, 0].sum())
    r.close()
    return time.perf_counter() - t0, n, check


def ffstream_audio(spec):
    from ffstream import StreamReader

    t0 = time.perf_counter()
    r = StreamReader(spec["path"])
    r.add_basic_audio_stream(
        48000,
        -1,
        format="flt",
        sample_rate=spec.get("rate"),
        num_channels=spec.get("channels"),
    )
    n = 0
    check = 0.0
    for (chunk,) in r.stream():  # (frames, channels), packed float32
        n += chunk.shape[0]
        check += float(chunk[0, 0])
    r.close()
    return time.perf_counter() - t0, n, check


def ffstream_seek(spec):
    from ffstream import StreamReader

    t0 = time.perf_counter()
    r = StreamReader(spec["path"])
    r.add_basic_video_stream(1, -1, format="rgb24")
    n = check = 0
    for t in spec["times"]:
        r.seek(t, "precise")
        r.fill_buffer()
        (chunk,) = r.pop_chunks()
        n += chunk.shape[0]
        check += int(chunk[0, 0, 0, 0])
    r.close()
    return time.perf_counter() - t0, n, check


def ffstream_keyseek(spec):
    """Reference for the seek target: seek to the key frame, then decode and
    convert every frame up to the target (what a precise seek may not exceed)."""
    from ffstream import StreamReader

    t0 = time.perf_counter()
    r = StreamReader(spec["path"])
    r.add_basic_video_stream(1, -1, format="rgb24")
    n = check = 0
    for t in spec["times"]:
        r.seek(t, "key")
        while True:
            r.fill_buffer()
            (chunk,) = r.pop_chunks()
            if chunk is None or chunk.pts >= t - EPS:
                break
        n += chunk.shape[0]
        check += int(chunk[0, 0, 0, 0])
    r.close()
    return time.perf_counter() - t0, n, check


def ffstream_par2(spec):
    """Two files decoded to RGB (single-threaded decoders), one after the other
    or in two Python threads at once (the GIL is released while FFmpeg works)."""
    import threading

    from ffstream import StreamReader

    counts = []

    def work(path):
        r = StreamReader(path)
        r.add_basic_video_stream(32, -1, format="rgb24")
        n = check = 0
        for (chunk,) in r.stream():
            n += chunk.shape[0]
            check += int(chunk[:, 0, 0, 0].sum())
        r.close()
        counts.append((n, check))

    t0 = time.perf_counter()
    if spec["mode"] == "processes":
        # Reference: two forked processes (no shared interpreter, no GIL): what
        # the machine gives two decodes at once.
        children = []
        for p in spec["paths"]:
            rfd, wfd = os.pipe()
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    os.close(rfd)
                    work(p)
                    os.write(wfd, json.dumps(counts[0]).encode())
                    code = 0
                finally:
                    os._exit(code)
            os.close(wfd)
            children.append((pid, rfd))
        for pid, rfd in children:
            with os.fdopen(rfd, "rb") as f:
                counts.append(tuple(json.loads(f.read() or b"[0, 0]")))
            os.waitpid(pid, 0)
        dt = time.perf_counter() - t0
        return dt, sum(c[0] for c in counts), sum(c[1] for c in counts)
    if spec["mode"] == "threads":
        threads = [threading.Thread(target=work, args=(p,)) for p in spec["paths"]]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    else:
        for p in spec["paths"]:
            work(p)
    dt = time.perf_counter() - t0
    return dt, sum(c[0] for c in counts), sum(c[1] for c in counts)


# ----------------------------------------------------------------------------
# PyAV: container.decode + frame.to_ndarray + torch.from_numpy (a view).
# PyAV wheels bundle their own FFmpeg (not the system's 5.1 that ffstream,
# torchcodec and the ffmpeg command use): decoder and swscale versions differ.

_AV_INTERP = {"rgb24": None, "yuv420p": "POINT"}


def _pyav_video_stream(container, threads):
    s = container.streams.video[0]
    if threads == 0:
        s.thread_type = "AUTO"  # frame + slice threads, FFmpeg picks the count
        s.codec_context.thread_count = 0
    else:
        s.codec_context.thread_count = 1
    return s


def _array_module():
    """(torch.from_numpy, torch.stack), or numpy's where torch is missing:
    PyAV 19 runs on Python 3.12, for which this machine has no CPU torch.
    from_numpy is a view, so both cost the same, and checksums agree."""
    try:
        import torch

        return torch.from_numpy, torch.stack
    except ImportError:
        import numpy

        return numpy.asarray, numpy.stack


def pyav_video(spec):
    import av

    from_numpy, stack_arrays = _array_module()

    fmt = spec["format"]
    kwargs = {}
    if fmt == "yuv420p" and spec.get("native_planes"):
        # The planes as decoded: PyAV's yuv420p ndarray is (H * 3 / 2, W),
        # Y then U then V, the I420 layout of ffstream's yuv_layout="i420".
        kwargs = {"format": "yuv420p"}
    elif fmt == "yuv420p":
        # ffstream's yuv420p output is torchaudio's: Y plus U and V brought to
        # full size by nearest neighbour, (3, H, W) per frame. The same-size
        # PyAV output is yuv444p through swscale (POINT = nearest neighbour), a
        # (3, H, W) view of the planes. Native 4:2:0 planes would be half the
        # bytes and no upsampling, so less work.
        kwargs = {"format": "yuv444p", "interpolation": "POINT"}
    else:
        kwargs = {"format": fmt}
    if spec.get("width"):
        # ffstream scales with libavfilter's scale filter (bicubic).
        kwargs.update(
            width=spec["width"], height=spec["height"], interpolation="BICUBIC"
        )

    stack = spec.get("stack")
    t0 = time.perf_counter()
    c = av.open(spec["path"])
    s = _pyav_video_stream(c, spec["threads"])
    n = check = 0
    if not stack:
        for frame in c.decode(s):
            a = from_numpy(frame.to_ndarray(**kwargs))  # (H, W, 3), (3, H, W) or I420
            n += 1
            check += int(a[0, 0] if a.ndim == 2 else a[0, 0, 0])
    else:
        # Batches of `stack` frames, as a user of PyAV makes them: one
        # torch.stack over the frames' arrays.
        pending = []

        def flush():
            nonlocal n, check
            b = stack_arrays(pending)  # (N, H, W, 3), (N, 3, H, W) or I420
            n += b.shape[0]
            check += int(b[:, 0, 0].sum() if b.ndim == 3 else b[:, 0, 0, 0].sum())
            pending.clear()

        for frame in c.decode(s):
            pending.append(from_numpy(frame.to_ndarray(**kwargs)))
            if len(pending) == stack:
                flush()
        if pending:
            flush()
    c.close()
    return time.perf_counter() - t0, n, check


def pyav_audio(spec):
    import av

    from_numpy, _ = _array_module()

    t0 = time.perf_counter()
    c = av.open(spec["path"])
    s = c.streams.audio[0]
    s.codec_context.thread_count = 1
    layout = (
        {1: "mono", 2: "stereo"}[spec["channels"]] if spec.get("channels") else None
    )
    # Packed float32 like ffstream's "flt" output; swresample does the
    # conversion (and resampling) as for the other peers. Each frame gives one
    # (1, samples * channels) array, touched once (ffstream: once per 1-s chunk).
    res = av.AudioResampler(format="flt", layout=layout, rate=spec.get("rate"))
    n = 0
    check = 0.0

    def take(frames):
        nonlocal n, check
        for o in frames:
            a = from_numpy(o.to_ndarray())
            n += o.samples
            check += float(a[0, 0])

    for frame in c.decode(s):
        take(res.resample(frame))
    take(res.resample(None))
    c.close()
    return time.perf_counter() - t0, n, check


def pyav_seek(spec):
    import av

    from_numpy, _ = _array_module()

    t0 = time.perf_counter()
    c = av.open(spec["path"])
    s = _pyav_video_stream(c, 1)
    tb = s.time_base
    n = check = 0
    for t in spec["times"]:
        # Seek to the key frame at or before t, then decode (not convert) up to
        # the first frame at or after t, as ffstream's precise seek does.
        c.seek(int(t / tb), stream=s, backward=True, any_frame=False)
        for frame in c.decode(s):
            if frame.time >= t - EPS:
                a = from_numpy(frame.to_ndarray(format="rgb24"))
                n += 1
                check += int(a[0, 0, 0])
                break
    c.close()
    return time.perf_counter() - t0, n, check


# ----------------------------------------------------------------------------
# torchcodec: VideoDecoder / AudioDecoder on the system FFmpeg.


def torchcodec_video(spec):
    from torchcodec.decoders import VideoDecoder

    if spec["format"] != "rgb24":
        raise NotImplementedError("torchcodec decodes video to RGB only")
    transforms = None
    if spec.get("width"):
        from torchcodec.transforms import Resize

        # torchcodec resizes in its decoder (swscale, bilinear as torchvision;
        # ffstream's scale filter is bicubic).
        transforms = [Resize((spec["height"], spec["width"]))]
    t0 = time.perf_counter()
    # "approximate" skips the scan of the whole file that "exact" does at open;
    # sequential decoding does not need the index.
    d = VideoDecoder(
        spec["path"],
        num_ffmpeg_threads=spec["threads"],
        seek_mode="approximate",
        transforms=transforms,
    )
    total = len(d)
    n = check = 0
    step = spec.get("frames_per_chunk", 32)
    for i in range(0, total, step):
        # (N, 3, H, W) uint8, a permuted view of packed NHWC frames, like
        # ffstream's channels_last chunks.
        b = d.get_frames_in_range(i, min(i + step, total)).data
        n += b.shape[0]
        check += int(b[:, 0, 0, 0].sum())
    return time.perf_counter() - t0, n, check


def torchcodec_audio(spec):
    from torchcodec.decoders import AudioDecoder

    t0 = time.perf_counter()
    # The whole file in one (channels, samples) planar float32 tensor:
    # torchcodec's way to get all samples (its ranged reads seek). So its peak
    # RSS holds the whole decoded file, ffstream's one 1-s chunk at a time.
    d = AudioDecoder(
        spec["path"], sample_rate=spec.get("rate"), num_channels=spec.get("channels")
    )
    data = d.get_all_samples().data
    n = data.shape[1]
    check = float(data[0, 0])
    return time.perf_counter() - t0, n, check


def torchcodec_seek(spec):
    from torchcodec.decoders import VideoDecoder

    t0 = time.perf_counter()
    # Default "exact" mode: it scans the file at open to index every frame.
    d = VideoDecoder(spec["path"], num_ffmpeg_threads=1)
    n = check = 0
    for t in spec["times"]:
        # The frame displayed at t; t is on a frame boundary, so it is the same
        # frame as the first one at or after t.
        f = d.get_frame_played_at(t).data
        n += 1
        check += int(f[0, 0, 0])
    return time.perf_counter() - t0, n, check


# ----------------------------------------------------------------------------
# spdl (Meta's data loading library; spdl.io on the system FFmpeg 5.1): a
# Demuxer feeding a streaming Decoder whose filter graph converts, frames
# handed over 32 at a time and made into a tensor by convert_frames (one copy
# out of the frames, as ffstream's one copy into the chunk).


def _spdl_video_filter(spec):
    import spdl.io

    if spec["format"] == "yuv420p" and not spec.get("native_planes"):
        raise NotImplementedError("spdl hands yuv420p over as 4:2:0 planes only")
    size = {}
    if spec.get("width"):
        # Stretch to the size (no padding), bicubic like ffstream's scale.
        size = dict(
            scale_width=spec["width"],
            scale_height=spec["height"],
            scale_algo="bicubic",
            scale_mode=None,
        )
    return spdl.io.get_video_filter_desc(pix_fmt=spec["format"], **size)


def spdl_video(spec):
    import spdl.io

    threads = str(spec["threads"])
    t0 = time.perf_counter()
    demuxer = spdl.io.Demuxer(spec["path"])
    decoder = spdl.io.Decoder(
        demuxer.video_codec,
        filter_desc=_spdl_video_filter(spec),
        decode_config=spdl.io.decode_config(decoder_options={"threads": threads}),
    )
    decoder.set_buffer_size(spec.get("frames_per_chunk", 32))
    n = check = 0

    def take(frames):
        nonlocal n, check
        b = spdl.io.to_torch(spdl.io.convert_frames(frames))  # (N, H, W, 3) or I420
        n += b.shape[0]
        check += int(b[:, 0, 0].sum() if b.dim() == 3 else b[:, 0, 0, 0].sum())

    index = demuxer.video_stream_index
    for packets in demuxer.streaming_demux(index, num_packets=32):
        for frames in decoder.streaming_decode_packets(packets):
            take(frames)
    for frames in decoder.flush():
        take(frames)
    return time.perf_counter() - t0, n, check


def spdl_audio(spec):
    import spdl.io

    t0 = time.perf_counter()
    # Packed float32 through its filter graph (swresample), the whole file in
    # one buffer: spdl.io's way to load audio.
    filter_desc = spdl.io.get_audio_filter_desc(
        sample_fmt="flt", sample_rate=spec.get("rate"), num_channels=spec.get("channels")
    )
    data = spdl.io.to_torch(spdl.io.load_audio(spec["path"], filter_desc=filter_desc))
    n = data.shape[0]  # (samples, channels)
    check = float(data[0, 0])
    return time.perf_counter() - t0, n, check


# ----------------------------------------------------------------------------
# The ffmpeg command writing raw frames/samples to a pipe, read here in
# frame-sized blocks (touching the first byte of each) and discarded.


def _pipe(cmd, block, touch):
    import fcntl

    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, bufsize=0)
    try:
        fcntl.fcntl(p.stdout.fileno(), 1031, 1 << 20)  # F_SETPIPE_SZ: 1 MiB
    except OSError:
        pass
    buf = bytearray(block)
    view = memoryview(buf)
    total = 0
    check = 0
    while True:
        got = 0
        while got < block:
            k = p.stdout.readinto(view[got:])
            if not k:
                break
            got += k
        if got == 0:
            break
        total += got
        check += touch(buf)
        if got < block:
            break
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited with {p.returncode}: {' '.join(cmd)}")
    return dt, total, check, ru.ru_maxrss


_FF = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"]


def ffmpeg_video(spec):
    threads = str(spec["threads"])
    fmt = spec["format"]
    vf = []
    if spec.get("width"):
        vf = ["-vf", f"scale={spec['width']}:{spec['height']}"]  # bicubic by default
    if fmt == "yuv420p" and not spec.get("native_planes"):
        # Same output as ffstream's yuv420p: three full-size planes, chroma
        # upsampled by nearest neighbour (swscale "neighbor").
        pix = ["-sws_flags", "neighbor", "-pix_fmt", "yuv444p"]
        bpp = 3
    elif fmt == "yuv420p":
        pix = ["-pix_fmt", "yuv420p"]  # the decoder's planes, no conversion
        bpp = 1.5
    else:
        pix = ["-pix_fmt", fmt]
        bpp = 3
    w, h = (
        spec.get("width") or spec["src_width"],
        spec.get("height") or spec["src_height"],
    )
    block = int(w * h * bpp)
    # -threads before -i: decoder threads; -filter_threads: the conversion's.
    ft = ["-filter_threads", "1"] if spec["threads"] == 1 else []
    cmd = [
        *_FF,
        "-threads",
        threads,
        "-i",
        spec["path"],
        *ft,
        *vf,
        *pix,
        "-f",
        "rawvideo",
        "pipe:1",
    ]
    dt, total, check, rss = _pipe(cmd, block, lambda b: b[0])
    return dt, total // block, check, rss


def ffmpeg_audio(spec):
    import struct

    ch = spec.get("channels") or spec["src_channels"]
    conv = []
    if spec.get("rate"):
        conv += ["-ar", str(spec["rate"])]
    if spec.get("channels"):
        conv += ["-ac", str(spec["channels"])]
    block = 48000 * ch * 4  # 1 s at 48 kHz, as ffstream's chunks
    cmd = [
        *_FF,
        "-threads",
        "1",
        "-i",
        spec["path"],
        "-filter_threads",
        "1",
        *conv,
        "-f",
        "f32le",
        "pipe:1",
    ]
    dt, total, check, rss = _pipe(cmd, block, lambda b: struct.unpack_from("<f", b)[0])
    return dt, total // (4 * ch), check, rss


def ffmpeg_seek(spec):
    # One ffmpeg command per seek: -ss before -i seeks to the key frame and
    # drops the frames before t (accurate seeking), -frames:v 1 converts one.
    # Every seek pays the start of a process (~0.1 s here): not a lower bound.
    block = spec["src_width"] * spec["src_height"] * 3
    t0 = time.perf_counter()
    n = check = 0
    rss = 0
    for t in spec["times"]:
        cmd = [
            *_FF,
            "-threads",
            "1",
            "-ss",
            repr(t),
            "-i",
            spec["path"],
            "-filter_threads",
            "1",
            "-frames:v",
            "1",
            "-pix_fmt",
            "rgb24",
            "-f",
            "rawvideo",
            "pipe:1",
        ]
        _, total, c, r = _pipe(cmd, block, lambda b: b[0])
        n += total // block
        check += c
        rss = max(rss, r)
    return time.perf_counter() - t0, n, check, rss


# ----------------------------------------------------------------------------


def probe(peer):
    """Imports the peer; returns its version."""
    if peer == "ffstream":
        import ffstream
        import torch

        v = ffstream.utils.get_versions()
        lavc = ".".join(map(str, v["libavcodec"])) if "libavcodec" in v else v
        return (
            f"{getattr(ffstream, '__version__', '?')} from "
            f"{os.path.dirname(ffstream.__file__)} (system FFmpeg libavcodec {lavc}; "
            f"torch {torch.__version__})"
        )
    if peer == "pyav":
        import av

        lavc = ".".join(map(str, av.library_versions["libavcodec"]))
        return f"{av.__version__} (bundled FFmpeg libavcodec {lavc})"
    if peer == "torchcodec":
        import torchcodec
        from torchcodec.decoders import VideoDecoder  # noqa: F401  (loads FFmpeg)

        return f"{torchcodec.__version__} (system FFmpeg)"
    if peer == "pyav19":
        import av

        lavc = ".".join(map(str, av.library_versions["libavcodec"]))
        return (
            f"{av.__version__} on Python {sys.version.split()[0]} "
            f"(bundled FFmpeg libavcodec {lavc})"
        )
    if peer == "spdl":
        from importlib.metadata import version

        import spdl.io  # noqa: F401

        return f"{version('spdl_io')} (system FFmpeg)"
    if peer == "ffmpeg":
        out = subprocess.run(
            ["ffmpeg", "-version"], capture_output=True, text=True, check=True
        ).stdout
        return out.splitlines()[0].split(" Copyright")[0]
    raise ValueError(peer)


def noop(peer):
    """Imports what the peer's runs import: the RSS floor of its runs."""
    if peer == "ffstream":
        import ffstream  # noqa: F401
        import torch  # noqa: F401
    elif peer == "pyav":
        import av  # noqa: F401
        import numpy  # noqa: F401
        import torch  # noqa: F401
    elif peer == "pyav19":
        import av  # noqa: F401

        _array_module()
    elif peer == "torchcodec":
        from torchcodec.decoders import VideoDecoder  # noqa: F401
    elif peer == "spdl":
        import spdl.io  # noqa: F401
        import torch  # noqa: F401
    return 0.0, 0, 0


RUNNERS = {
    ("ffstream", "video"): ffstream_video,
    ("ffstream", "audio"): ffstream_audio,
    ("ffstream", "seek"): ffstream_seek,
    ("ffstream", "keyseek"): ffstream_keyseek,
    ("ffstream", "par2"): ffstream_par2,
    ("pyav", "video"): pyav_video,
    ("pyav", "audio"): pyav_audio,
    ("pyav", "seek"): pyav_seek,
    ("spdl", "video"): spdl_video,
    ("spdl", "audio"): spdl_audio,
    ("torchcodec", "video"): torchcodec_video,
    ("torchcodec", "audio"): torchcodec_audio,
    ("torchcodec", "seek"): torchcodec_seek,
    ("ffmpeg", "video"): ffmpeg_video,
    ("ffmpeg", "audio"): ffmpeg_audio,
    ("ffmpeg", "seek"): ffmpeg_seek,
}


def _usage():
    """(CPU seconds, minor page faults) of this process and its waited-for
    children (the ffmpeg command) so far."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return cpu, me.ru_minflt + kids.ru_minflt


# Peers that run another peer's code: PyAV 19 is the pyav runner under another
# Python (run.py's --pyav19-python).
RUNNER_OF = {"pyav19": "pyav"}


def main():
    spec = json.loads(sys.argv[1])
    op, peer = spec["op"], spec["peer"]
    if op == "probe":
        print(json.dumps({"version": probe(peer)}))
        return
    if op != "noop":
        noop(peer)  # imports outside the counts
    before = _usage()
    try:
        runner = RUNNERS.get((RUNNER_OF.get(peer, peer), op))
        if op != "noop" and runner is None:
            raise NotImplementedError(f"no {op} runner for {peer}")
        res = noop(peer) if op == "noop" else runner(spec)
    except NotImplementedError as e:
        print(json.dumps({"skip": str(e)}))
        return
    after = _usage()
    out = {"seconds": res[0], "frames": res[1], "check": res[2]}
    out["cpu_seconds"] = after[0] - before[0]
    out["minor_faults"] = after[1] - before[1]
    if len(res) > 3:
        out["child_maxrss_kb"] = res[3]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
