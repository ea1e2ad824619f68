"""Filter descriptions built by add_basic_audio_stream / add_basic_video_stream."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Optional

from ._errors import InvalidArgumentError


def _check_positive(name: str, value, integer: bool) -> None:
    """A rate, size or count must be a positive (finite) number when given."""
    if value is None:
        return
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InvalidArgumentError(
            f"{name} must be {'an int' if integer else 'a number'}, got {value!r}"
        )
    if not (value > 0 and math.isfinite(value)):
        raise InvalidArgumentError(f"{name} must be positive, got {value!r}")


def audio_filter(
    sample_rate: Optional[int], fmt: Optional[str], num_channels: Optional[int]
) -> Optional[str]:
    """Resample, then convert sample format and channel count; None if no change."""
    _check_positive("sample_rate", sample_rate, integer=True)
    _check_positive("num_channels", num_channels, integer=True)
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
    _check_positive("frame_rate", frame_rate, integer=False)
    _check_positive("width", width, integer=True)
    _check_positive("height", height, integer=True)
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
