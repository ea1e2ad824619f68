"""Ray Data reading media through ffstream (install ``ffstream[ray]``).

:func:`read_media` gives a ``ray.data.Dataset`` of decoded clips or chunks:
Ray schedules the read tasks, runs them in parallel, retries them and
spills their blocks; ffstream only opens and decodes the sources inside
each task. Ray is imported when :func:`read_media` is called, not before.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Sequence

import numpy as np

from ._media_items import ErrorPolicy, Item, ItemSpec, dataset_spec, items_or_skip, shard

if TYPE_CHECKING:
    from ray.data import Dataset

__all__ = ["read_media"]


def read_media(
    sources: Sequence[Any],
    *,
    video: Optional[Dict[str, Any]] = None,
    audio: Optional[Dict[str, Any]] = None,
    clip_frames: Optional[int] = None,
    clips_per_source: int = 1,
    clip_sampling: str = "uniform",
    frame_step: int = 1,
    seed: int = 0,
    on_error: ErrorPolicy = "skip",
    format: Optional[str] = None,
    option: Optional[Dict[str, str]] = None,
    safe: bool = False,
    timeout: Optional[float] = None,
    override_num_blocks: Optional[int] = None,
    **ray_args: Any,
) -> Dataset:
    """A ``ray.data.Dataset`` of the clips or chunks of ``sources``.

    Args:
        sources: Paths, URLs or bytes-like objects holding whole media files.
        video, audio, clip_frames, clips_per_source, clip_sampling,
            frame_step, seed, on_error, format, option, safe, timeout: As
            for :class:`ffstream.data.MediaDataset`. A callable ``on_error``
            runs in the Ray worker and must be serialisable; skipped
            sources are logged there (Ray forwards worker logs to the
            driver).
        override_num_blocks: Read tasks to split the sources over (each
            task reads every n-th source); by default two per CPU of the
            cluster, or more so that none gets over 32 sources.
        ray_args: Passed on to ``ray.data.read_datasource`` (``num_cpus``,
            ``concurrency``, ``ray_remote_args``, ...).

    Each row is one item, with the keys :class:`ffstream.data.MediaDataset`
    gives: ``source`` (a path as a string, bytes as given), ``index``, and
    the decoded arrays (numpy, as Ray Data holds tensors) with their pts.
    An output with nothing in a time window is left out of that row.
    Row order follows the tasks as Ray runs them, so use ``index`` (and
    ``clip`` or ``chunk``) to order them.

    Example:
        >>> ds = ffstream.ray.read_media(paths, video={"width": 112, "height": 112},
        ...                              clip_frames=8, clips_per_source=4)
        >>> clips = ds.select_columns(["video", "video_pts"])  # strings make no tensors
        >>> for batch in clips.iter_torch_batches(batch_size=16):
        ...     batch["video"].shape  # torch.Size([16, 8, 3, 112, 112])
    """
    import ray
    import ray.data

    spec = dataset_spec(
        sources, on_error, format=format, option=option, safe=safe, timeout=timeout,
        video=video, audio=audio, clip_frames=clip_frames, clips_per_source=clips_per_source,
        clip_sampling=clip_sampling, frame_step=frame_step, seed=seed,
    )
    sources = [os.fspath(s) if isinstance(s, os.PathLike) else s for s in sources]
    datasource = _media_datasource(ray.data)(sources, spec, on_error)
    if override_num_blocks is None:
        if not ray.is_initialized():
            ray.init()  # as Ray Data's own readers would, to count the CPUs
        override_num_blocks = _default_tasks(len(sources), ray.cluster_resources().get("CPU", 1))
    return ray.data.read_datasource(datasource, override_num_blocks=override_num_blocks, **ray_args)


def _default_tasks(count: int, cpus: float) -> int:
    """Read tasks for ``count`` sources: two per CPU, more when each would
    get over 32 sources. Ray's own default (200 tasks) gives short files a
    task each, whose start costs more than decoding them (on 2 CPUs, 300
    clips took 2.4 times as long as with 8 tasks); a task's items wait in
    its worker until they are taken, so long tasks cost memory."""
    return max(1, min(count, max(2 * int(cpus), -(-count // 32))))


def _media_datasource(ray_data):
    """The Datasource class, made when Ray is imported."""
    from ray.data.block import BlockAccessor, BlockMetadata

    class MediaDatasource(ray_data.Datasource):
        """Splits the sources over read tasks; each task decodes its sources
        one after another and yields a block per item."""

        def __init__(self, sources: List[Any], spec: ItemSpec, on_error: ErrorPolicy):
            super().__init__()
            self._sources = sources
            self._spec = spec
            self._on_error = on_error

        def get_name(self) -> str:
            return "ffstream.read_media"

        def estimate_inmemory_data_size(self) -> Optional[int]:
            return None  # unknown before decoding

        def get_read_tasks(self, parallelism: int, per_task_row_limit=None, data_context=None):
            count = len(self._sources)
            tasks = max(1, min(parallelism, count))
            read_tasks = []
            for task in range(tasks):
                positions = shard(count, task, tasks)
                if not positions:
                    continue
                files = tuple(s for s in (self._sources[p] for p in positions) if isinstance(s, str))
                metadata = BlockMetadata(num_rows=None, size_bytes=None, input_files=files, exec_stats=None)
                read_tasks.append(ray_data.ReadTask(self._reader_of(positions), metadata))
            return read_tasks

        def _reader_of(self, positions: List[int]):
            sources = [self._sources[p] for p in positions]
            spec, on_error = self._spec, self._on_error

            def read() -> Iterator[Any]:
                # A block per item: stacking items into larger blocks was
                # no faster here and doubled the workers' peak memory.
                for position, source in zip(positions, sources):
                    for item in items_or_skip(source, position, spec, 0, on_error):
                        yield BlockAccessor.batch_to_block(_row(item))

            return read

    return MediaDatasource


def _row(item: Item) -> Dict[str, np.ndarray]:
    """One item as a batch of one row: tensors as numpy arrays with a
    leading dimension of 1, numbers and sources as 1-element arrays."""
    row: Dict[str, np.ndarray] = {}
    for key, value in item.items():
        if value is None:
            continue
        if hasattr(value, "numpy"):
            row[key] = value.numpy()[np.newaxis]
        elif isinstance(value, (bytes, bytearray, memoryview)):
            row[key] = np.array([bytes(value)], dtype=object)
        else:
            row[key] = np.array([value])
    return row
