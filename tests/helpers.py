"""Helpers shared by the test modules: decoding a whole stream, popping and
reading chunks, the dominant frequency of a signal, this process's RSS."""

from __future__ import annotations

import os
import subprocess
from typing import List, Optional, Tuple

import media
import numpy as np
from ffstream import ChunkTensor, FrameIndex, StreamReader


def _src(src):
    return str(src) if isinstance(src, os.PathLike) else src


def whole_chunk(reader: StreamReader) -> ChunkTensor:
    """The single output's frames, all decoded, as the one chunk they make."""
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk is not None, "nothing decoded"
    assert reader.pop_chunks() == [None], "more than one chunk"
    return chunk


def decode_whole_audio(src, open_kwargs: Optional[dict] = None, **output_kwargs) -> ChunkTensor:
    """Every sample of the default audio stream of `src` (a path, URL, bytes or
    file object) as one chunk; `output_kwargs` go to add_basic_audio_stream."""
    reader = StreamReader(_src(src), **(open_kwargs or {}))
    reader.add_basic_audio_stream(-1, -1, **output_kwargs)
    return whole_chunk(reader)


def decode_whole_video(src, open_kwargs: Optional[dict] = None, **output_kwargs) -> ChunkTensor:
    """Every frame of the default video stream of `src` as one chunk."""
    reader = StreamReader(_src(src), **(open_kwargs or {}))
    reader.add_basic_video_stream(-1, -1, **output_kwargs)
    return whole_chunk(reader)


def streamed_and_indexed(path) -> Tuple[ChunkTensor, StreamReader, FrameIndex]:
    """The whole video of `path` decoded by streaming, and a fresh reader
    (4-frame chunks) with its frame index, for frames-on-demand tests."""
    whole = decode_whole_video(path)
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(4)
    return whole, reader, reader.get_frame_index()


def decode_default_streams(src, **open_kwargs) -> List[Optional[ChunkTensor]]:
    """The default video (rgb24) and audio (fltp) streams of `src`, whichever
    exist, each as one chunk, in that order."""
    reader = StreamReader(_src(src), **open_kwargs)
    if reader.default_video_stream is not None:
        reader.add_basic_video_stream(-1, -1)
    if reader.default_audio_stream is not None:
        reader.add_basic_audio_stream(-1, -1)
    reader.process_all_packets()
    return list(reader.pop_chunks())


def pop_all(reader: StreamReader, output: int = 0) -> List[ChunkTensor]:
    """Pops until output `output` is empty (popping the others alongside) and
    returns that output's chunks."""
    chunks = []
    while True:
        popped = reader.pop_chunks()
        assert isinstance(popped, list) and len(popped) == reader.num_out_streams
        if popped[output] is None:
            return chunks
        chunks.append(popped[output])


def stream_all(reader: StreamReader) -> Tuple[list, List[List[ChunkTensor]]]:
    """Streams every output to the end: each output's chunks concatenated,
    and the chunks themselves."""
    import torch

    chunks: List[List[ChunkTensor]] = [[] for _ in range(reader.num_out_streams)]
    for item in reader.stream():
        for i, c in enumerate(item):
            if c is not None:
                chunks[i].append(c)
    return [torch.cat(c) for c in chunks], chunks


def read_rest(reader: StreamReader) -> List[ChunkTensor]:
    """The single output's chunks from the current position to the end."""
    return [c for (c,) in reader.stream()]


def packet_count(path, kinds: str = "va") -> int:
    """Packets of a file's video (v), audio (a) or subtitle (s) streams, as
    ffprobe counts them; by default those process_packet() reads."""
    total = 0
    for kind in kinds:
        out = subprocess.run(
            [media.FFPROBE, "-v", "error", "-select_streams", kind,
             "-show_entries", "packet=stream_index", "-of", "csv", str(path)],
            check=True, capture_output=True, text=True,
        ).stdout
        total += sum(line.startswith("packet") for line in out.splitlines())
    return total


def dominant_frequency(x, rate: float) -> float:
    """The frequency (Hz) of the strongest bin of `x`'s spectrum."""
    spectrum = np.abs(np.fft.rfft(np.asarray(x, np.float64)))
    return float(np.argmax(spectrum)) * rate / len(x)


def rss_bytes() -> int:
    """This process's resident memory (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
