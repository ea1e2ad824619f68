"""ChunkTensor: a torch.Tensor that also carries the pts of its first frame."""

from __future__ import annotations

import torch


class ChunkTensor(torch.Tensor):
    """Decoded frames of one output stream, with their presentation time.

    It is a ``torch.Tensor`` (it shares the decoded memory, no copy) with one
    more attribute, :attr:`pts`. Operations on it return plain tensors, which do
    not carry ``pts``.

    Example:
        >>> (chunk,) = reader.pop_chunks()
        >>> chunk.pts, chunk.shape
        (0.0, torch.Size([1024, 2]))
        >>> type(chunk * 2)
        <class 'torch.Tensor'>

    Chunks can also be made by hand, as with torchaudio:
    ``ChunkTensor(tensor, pts)`` shares ``tensor``'s memory, and the plain
    tensor it wraps stays reachable as ``chunk._elem``.
    """

    _elem: torch.Tensor
    """The plain tensor this chunk wraps (same memory)."""

    pts: float
    """Presentation time of the first frame of the chunk, in seconds."""

    @staticmethod
    def __new__(cls, _elem: torch.Tensor, pts: float) -> ChunkTensor:
        if not isinstance(_elem, torch.Tensor):
            raise TypeError(f"ChunkTensor wraps a torch.Tensor, got {type(_elem).__name__}")
        chunk = torch.Tensor._make_subclass(cls, _elem, _elem.requires_grad)
        chunk._elem = _elem
        chunk.pts = float(pts)
        return chunk

    def __init__(self, _elem: torch.Tensor, pts: float):
        # Everything happened in __new__; torch.Tensor.__init__ takes no data.
        pass

    @staticmethod
    def _wrap(data: torch.Tensor, pts: float) -> ChunkTensor:
        return ChunkTensor(data, pts)

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        # Run the op as on plain tensors, so results are plain tensors.
        with torch._C.DisableTorchFunctionSubclass():
            return func(*args, **(kwargs or {}))

    def __repr__(self, **kwargs):
        with torch._C.DisableTorchFunctionSubclass():
            body = torch.Tensor.__repr__(self, **kwargs)
        return f"ChunkTensor(pts={self.pts}, {body})"


def chunk_from(chunk) -> ChunkTensor:
    """Wraps a binding chunk (DLPack exporter) without copying its memory."""
    return ChunkTensor._wrap(torch.from_dlpack(chunk), chunk.pts)
