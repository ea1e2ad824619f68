"""The I420 layout of yuv420p chunks (``yuv_layout="i420"``): the planes as
views, and the full-size layout torchaudio used."""

from __future__ import annotations

from typing import Tuple

import torch


def _check(chunk: torch.Tensor) -> Tuple[int, int, int]:
    if chunk.dim() != 3 or chunk.dtype != torch.uint8 or chunk.shape[1] % 3 != 0:
        raise ValueError(
            "expected an I420 chunk: uint8 (N, H * 3 / 2, W) from yuv_layout='i420', "
            f"got {chunk.dtype} {tuple(chunk.shape)}"
        )
    n, rows, width = chunk.shape
    return n, rows * 2 // 3, width


def i420_planes(chunk: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The Y ``(N, H, W)``, U and V ``(N, H/2, W/2)`` planes of an I420 chunk,
    as views of its memory (no copy)."""
    n, height, width = _check(chunk)
    flat = chunk.reshape(n, -1)
    luma = height * width
    quarter = luma // 4
    y = flat[:, :luma].view(n, height, width)
    u = flat[:, luma:luma + quarter].view(n, height // 2, width // 2)
    v = flat[:, luma + quarter:].view(n, height // 2, width // 2)
    return y, u, v


def i420_to_yuv(chunk: torch.Tensor) -> torch.Tensor:
    """An I420 chunk in the full-size layout of ``format="yuv420p"``:
    uint8 ``(N, 3, H, W)``, each chroma sample repeated over its 2x2 pixels
    (the same values ffstream's default layout gives)."""
    y, u, v = i420_planes(chunk)
    n, height, width = y.shape
    out = torch.empty((n, 3, height, width), dtype=torch.uint8)
    out[:, 0] = y
    for channel, plane in ((1, u), (2, v)):
        out[:, channel] = plane.repeat_interleave(2, dim=1).repeat_interleave(2, dim=2)
    return out
