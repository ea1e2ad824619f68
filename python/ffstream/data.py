"""Datasets of media files for PyTorch's DataLoader.

:class:`MediaDataset` decodes a list of sources into clips or chunks, one
source per worker at a time, with deterministic sharding over DataLoader
workers and distributed ranks, and bad sources skipped and reported.
"""

from __future__ import annotations

import random
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from torch.utils.data import IterableDataset, get_worker_info

from ._errors import InvalidArgumentError
from ._media_items import ErrorPolicy, Item, Skipped, dataset_spec, items_or_skip, shard

__all__ = ["MediaDataset", "Skipped"]


class MediaDataset(IterableDataset):
    """An iterable dataset that decodes every source of a list, each once per
    epoch across all DataLoader workers and distributed ranks.

    Args:
        sources: What to read: paths, URLs, or bytes-like objects holding
            whole media files, as :class:`~ffstream.StreamReader` takes them.
        video: Keyword arguments of
            :meth:`~ffstream.StreamReader.add_basic_video_stream` (format,
            width, height, frame_rate, decoder_option, ...), or ``None`` for
            no video.
        audio: Keyword arguments of
            :meth:`~ffstream.StreamReader.add_basic_audio_stream`, or
            ``None`` for no audio.
        clip_frames: Yield clips of this many video frames instead of chunks.
            Without it, ``video`` and ``audio`` say how to chunk
            (``frames_per_chunk`` or ``seconds_per_chunk``;
            ``frames_per_chunk=-1`` gives the whole stream as one item).
        clips_per_source: Clips taken from each source.
        clip_sampling: ``"uniform"``: clips start at evenly spaced frames, the
            first at frame 0 and the last at the last start that fits;
            ``"random"``: at random frames, drawn from ``seed``, the epoch
            and the source's position, so every run of an epoch gives the
            same clips.
        frame_step: Frames between two frames of a clip (``2`` takes every
            other frame).
        shuffle: Visit the sources in a random order, the same on every
            worker and rank, new each epoch (see :meth:`set_epoch`).
        seed: Seed of the shuffle and of random clips.
        on_error: What a source that fails to open or decode does:
            ``"skip"`` (the default) logs a warning on logger
            ``ffstream.data`` and records it in :attr:`skipped`; ``"raise"``
            ends the iteration with the error; a callable is called with
            ``(index, source, error)`` in the worker, and the source is
            skipped. The output options are tried on a built-in test
            source when the dataset is made, so that an unknown format,
            size, rate or decoder raises then instead of failing every
            source; what depends on the file (its streams, options its
            codec or protocol does not take) is left to this policy.
        rank, world_size: This process's distributed rank and the number of
            ranks; by default torch.distributed's when it is initialised,
            else 0 and 1.
        format, option, safe, timeout: Passed to every
            :class:`~ffstream.StreamReader` (``safe=True`` for untrusted
            datasets).

    Items are dicts. Every item has ``source`` (the entry of ``sources``, as
    given) and ``index`` (its position in the list). Clips have ``clip``
    (its number in the source), ``start_frame``, ``video`` ``(clip_frames,
    C, H, W)``, ``video_pts`` (seconds, float) and ``video_frame_pts``
    (float64 ``(clip_frames,)``), and with ``audio`` given, ``audio``
    ``(samples, channels)``, the samples presented while the clip's frames
    are shown, with ``audio_pts``. Chunks have ``chunk`` (its number in the
    source) and ``video``/``video_pts``/``video_frame_pts`` and
    ``audio``/``audio_pts`` for the outputs configured; an output with
    nothing in a time window gives ``None`` there.

    Sources are split over ``world_size * num_workers`` shards: the one of
    rank ``r`` and worker ``w`` reads every source whose position in the
    (shuffled) order is ``r * num_workers + w`` modulo the shard count.
    Memory per worker is what one source's chunks or clips take; readers
    are closed after each source.

    Example:
        >>> ds = MediaDataset(paths, video={"width": 224, "height": 224},
        ...                   clip_frames=16, clips_per_source=2, clip_sampling="random")
        >>> loader = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=2)
        >>> for epoch in range(3):
        ...     ds.set_epoch(epoch)
        ...     for batch in loader:
        ...         batch["video"].shape  # torch.Size([8, 16, 3, 224, 224])
    """

    def __init__(
        self,
        sources: Sequence[Any],
        *,
        video: Optional[Dict[str, Any]] = None,
        audio: Optional[Dict[str, Any]] = None,
        clip_frames: Optional[int] = None,
        clips_per_source: int = 1,
        clip_sampling: str = "uniform",
        frame_step: int = 1,
        shuffle: bool = False,
        seed: int = 0,
        on_error: ErrorPolicy = "skip",
        rank: Optional[int] = None,
        world_size: Optional[int] = None,
        format: Optional[str] = None,
        option: Optional[Dict[str, str]] = None,
        safe: bool = False,
        timeout: Optional[float] = None,
    ):
        super().__init__()
        self.spec = dataset_spec(
            sources, on_error, format=format, option=option, safe=safe, timeout=timeout,
            video=video, audio=audio, clip_frames=clip_frames, clips_per_source=clips_per_source,
            clip_sampling=clip_sampling, frame_step=frame_step, seed=seed,
        )
        self.sources = sources
        self.shuffle = bool(shuffle)
        self.on_error = on_error
        self._rank, self._world_size = _check_rank(rank, world_size)
        self.epoch = 0
        self.skipped: List[Skipped] = []
        """Sources skipped by ``on_error="skip"`` in this process (with
        DataLoader workers, each worker has its own list; the warnings
        reach the main process's log)."""

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch, which picks the shuffle order and the random clips.
        Call it before iterating (before the DataLoader starts its workers,
        so each gets the new value). Without it, every epoch is epoch 0.
        Workers started with ``persistent_workers=True`` keep the dataset
        they were given and do not see later calls."""
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise InvalidArgumentError(f"epoch must be an int >= 0, got {epoch!r}")
        self.epoch = epoch

    def shard_positions(self) -> List[int]:
        """Positions of the sources this process (this worker of this rank)
        reads this epoch, in the order read."""
        order = list(range(len(self.sources)))
        if self.shuffle:
            random.Random(f"{self.spec.seed}/{self.epoch}").shuffle(order)
        worker = get_worker_info()
        worker_id, num_workers = (worker.id, worker.num_workers) if worker is not None else (0, 1)
        rank, world_size = self._rank_and_world_size()
        return shard(len(order), rank * num_workers + worker_id, world_size * num_workers, order)

    def __getstate__(self) -> Dict[str, Any]:
        # A worker started by spawn or forkserver has no torch.distributed
        # of its own: it gets the rank of the process that made it.
        state = dict(self.__dict__)
        state["_rank"], state["_world_size"] = self._rank_and_world_size()
        return state

    def _rank_and_world_size(self) -> Tuple[int, int]:
        if self._rank is not None and self._world_size is not None:
            return self._rank, self._world_size
        dist = torch.distributed
        if dist.is_available() and dist.is_initialized():
            return dist.get_rank(), dist.get_world_size()
        return 0, 1

    def __iter__(self) -> Iterator[Item]:
        for index in self.shard_positions():
            yield from items_or_skip(
                self.sources[index], index, self.spec, self.epoch, self.on_error, self.skipped
            )


def _check_rank(rank, world_size) -> Tuple[Optional[int], Optional[int]]:
    if (rank is None) != (world_size is None):
        raise InvalidArgumentError("give both rank and world_size, or neither")
    if rank is None:
        return None, None
    for name, value in (("rank", rank), ("world_size", world_size)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgumentError(f"{name} must be an int, got {value!r}")
    if world_size <= 0 or not 0 <= rank < world_size:
        raise InvalidArgumentError(f"need 0 <= rank < world_size, got rank={rank}, world_size={world_size}")
    return rank, world_size
