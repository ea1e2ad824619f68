"""GPU decoding (hw_accel) against torchcodec's CUDA decoder and ffstream's
own CPU path on all cores, on the same files, side by side: frames/s of a
whole decode into tensors, and each peer's time over ffstream's GPU time.

    python benchmarks/gpu.py clip-1080p-h264.mp4 clip-1080p-hevc.mp4

ci/gpu_check.sh runs it on the GPU machine. Needs a CUDA GPU; torchcodec is
timed when it imports (carry its wheel if the machine lacks it).
"""

from __future__ import annotations

import sys
import time
from functools import partial

import torch
from ffstream import StreamReader


def ffstream_decode(path: str, hw_accel, format) -> int:
    reader = StreamReader(path)
    if hw_accel:
        reader.add_basic_video_stream(32, -1, format=format, hw_accel=hw_accel)
    else:
        reader.add_basic_video_stream(32, -1, format=format, decoder_option={"threads": "0"})
    frames = 0
    for (chunk,) in reader.stream():
        frames += chunk.shape[0]
    torch.cuda.synchronize()
    return frames


def torchcodec_decode(path: str) -> int:
    from torchcodec.decoders import VideoDecoder

    decoder = VideoDecoder(path, device="cuda")
    frames = 0
    for start in range(0, len(decoder), 32):
        frames += decoder.get_frames_in_range(start, min(start + 32, len(decoder))).data.shape[0]
    torch.cuda.synchronize()
    return frames


def best_of(fn, repeats: int = 3) -> tuple[float, int]:
    fn()  # warm: contexts, caches
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        n = fn()
        times.append(time.perf_counter() - t0)
    return min(times), n


def main(paths: list[str]) -> None:
    try:
        import torchcodec  # noqa: F401
        have_torchcodec = True
    except Exception as e:  # not installed, or built for another torch
        print(f"torchcodec not timed: {type(e).__name__}: {e}")
        have_torchcodec = False
    for path in paths:
        cases = {
            "ffstream gpu yuv": partial(ffstream_decode, path, "cuda:0", None),
            "ffstream gpu rgb24": partial(ffstream_decode, path, "cuda:0", "rgb24"),
            "ffstream cpu rgb24 (all cores)": partial(ffstream_decode, path, None, "rgb24"),
        }
        if have_torchcodec:
            cases["torchcodec cuda rgb"] = partial(torchcodec_decode, path)
        results = {name: best_of(fn) for name, fn in cases.items()}
        base = results["ffstream gpu rgb24"][0]
        print(f"\n{path}")
        for name, (seconds, frames) in results.items():
            print(f"  {name:32s} {frames / seconds:8.1f} frames/s  {seconds / base:5.2f}x ffstream gpu rgb24")


if __name__ == "__main__":
    main(sys.argv[1:])
