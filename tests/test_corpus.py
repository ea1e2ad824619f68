"""The bad-input corpus (corpus.py): every input ends in a clear Python
exception or in decoding what is decodable and stopping; never a crash or a
hang; afterwards the reader is usable or cleanly closed.

The corpus runs in a worker process (one for all items, restarted after an
item that crashes or hangs), so that a crash or a hang fails the test of its
group and names the input instead of killing the test run. Each item gets
ITEM_TIMEOUT seconds. Decoded values of cut files are checked in-process.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import corpus
import corpus_runner
import damage
import ffstream
import file_doubles
import media
import numpy as np
import pytest
import torch
from ffstream import StreamReader

ITEM_TIMEOUT = 20.0  # seconds; an item takes well under one
WORKER_START_TIMEOUT = 60.0  # importing torch on a busy machine
WORKER_EXITS = "<worker exits>"  # results key: failures outside any item


@pytest.fixture(scope="module")
def corpus_items(make_media, tmp_path_factory):
    files = {name: make_media(name) for name in corpus.SOURCES}
    return corpus.build(files, tmp_path_factory.mktemp("corpus"))


def _run_workers(items, workdir: Path, item_timeout: float = ITEM_TIMEOUT) -> dict:
    """Runs every item in worker processes; returns id -> result, where a
    crash or a hang is a result too ({"crash": ...} / {"hang": ...})."""
    manifest = workdir / "manifest.json"
    manifest.write_text(json.dumps([i.to_dict() for i in items]))
    results: dict = {}
    remaining = [i.id for i in items]
    attempt = 0
    while remaining:
        attempt += 1
        ids_file = workdir / f"ids-{attempt}.json"
        ids_file.write_text(json.dumps(remaining))
        stderr_path = workdir / f"stderr-{attempt}.txt"
        with open(stderr_path, "wb") as stderr:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    str(Path(corpus_runner.__file__)),
                    str(manifest),
                    str(ids_file),
                ],
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=str(Path(corpus.__file__).parent),
                env={**os.environ, "PYTHONFAULTHANDLER": "1"},
            )
            current = None
            deadline = time.monotonic() + WORKER_START_TIMEOUT
            pending = b""
            while True:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([proc.stdout], [], [], max(left, 0))
                if not ready:  # nothing within the time limit
                    proc.kill()
                    proc.wait()
                    if current is not None:
                        results[current] = {"hang": item_timeout}
                    break
                data = os.read(proc.stdout.fileno(), 1 << 16)
                if not data:  # the worker exited
                    code = proc.wait()
                    tail = stderr_path.read_text(errors="replace")[-3000:]
                    if current is not None:
                        results[current] = {"crash": code, "stderr": tail}
                    elif code != 0:  # between items or at exit: nobody's input
                        results.setdefault(WORKER_EXITS, []).append(
                            {"exit": code, "stderr": tail}
                        )
                    break
                pending += data
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    text = line.decode(errors="replace")
                    if text.startswith("START "):
                        current = text[6:]
                        deadline = time.monotonic() + item_timeout
                    elif text.startswith("DONE "):
                        result = json.loads(text[5:])
                        results[result["id"]] = result
                        current = None
            proc.stdout.close()
        before = len(remaining)
        remaining = [i for i in remaining if i not in results]
        if results.get(WORKER_EXITS) and remaining:
            break  # it failed on its own, not on an item: running again would too
        if len(remaining) == before:  # the worker could not even start
            tail = stderr_path.read_text(errors="replace")[-3000:]
            for i in remaining:
                results[i] = {"crash": "worker failed to start", "stderr": tail}
            break
    return results


@pytest.fixture(scope="module")
def corpus_results(corpus_items, tmp_path_factory):
    return _run_workers(corpus_items, tmp_path_factory.mktemp("corpus-run"))


def test_harness_reports_crashes_and_hangs_by_input(tmp_path, make_media):
    # The worker stands in a crash (abort) and a hang for two items: each is
    # reported under its own id, and the items around them still run.
    wav = str(make_media("sine.wav"))
    items = [
        corpus.Item("a/crash", "x", "harness", wav, "<abort>"),
        corpus.Item("b/hang", "x", "harness", wav, "<hang>"),
        corpus.Item("c/crash", "x", "harness", wav, "<abort>"),
    ]
    t0 = time.monotonic()
    results = _run_workers(items, tmp_path, item_timeout=1.0)
    assert time.monotonic() - t0 < 30
    assert results["a/crash"]["crash"] == -6  # SIGABRT
    assert "Fatal Python error: Aborted" in results["a/crash"]["stderr"]  # faulthandler
    assert results["b/hang"] == {"hang": 1.0}
    assert results["c/crash"]["crash"] == -6
    assert problems(items[0], results["a/crash"])[0].startswith("CRASH")
    assert problems(items[1], results["b/hang"])[0].startswith("HANG")


def test_corpus_worker_exits_cleanly(corpus_results):
    # A crash outside any item (e.g. at interpreter exit, when readers and
    # FFmpeg's state are torn down) would not show in the groups.
    assert WORKER_EXITS not in corpus_results, corpus_results.get(WORKER_EXITS)


# ---- judging one item ----


def _clear(err: dict, item: corpus.Item) -> bool:
    """A clear exception: ffstream's (or a ValueError / OSError), with a
    message; for file objects that raise, their own exception; for read()
    returning str or seek() returning junk, a TypeError also makes sense."""
    if not err["message"].strip():
        return False
    mro = err["mro"]
    if err["ffstream"] or "ValueError" in mro or "OSError" in mro:
        return True
    if item.raises and item.raises in mro and "corpus failure" in err["message"]:
        return True
    return item.via in ("StrAtFile", "BadSeekFile") and "TypeError" in mro


def _describe(err: dict) -> str:
    return f"{err['module']}.{err['type']}: {err['message']!r}"


def problems(item: corpus.Item, r: dict, original: dict = None) -> list:
    """What is wrong with the run of `item` (empty when it behaved)."""
    if "crash" in r:
        return [f"CRASH (exit {r['crash']}); stderr: {r['stderr'][-1500:]}"]
    if "hang" in r:
        return [f"HANG: no result within {r['hang']} s"]
    out = []

    def check(err, where):
        if err is not None and not _clear(err, item):
            out.append(f"unclear error in {where}: {_describe(err)}")

    check(r["open_error"], "StreamReader()")
    source = item.path if item.via == "path" else "<custom reader>"
    for e in r["add_errors"]:
        check(e, "add_basic_*_stream")
        # The arguments are valid, so the media is to blame: say which.
        if not (e["message"].count("stream") and source in e["message"]):
            out.append(f"add error does not name the source stream: {_describe(e)}")
    d = r["decode"]
    if d is not None:
        check(d["error"], "stream()")
        if d["error"] is None and not d["stopped"]:
            out.append(f"stream() did not stop after {d['chunks']} chunks")
        for k, shapes in enumerate(d["shapes"]):
            for s in shapes:
                if s[0] == "torch.uint8" and s[2:] != [
                    corpus_runner.VIDEO_SIZE[1],
                    corpus_runner.VIDEO_SIZE[0],
                ]:
                    out.append(f"output {k}: video chunk of shape {s}, not scaled")
    after = r["after"]
    if after:
        for step in ("info", "metadata", "seek0", "close_again"):
            if not after[step]["ok"]:
                check(after[step]["error"], f"{step} after decoding")
        if "redecode" in after:
            check(after["redecode"]["error"], "stream() after seek(0)")
            if after["redecode"]["error"] is None and not after["redecode"]["stopped"]:
                out.append("stream() after seek(0) did not stop")
        if not after["close"]["ok"]:
            out.append(f"close() raised {_describe(after['close']['error'])}")
        closed = after["closed_raises"]
        if closed is None or closed["type"] != "ReaderClosedError":
            got = closed and _describe(closed)
            out.append(f"closed reader: expected ReaderClosedError, got {got}")

    failed = (
        r["open_error"] is not None
        or r["add_errors"]
        or (d is not None and d["error"] is not None)
    )
    if item.expect == "error" and not failed:
        out.append("expected an error, but it opened and decoded")
    if item.expect == "decodes":
        if failed:
            errs = [r["open_error"], *r["add_errors"], d and d["error"]]
            out.append(
                "good media did not decode: "
                + "; ".join(_describe(e) for e in errs if e)
            )
        elif d is None or not d["stopped"] or min(d["frames"], default=0) == 0:
            out.append(f"good media decoded no frames or did not stop: {d}")
        elif original is not None and item.category != "original":
            # Good media through another path (a file object, another name)
            # must decode to exactly the same values.
            if d["digests"] != original["decode"]["digests"]:
                out.append(
                    f"decoded {d['frames']} frames, different from the original's "
                    f"{original['decode']['frames']}"
                )
    if (
        item.category == "cut"
        and original is not None
        and d is not None
        and r["num_out_streams"] == original["num_out_streams"]
    ):
        # A prefix of the file cannot hold more than the whole file.
        for k, (got, full) in enumerate(zip(d["frames"], original["decode"]["frames"])):
            if got > full:
                out.append(
                    f"output {k}: {got} frames from a cut file, {full} from the whole"
                )
    return out


@pytest.mark.parametrize("group", corpus.GROUPS)
def test_corpus_group(corpus_items, corpus_results, group):
    originals = {
        i.base: corpus_results.get(i.id)
        for i in corpus_items
        if i.category == "original"
    }
    originals = {
        k: v for k, v in originals.items() if v and "decode" in v and v["decode"]
    }
    items = [i for i in corpus_items if i.group == group]
    assert items
    report = []
    not_run = {"crash": "not run: the worker failed outside any item", "stderr": ""}
    for item in items:
        original = originals.get(item.base)
        for p in problems(item, corpus_results.get(item.id, not_run), original):
            report.append(
                f"{item.id} ({item.path}, via {item.via} {item.params or ''}): {p}"
            )
    assert not report, f"{len(report)} problem(s):\n" + "\n".join(report)


def test_corpus_is_deterministic(corpus_items, make_media, tmp_path):
    files = {name: make_media(name) for name in corpus.SOURCES}
    again = corpus.build(files, tmp_path)
    assert [i.id for i in again] == [i.id for i in corpus_items]
    for a, b in zip(again, corpus_items):
        assert Path(a.path).read_bytes() == Path(b.path).read_bytes(), a.id
        assert a.params == b.params


def test_corpus_covers_what_it_promises(corpus_items):
    cats = {i.category for i in corpus_items}
    assert {
        "cut",
        "flip-header",
        "flip-payload",
        "burst",
        "empty",
        "absurd",
        "ext",
        "fileobj",
    } <= cats
    for src in corpus.SOURCES:
        cuts = [
            i
            for i in corpus_items
            if i.base == src and i.category == "cut" and i.via == "path"
        ]
        assert len(cuts) >= 12, src
    vias = {i.via for i in corpus_items}
    assert {
        "path",
        "bytes",
        "GarbageFile",
        "TooManyAtFile",
        "RaiseAtFile",
        "OneByteFile",
    } <= vias


def test_every_good_file_decodes_in_the_worker(corpus_items, corpus_results):
    # The control: if the originals fail, the corpus proves nothing.
    for item in corpus_items:
        if item.category == "original":
            r = corpus_results[item.id]
            assert problems(item, r) == [], item.id
            assert r["decode"]["stopped"] and min(r["decode"]["frames"]) > 0


def test_erroring_items_really_error(corpus_items, corpus_results):
    # Most of the corpus must be refused somewhere, or the damage is too mild
    # to test anything; and raising file objects must reach their callers.
    damaged = [
        i
        for i in corpus_items
        if i.category in ("cut", "flip-header", "empty", "absurd")
    ]
    errored = [
        i
        for i in damaged
        if corpus_results[i.id].get("open_error")
        or corpus_results[i.id].get("add_errors")
        or ((corpus_results[i.id].get("decode") or {}).get("error"))
    ]
    assert len(errored) > len(damaged) // 3
    raised = [
        i
        for i in corpus_items
        if i.raises
        and any(
            e and i.raises in e["mro"] and "corpus failure" in e["message"]
            for e in (
                corpus_results[i.id].get("open_error"),
                (corpus_results[i.id].get("decode") or {}).get("error"),
                (corpus_results[i.id].get("after") or {}).get("seek0", {}).get("error"),
            )
        )
    ]
    assert len(raised) >= len([i for i in corpus_items if i.raises]) // 2


# ---- decodable prefixes: values ----


def _decode(src, keep=True):
    r = StreamReader(src)
    corpus_runner.add_outputs(r)
    return r, corpus_runner.decode_all(r, keep=keep)


def _cut(make_media, tmp_path, name, fraction=0.5):
    data = make_media(name).read_bytes()
    path = tmp_path / ("cut-" + name)
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def _ffmpeg_decode(path, stream_index, kind, channels=1):
    """The ffmpeg command's decode of one stream: audio as (frames, channels)
    float32, video as the number of frames."""
    if kind == "audio":
        raw = media.ffmpeg_decode_raw(
            path, ["-map", f"0:{stream_index}", "-f", "f32le"], np.float32
        )
        return raw.reshape(-1, channels)
    raw = media.ffmpeg_decode_raw(
        path, ["-map", f"0:{stream_index}", "-f", "rawvideo", "-pix_fmt", "gray"]
    )
    return raw.size // (media.VIDEO_SIZE[0] * media.VIDEO_SIZE[1])


@pytest.mark.parametrize(
    "name", ["sine.wav", "flac.flac", "two_audio.mkv", "vp9.webm", "mp3.mp3"]
)
@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_cut_file_decodes_what_is_decodable(make_media, tmp_path, name, fraction):
    _, full = _decode(str(make_media(name)))
    assert full["error"] is None and full["stopped"]
    cut = _cut(make_media, tmp_path, name, fraction)
    r, part = _decode(str(cut))
    # Decoding stops cleanly, or with a clear error at the torn end (after
    # which the chunks decoded so far are still there to pop).
    if part["error"]:
        assert part["error"]["ffstream"] and part["error"]["message"], part["error"]
        assert "drain_error" not in part["error"]
    else:
        assert part["stopped"]
    assert len(part["data"]) == len(full["data"])
    for k, (p, f) in enumerate(zip(part["data"], full["data"])):
        assert p is not None, f"output {k}: no frames from the first {fraction:.0%}"
        n = p.shape[0]
        info = r.get_out_stream_info(k)
        kind = "audio" if p.dtype == torch.float32 else "video"
        # As many frames as the ffmpeg command gets from the cut file; for
        # audio the very same values.
        ref = _ffmpeg_decode(cut, info.source_index, kind, p.shape[-1])
        if kind == "audio":
            assert n == ref.shape[0], (k, n, ref.shape)
            assert np.array_equal(p.numpy(), ref), (
                f"output {k}: values differ from ffmpeg's"
            )
        else:
            assert n == ref, (k, n, ref)
        assert n <= f.shape[0]
        # And the start of the whole file's decode. The last frame of a lossy
        # stream may be torn, and mp3's bit reservoir makes its last frame
        # depend on the next one.
        keep = {"vp9.webm": n - 1, "mp3.mp3": n - 2 * 1152}.get(name, n)
        assert keep > 0
        assert torch.equal(p[:keep], f[:keep]), (
            f"output {k}: differs from the whole decode"
        )
    # The reader is still usable: from the start again, the same frames.
    r.seek(0.0)
    again = corpus_runner.decode_all(r, keep=True)
    for p, a in zip(part["data"], again["data"]):
        assert torch.equal(p, a)
    r.close()


def test_cut_wav_gives_every_whole_sample_exactly(make_media, tmp_path):
    path = make_media("sine.wav")
    data = path.read_bytes()
    start = data.index(b"data") + 8
    reference = np.frombuffer(data[start:], "<i2").astype(np.float32) / 32768
    for cut in (
        start,
        start + 1,
        start + 2,
        start + 1001,
        len(data) // 2,
        len(data) - 1,
    ):
        p = tmp_path / f"cut{cut}.wav"
        p.write_bytes(data[:cut])
        r = StreamReader(str(p))
        r.add_basic_audio_stream(-1, -1)
        try:
            r.process_all_packets()
        except ffstream.FFStreamError as e:
            # A torn last sample may be refused, clearly; the rest is there.
            assert "Invalid data" in str(e) and str(p) in str(e)
        (chunk,) = r.pop_chunks()
        n = (cut - start) // 2
        if n == 0:
            assert chunk is None or chunk.shape[0] == 0
            continue
        assert chunk.shape == (n, 1), cut
        assert np.array_equal(chunk.numpy()[:, 0], reference[:n]), cut


def test_cut_mp4_with_index_first_decodes_the_prefix(make_media, tmp_path):
    # ffmpeg's mp4 puts the index at the end, so a cut mp4 cannot open (see
    # test_errors); with the index first (faststart) the prefix decodes.
    src = make_media("av.mp4")
    fast = tmp_path / "fast.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(src),
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            str(fast),
        ],
        check=True,
    )
    _, full = _decode(str(fast))
    data = fast.read_bytes()
    cut = tmp_path / "fast-cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    r, part = _decode(str(cut))
    if part["error"]:
        assert part["error"]["ffstream"] and part["error"]["message"]
    assert part["data"][0] is not None and part["data"][0].shape[0] > 5
    n = part["data"][0].shape[0]
    # h264 frames are complete packets: every decoded one equals the whole file's.
    assert torch.equal(part["data"][0][: n - 1], full["data"][0][: n - 1])
    r.close()


def test_one_byte_reads_decode_like_the_path(make_media):
    # Also in the corpus for every source; here with values compared directly.
    path = make_media("flac.flac")
    _, full = _decode(str(path))
    _, part = _decode(file_doubles.OneByteFile(path.read_bytes()))
    assert part["error"] is None and part["stopped"]
    assert torch.equal(part["data"][0], full["data"][0])
    assert np.array_equal(full["data"][0].numpy(), media.ffmpeg_decode_audio(path))


@pytest.mark.parametrize(
    "exc", [KeyboardInterrupt, SystemExit, MemoryError, RecursionError]
)
def test_base_exceptions_from_read_reach_the_caller(make_media, exc):
    # Ctrl-C inside a file object's read() (or any BaseException) is the
    # caller's, unchanged; the reader goes on once the object recovers.
    data = make_media("two_audio.mkv").read_bytes()
    f = file_doubles.RaiseAtFile(data, len(data) // 2, "CorpusReadError")
    f._exc = exc
    r = StreamReader(f, buffer_size=1024)
    r.add_basic_audio_stream(1024, -1)
    with pytest.raises(exc, match="corpus failure"):
        r.process_all_packets()
    f._at = 2**62  # recovered
    r.seek(0.0)
    r.process_all_packets()
    total = 0
    while (c := r.pop_chunks()[0]) is not None:
        total += c.shape[0]
    assert total == 32000
    r.close()


def test_reader_after_a_decode_error_stays_usable_then_closes(make_media, tmp_path):
    # flac cut at half fails to decode its torn last frame.
    path = _cut(make_media, tmp_path, "flac.flac", 0.5)
    r = StreamReader(str(path))
    r.add_basic_audio_stream(1024)
    got = 0
    with pytest.raises(ffstream.InvalidDataError) as e:
        for (chunk,) in r.stream():
            got += chunk.shape[0]
    assert str(path) in str(e.value) and "stream 0" in str(e.value)
    # The chunks decoded before the error can still be popped.
    while (chunk := r.pop_chunks()[0]) is not None:
        got += chunk.shape[0]
    assert got > 0
    # Still usable: info, seek, decode again to the same error.
    assert r.get_src_stream_info(0).media_type == "audio"
    r.seek(0.0)
    again = 0
    with pytest.raises(ffstream.InvalidDataError):
        for (chunk,) in r.stream():
            again += chunk.shape[0]
    while (chunk := r.pop_chunks()[0]) is not None:
        again += chunk.shape[0]
    assert again == got
    r.close()
    for call in (
        r.pop_chunks,
        r.process_packet,
        lambda: r.seek(0.0),
        lambda: r.get_src_stream_info(0),
    ):
        with pytest.raises(ffstream.ReaderClosedError):
            call()


# ---- explicit reproductions of the corpus' findings ----


def test_absurd_picture_size_is_explained(tmp_path):
    # FFmpeg refuses the header with AVERROR(EBUSY) after logging "Picture
    # size 100000x100000 is invalid"; "Device or resource busy" alone tells a
    # user nothing. The error must say that the declared size is the problem.
    path = tmp_path / "huge.y4m"
    path.write_bytes(damage.Y4M_CASES["w100000-h100000"])
    with pytest.raises(ffstream.FFStreamError) as e:
        StreamReader(str(path))
    message = str(e.value)
    assert str(path) in message
    reason = message.replace(str(path), "")
    assert "100000" in reason or "size" in reason.lower(), message


@pytest.mark.parametrize(
    "case, kind",
    # (Without its .flac name, nothing opens an empty input.)
    [("empty.flac", "path")]
    + [
        (c, k)
        for c in ("stsz-huge.mp4", "rate-0.flac", "cut-1024.webm")
        for k in ("path", "bytes")
    ],
)
def test_stream_without_codec_parameters_is_explained(make_media, tmp_path, case, kind):
    # These open (FFmpeg finds a stream but not its sample format / pixel
    # format); adding an output with valid arguments must then fail with a
    # message about the stream and its source, not one blaming the filter
    # the user asked for. Found: first "avfilter_graph_create_filter(buffer)
    # failed for filter 'aformat=sample_fmts=fltp': Invalid argument"; then,
    # for bytes and file objects, "cannot decode stream 0 of '': ..." (the
    # source named by an empty string).
    media_files = {name: make_media(name) for name in corpus.SOURCES}
    patched = damage.patched_containers(media_files)
    data = {
        "empty.flac": b"",
        "stsz-huge.mp4": patched["h264.mp4-stsz-huge"],
        "rate-0.flac": patched["flac.flac-streaminfo-rate-0"],
        "cut-1024.webm": media_files["vp9.webm"].read_bytes()[:1024],
    }[case]
    path = tmp_path / case
    path.write_bytes(data)
    r = StreamReader(str(path) if kind == "path" else data)
    add = (
        r.add_basic_audio_stream if case.endswith(".flac") else r.add_basic_video_stream
    )
    with pytest.raises(ffstream.FFStreamError) as e:
        add(4, stream_index=0)
    message = str(e.value)
    source = f"'{path}'" if kind == "path" else "<custom reader>"
    assert f"stream 0 of {source}" in message, message
    assert r.num_out_streams == 0
    r.close()


@pytest.mark.parametrize("how", ["none", "str"])
def test_seek_returning_junk_is_a_clear_error(make_media, how):
    # io's seek() returns the new position; a file object whose seek()
    # returns None (common in hand-written wrappers) or a str must get an
    # error that says so, not pybind11's "Unable to cast ... to C++ type '?'".
    f = file_doubles.BadSeekFile(make_media("sine.wav").read_bytes(), how)
    with pytest.raises((TypeError, ValueError)) as e:
        StreamReader(f)
    assert "seek" in str(e.value), str(e.value)
