"""What hw_accel outputs turn the decoded GPU planes into, with torch ops on
the chunk's own device (the core hands over the planes as NVDEC wrote them:
see ``OutputStreamInfo.planes``).

The layouts:

* ``nv12`` (8-bit 4:2:0): ``(N, H * 3 // 2, W)`` uint8, the Y rows then the
  interleaved U/V rows; ``p010le``/``p016le`` the same in uint16, each value
  in the high bits.
* ``yuv444p``: ``(N, 3, H, W)`` uint8; ``yuv444p16le`` the same in uint16.

torchaudio's compatible layout is YUV ``(N, 3, H, W)`` with chroma repeated
to full size: uint8 for 8-bit sources, and int16 holding ``value - 32768``
for the 16-bit ones (torchaudio's convention for 16-bit pixels on the CPU).
RGB is beyond torchaudio: converted with the stream's colour matrix and
range, as swscale converts the same frames on the CPU.
"""

from __future__ import annotations

from typing import Callable, Optional

import torch

from ._errors import InvalidArgumentError

# Kr and Kb of the colour matrices FFmpeg names (av_color_space_name).
_MATRICES = {
    "bt709": (0.2126, 0.0722),
    "fcc": (0.30, 0.11),
    "bt470bg": (0.299, 0.114),
    "smpte170m": (0.299, 0.114),
    "smpte240m": (0.212, 0.087),
    "bt2020nc": (0.2627, 0.0593),
    "bt2020c": (0.2627, 0.0593),
}
# What swscale assumes for a stream that states no matrix.
_DEFAULT_MATRIX = "bt470bg"

GPU_FORMATS = ("yuv444p", "yuv420p", "rgb24", "bgr24", "nv12")
"""The ``format`` values a hw_accel output takes (``None`` is YUV too)."""


def _is_semi_planar(planes: str) -> bool:
    return planes in ("nv12", "p010le", "p016le")


def _full_chroma(frames: torch.Tensor, planes: str) -> torch.Tensor:
    """YUV ``(N, 3, H, W)`` in the planes' own dtype, chroma repeated."""
    if not _is_semi_planar(planes):
        return frames
    n, rows, width = frames.shape
    height = rows * 2 // 3
    out = torch.empty((n, 3, height, width), dtype=frames.dtype, device=frames.device)
    out[:, 0] = frames[:, :height]
    # (N, H/2, W/2, 2) -> (N, 2, H/2, 1, W/2, 1), broadcast into 2x2 blocks.
    uv = frames[:, height:].reshape(n, height // 2, width // 2, 2).permute(0, 3, 1, 2)
    blocks = out[:, 1:].view(n, 2, height // 2, 2, width // 2, 2)
    blocks.copy_(uv[:, :, :, None, :, None].expand_as(blocks))
    return out


def _to_signed(frames: torch.Tensor) -> torch.Tensor:
    """uint16 -> int16 holding ``value - 32768`` (flip the top bit)."""
    return frames.view(torch.int16) ^ -32768


def to_yuv(frames: torch.Tensor, planes: str) -> torch.Tensor:
    """torchaudio's layout of GPU frames: YUV ``(N, 3, H, W)``, uint8, or
    int16 (``value - 32768``) for 16-bit planes."""
    yuv = _full_chroma(frames, planes)
    return yuv if yuv.dtype == torch.uint8 else _to_signed(yuv)


def to_rgb(
    frames: torch.Tensor, planes: str, matrix: str, color_range: str, bgr: bool = False
) -> torch.Tensor:
    """RGB (or BGR) uint8 ``(N, 3, H, W)`` from GPU planes, with the stream's
    colour matrix and range (unstated: BT.601, limited range, as swscale)."""
    kr, kb = _MATRICES.get(matrix, _MATRICES[_DEFAULT_MATRIX])
    kg = 1.0 - kr - kb
    # 16-bit planes hold the value in the high bits: /256 is the 8-bit scale.
    scale = 1.0 if frames.dtype == torch.uint8 else 1.0 / 256.0
    # Chroma repeated, not interpolated: swscale's own YUV -> RGB path for
    # frames that keep their size does the same.
    yuv = _full_chroma(frames, planes).float()
    y, chroma = yuv[:, 0], yuv[:, 1:]
    y = y * scale
    chroma = chroma * scale - 128.0
    if color_range == "pc":
        luma, cb, cr = y, chroma[:, 0], chroma[:, 1]
    else:
        luma = (y - 16.0) * (255.0 / 219.0)
        cb, cr = chroma[:, 0] * (255.0 / 224.0), chroma[:, 1] * (255.0 / 224.0)
    r = luma + (2.0 * (1.0 - kr)) * cr
    g = luma - (2.0 * kb * (1.0 - kb) / kg) * cb - (2.0 * kr * (1.0 - kr) / kg) * cr
    b = luma + (2.0 * (1.0 - kb)) * cb
    rgb = torch.stack([b, g, r] if bgr else [r, g, b], dim=1)
    # Truncated, as swscale's tables are (rounding would be off by up to 3).
    return rgb.floor_().clamp_(0, 255).to(torch.uint8)


def converter(
    format: Optional[str], planes: str, matrix: str, color_range: str
) -> Callable[[torch.Tensor], torch.Tensor]:
    """What a hw_accel output with ``format`` does to each chunk's planes."""
    if format in (None, "yuv444p", "yuv420p"):
        return lambda frames: to_yuv(frames, planes)
    if format == "nv12":
        return lambda frames: frames
    if format in ("rgb24", "bgr24"):
        bgr = format == "bgr24"
        return lambda frames: to_rgb(frames, planes, matrix, color_range, bgr)
    raise InvalidArgumentError(
        f"format={format!r} with hw_accel: GPU frames come as one of {', '.join(GPU_FORMATS)} "
        "(or None, YUV as torchaudio gave)"
    )


def check_format(format: Optional[str]) -> None:
    """Refuses a format hw_accel outputs cannot give, before anything opens."""
    converter(format, "nv12", "", "")
