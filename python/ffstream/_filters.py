"""Filter descriptions built by add_basic_audio_stream / add_basic_video_stream."""

from __future__ import annotations

from typing import Optional


def audio_filter(
    sample_rate: Optional[int], fmt: Optional[str], num_channels: Optional[int]
) -> Optional[str]:
    """Resample, then convert sample format and channel count; None if no change."""
    steps = []
    if sample_rate is not None:
        steps.append(f"aresample={sample_rate}")
    options = []
    if fmt is not None:
        options.append(f"sample_fmts={fmt}")
    if num_channels is not None:
        options.append(f"channel_layouts={num_channels}c")
    if options:
        steps.append("aformat=" + ":".join(options))
    return ",".join(steps) or None


def video_filter(
    frame_rate: Optional[float],
    width: Optional[int],
    height: Optional[int],
    fmt: Optional[str],
) -> Optional[str]:
    """Change frame rate, then size, then pixel format; None if no change."""
    steps = []
    if frame_rate is not None:
        steps.append(f"fps={frame_rate}")
    size = []
    if width is not None:
        size.append(f"width={width}")
    if height is not None:
        size.append(f"height={height}")
    if size:
        steps.append("scale=" + ":".join(size))
    if fmt is not None:
        steps.append(f"format=pix_fmts={fmt}")
    return ",".join(steps) or None
