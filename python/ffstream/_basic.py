"""Checks of the basic-stream arguments (rates, sizes, counts) before they
reach the core, which builds the filter from them."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Optional, Tuple

from ._errors import InvalidArgumentError

_INT_MAX = 2**31 - 1  # sizes, rates and counts are C ints in FFmpeg


def check_positive(name: str, value, integer: bool) -> None:
    """A rate, size or count must be a positive (finite) number when given."""
    if value is None:
        return
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InvalidArgumentError(
            f"{name} must be {'an int' if integer else 'a number'}, got {value!r}"
        )
    number = float(value)
    if not (number > 0 and math.isfinite(number)):
        raise InvalidArgumentError(f"{name} must be positive, got {value!r}")
    if integer and number > _INT_MAX:
        raise InvalidArgumentError(f"{name} is too large, got {value!r}")


def rate_text(frame_rate) -> Optional[str]:
    """The frame rate as the fps filter reads it, written as Python writes
    the number (``30``, ``29.97``), which is how torchaudio wrote it."""
    check_positive("frame_rate", frame_rate, integer=False)
    return None if frame_rate is None else f"{frame_rate}"


def chunking(frames_per_chunk, seconds_per_chunk) -> Tuple[int, Optional[float]]:
    """(frames_per_chunk, seconds_per_chunk) for the core: exactly one of them
    is given; frames_per_chunk becomes -1 when chunks are cut by time."""
    if seconds_per_chunk is None:
        if frames_per_chunk is None:
            raise InvalidArgumentError("give frames_per_chunk or seconds_per_chunk")
        return frames_per_chunk, None
    if frames_per_chunk is not None:
        raise InvalidArgumentError(
            "give frames_per_chunk or seconds_per_chunk, not both "
            f"(got {frames_per_chunk!r} and {seconds_per_chunk!r})"
        )
    check_positive("seconds_per_chunk", seconds_per_chunk, integer=False)
    return -1, float(seconds_per_chunk)


_YUV_LAYOUTS = {"full": False, "i420": True}


def yuv_i420(yuv_layout) -> bool:
    """Whether yuv420p frames keep their planes (I420) rather than full-size
    chroma."""
    if yuv_layout not in _YUV_LAYOUTS:
        raise InvalidArgumentError(f"yuv_layout must be 'full' or 'i420', got {yuv_layout!r}")
    return _YUV_LAYOUTS[yuv_layout]
