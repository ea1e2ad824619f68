"""ChunkTensor: a torch.Tensor that also carries the presentation times of its
frames."""

from __future__ import annotations

from typing import Callable, Optional

import torch


class ChunkTensor(torch.Tensor):
    """Decoded frames of one output stream, with their presentation times.

    It is a ``torch.Tensor`` (it shares the decoded memory, no copy) with
    more attributes: :attr:`pts`, and for video :attr:`frame_pts` and
    :attr:`frame_duration`. Operations on it return plain tensors, which do
    not carry them, except selecting frames of a video chunk along the
    first dimension (``chunk[2:5]``, ``chunk[[0, 3]]``, a boolean mask, also
    with more indices after it): that gives a ChunkTensor of those frames,
    with their times (``pts`` is the first selected frame's). Indexing one
    frame (``chunk[3]``) and slicing an audio chunk give plain tensors.

    Example:
        >>> (video,) = reader.pop_chunks()
        >>> video.pts, video.shape
        (0.0, torch.Size([32, 3, 240, 320]))
        >>> video.frame_pts[:3]
        tensor([0.0000, 0.0333, 0.0667], dtype=torch.float64)
        >>> video[1:3].pts
        0.03333333333333333
        >>> type(video * 2)
        <class 'torch.Tensor'>

    Chunks can also be made by hand, as with torchaudio:
    ``ChunkTensor(tensor, pts)`` shares ``tensor``'s memory, and the plain
    tensor it wraps stays reachable as ``chunk._elem``.
    """

    _elem: torch.Tensor
    """The plain tensor this chunk wraps (same memory)."""

    pts: float
    """Presentation time of the first frame of the chunk, in seconds."""

    frame_pts: Optional[torch.Tensor]
    """Video: float64 tensor ``(N,)``, every frame's presentation time in
    seconds (``frame_pts[0] == pts``). ``None`` for audio, where sample ``i``
    is presented at ``pts + i / sample_rate``."""

    frame_duration: Optional[torch.Tensor]
    """Video: float64 tensor ``(N,)``, how long each frame is shown, in
    seconds (the frame's own duration, else one frame period of the output).
    ``None`` for audio."""

    @staticmethod
    def __new__(
        cls,
        _elem: torch.Tensor,
        pts: float,
        frame_pts: Optional[torch.Tensor] = None,
        frame_duration: Optional[torch.Tensor] = None,
    ) -> ChunkTensor:
        if not isinstance(_elem, torch.Tensor):
            raise TypeError(f"ChunkTensor wraps a torch.Tensor, got {type(_elem).__name__}")
        chunk = torch.Tensor._make_subclass(cls, _elem, _elem.requires_grad)
        chunk._elem = _elem
        chunk.pts = float(pts)
        chunk.frame_pts = _frame_times("frame_pts", frame_pts, _elem)
        chunk.frame_duration = _frame_times("frame_duration", frame_duration, _elem)
        return chunk

    def __init__(self, _elem, pts, frame_pts=None, frame_duration=None):
        # Everything happened in __new__; torch.Tensor.__init__ takes no data.
        pass

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        # Run the op as on plain tensors, so results are plain tensors.
        with torch._C.DisableTorchFunctionSubclass():
            result = func(*args, **(kwargs or {}))
        if func is torch.Tensor.__getitem__ and isinstance(args[0], ChunkTensor):
            return _select_frames(args[0], args[1], result)
        return result

    def __repr__(self, **kwargs):
        with torch._C.DisableTorchFunctionSubclass():
            body = torch.Tensor.__repr__(self, **kwargs)
        return f"ChunkTensor(pts={self.pts}, {body})"


def _frame_times(name: str, times, elem: torch.Tensor) -> Optional[torch.Tensor]:
    if times is None:
        return None
    times = torch.as_tensor(times, dtype=torch.float64)
    if times.dim() != 1 or (elem.dim() > 0 and times.numel() != elem.shape[0]):
        raise ValueError(
            f"{name} needs one value per frame ({elem.shape[0]}), got shape {tuple(times.shape)}"
        )
    return times


def _select_frames(chunk: ChunkTensor, index, result):
    """``chunk[index]`` as a ChunkTensor when the index picks frames along the
    first dimension (a slice, a list or tensor of indices, a mask), keeping
    their times; anything else (one frame, None, Ellipsis) stays plain."""
    if chunk.frame_pts is None:
        return result  # audio: a slice of samples has no pts of its own here
    first = index[0] if isinstance(index, tuple) and index else index
    if isinstance(first, bool) or not isinstance(first, (slice, list, torch.Tensor)):
        return result
    if isinstance(first, torch.Tensor) and first.dim() != 1:
        return result
    with torch._C.DisableTorchFunctionSubclass():
        frames = torch.arange(chunk.shape[0])[first]
        if frames.dim() != 1 or not isinstance(result, torch.Tensor) or result.shape[:1] != frames.shape:
            return result
        times = chunk.frame_pts[frames]
        pts = float(times[0]) if times.numel() else chunk.pts
        duration = None if chunk.frame_duration is None else chunk.frame_duration[frames]
    return ChunkTensor(result, pts, times, duration)


def chunk_from(chunk, convert: Optional[Callable[[torch.Tensor], torch.Tensor]] = None) -> ChunkTensor:
    """Wraps a binding chunk (DLPack exporter) without copying its memory;
    ``convert`` (GPU outputs) turns the decoded planes into the chunk."""
    tensor = torch.from_dlpack(chunk)
    if convert is not None:
        tensor = convert(tensor)
    return ChunkTensor(tensor, chunk.pts, chunk.frame_pts, chunk.frame_duration)
