"""Runs bad-input corpus items (corpus.py) in a worker process:
``python corpus_runner.py MANIFEST IDS`` prints ``START <id>`` before and
``DONE <json>`` after each item, so that test_corpus.py can name an item
that crashed or hung the process."""

from __future__ import annotations

from pathlib import Path
from typing import List

from corpus import Item, open_source

MAX_CHUNKS = 3000  # a 2 s file gives < 100 chunks; more means decoding never stops
VIDEO_SIZE = (64, 48)  # outputs are scaled to this, which bounds memory


def _error(e: BaseException) -> dict:
    import ffstream

    return {
        "type": type(e).__name__,
        "module": type(e).__module__,
        "mro": [c.__name__ for c in type(e).__mro__],
        "ffstream": isinstance(e, ffstream.FFStreamError),
        "message": str(e),
    }


def add_outputs(reader, frames_per_chunk=(4, 1024)) -> List[dict]:
    """Adds an output for the default streams and every other audio/video
    stream; returns the errors of the outputs that could not be added."""
    errors = []
    indices = [reader.default_video_stream, reader.default_audio_stream]
    for i in range(reader.num_src_streams):
        if i not in indices:
            indices.append(i)
    for i in indices:
        if i is None:
            continue
        try:
            kind = reader.get_src_stream_info(i).media_type
            if kind == "video":
                reader.add_basic_video_stream(
                    frames_per_chunk[0],
                    -1,
                    stream_index=i,
                    width=VIDEO_SIZE[0],
                    height=VIDEO_SIZE[1],
                )
            elif kind == "audio":
                reader.add_basic_audio_stream(frames_per_chunk[1], -1, stream_index=i)
        except Exception as e:  # noqa: BLE001 - recorded and judged by the test
            errors.append(_error(e))
    return errors


def decode_all(reader, max_chunks=MAX_CHUNKS, keep=False) -> dict:
    """Runs stream() to the end (or to max_chunks); returns frame counts,
    digests and shapes per output, the error that stopped it, if any, and,
    with `keep`, the concatenated frames. After an error, the chunks still
    buffered are taken with pop_chunks() (what was decodable)."""
    import hashlib

    import torch

    n = reader.num_out_streams
    frames = [0] * n
    digests = [hashlib.sha256() for _ in range(n)]
    shapes = [set() for _ in range(n)]
    kept = [[] for _ in range(n)]
    chunks = 0
    error = None
    stopped = False

    def take(out):
        for k, c in enumerate(out):
            if c is None:
                continue
            frames[k] += c.shape[0]
            digests[k].update(c.numpy().tobytes())
            shapes[k].add((str(c.dtype),) + tuple(c.shape[1:]))
            if keep:
                kept[k].append(torch.Tensor(c).clone())

    try:
        for out in reader.stream():
            chunks += 1
            take(out)
            if chunks >= max_chunks:
                break
        else:
            stopped = True
    except Exception as e:  # noqa: BLE001
        error = _error(e)
    if error is not None:
        # What was decoded before the error is still buffered: take it.
        try:
            while chunks < max_chunks:
                out = reader.pop_chunks()
                if all(c is None for c in out):
                    break
                chunks += 1
                take(out)
        except Exception as e:  # noqa: BLE001
            error["drain_error"] = _error(e)
    result = {
        "frames": frames,
        "digests": [d.hexdigest() for d in digests],
        "shapes": [sorted(map(list, s)) for s in shapes],
        "chunks": chunks,
        "stopped": stopped,
        "error": error,
    }
    if keep:
        result["data"] = [torch.cat(k) if k else None for k in kept]
    return result


def _attempt(f) -> dict:
    try:
        f()
        return {"ok": True}
    except Exception as e:  # noqa: BLE001
        return {"ok": False, "error": _error(e)}


def run_item(item: Item) -> dict:
    """Opens, decodes and probes the reader after decoding; records what
    happened at every step (the test judges it)."""
    import time

    import ffstream

    t0 = time.monotonic()
    result = {
        "id": item.id,
        "open_error": None,
        "add_errors": [],
        "decode": None,
        "after": {},
    }
    try:
        reader = ffstream.StreamReader(open_source(item))
    except Exception as e:  # noqa: BLE001
        result["open_error"] = _error(e)
        result["seconds"] = time.monotonic() - t0
        return result
    result["num_src_streams"] = reader.num_src_streams
    result["add_errors"] = add_outputs(reader)
    result["num_out_streams"] = reader.num_out_streams
    if reader.num_out_streams:
        result["decode"] = decode_all(reader)
    after = result["after"]
    after["info"] = _attempt(
        lambda: [reader.get_src_stream_info(i) for i in range(reader.num_src_streams)]
    )
    after["metadata"] = _attempt(reader.get_metadata)
    after["seek0"] = _attempt(lambda: reader.seek(0.0))
    if after["seek0"]["ok"] and reader.num_out_streams:
        # Usable after the seek: decoding again runs (and stops) cleanly.
        again = decode_all(reader)
        after["redecode"] = {
            k: again[k] for k in ("frames", "stopped", "error", "chunks")
        }
    after["close"] = _attempt(reader.close)
    try:
        _ = reader.num_src_streams
        after["closed_raises"] = None
    except Exception as e:  # noqa: BLE001
        after["closed_raises"] = _error(e)
    after["close_again"] = _attempt(reader.close)
    result["seconds"] = time.monotonic() - t0
    return result


def _hang():
    import time

    time.sleep(3600)


def _abort():
    import os

    os.abort()


# Items with these `via` stand for an input that crashes or hangs the
# decoder, so that the test can show the harness reports them by name.
_HARNESS_CHECKS = {"<abort>": _abort, "<hang>": _hang}


def worker(manifest: str, ids_file: str) -> None:
    """Runs the items whose ids are listed in `ids_file`, printing
    ``START <id>`` before and ``DONE <json>`` after each one."""
    import json
    import sys

    items = {d["id"]: Item.from_dict(d) for d in json.loads(Path(manifest).read_text())}
    for id_ in json.loads(Path(ids_file).read_text()):
        print("START " + id_, flush=True)
        if items[id_].via in _HARNESS_CHECKS:  # see test_corpus: the harness's own test
            _HARNESS_CHECKS[items[id_].via]()
        result = run_item(items[id_])
        print("DONE " + json.dumps(result), flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    import faulthandler
    import sys

    faulthandler.enable()
    worker(sys.argv[1], sys.argv[2])
