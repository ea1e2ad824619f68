"""Command line: ``python -m ffstream info SRC``, ``decode`` and ``doctor``.

``info`` prints a source's container (format, duration, start time, bit
rate), metadata and streams (with their durations, start times, and for
video rotation and colour range and matrix); ``info --json`` prints the same
as JSON for scripts. ``decode`` prints them too,
then decodes the default audio and video streams into tensors with a progress
bar and reports the throughput; ``--example`` uses FFmpeg's built-in lavfi
test sources, so no file is needed. ``doctor`` reports which FFmpeg ffstream
runs on, where it was loaded from, what hardware decoding it can do, and
whether all of it works.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import sys
import time
from typing import Dict, List, Optional

from . import _doctor
from ._errors import FFStreamError
from ._info import SourceVideoStream
from ._stream_reader import StreamReader

EXAMPLE_SECONDS = 10
EXAMPLE_SOURCE = (
    f"testsrc2=size=1280x720:rate=30:duration={EXAMPLE_SECONDS}[out0];"
    f"sine=frequency=440:sample_rate=48000:duration={EXAMPLE_SECONDS}[out1]"
)


def _parse_options(pairs: List[str]) -> Optional[Dict[str, str]]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--option takes KEY=VALUE, got {pair!r}")
        options[key] = value
    return options or None


def _describe(info) -> str:
    fields = {
        k: v
        for k, v in vars(info).items()
        if k not in ("media_type", "codec", "metadata") and v is not None
    }
    return ", ".join(f"{k}={v}" for k, v in fields.items())


def source_report(reader: StreamReader, src: str) -> dict:
    """What ``info`` shows, as plain data (``info --json`` prints it)."""
    streams = []
    for i in range(reader.num_src_streams):
        info = dataclasses.asdict(reader.get_src_stream_info(i))
        info["index"] = i
        info["default"] = i in (reader.default_audio_stream, reader.default_video_stream)
        streams.append(info)
    return {
        "source": src,
        "container": dataclasses.asdict(reader.get_container_info()),
        "metadata": reader.get_metadata(),
        "streams": streams,
    }


def _seconds(value: Optional[float]) -> str:
    return "?" if value is None else f"{value:.3f} s"


def print_source(reader: StreamReader, src: str, out=sys.stdout) -> None:
    """Prints the streams and metadata of an open source as a table."""
    print(f"Source: {src}", file=out)
    c = reader.get_container_info()
    rate = "?" if c.bit_rate is None else f"{c.bit_rate / 1000:.0f} kb/s"
    print(
        f"  container: {c.format}, duration {_seconds(c.duration)}, "
        f"start {_seconds(c.start_time)}, bit rate {rate}",
        file=out,
    )
    for key, value in sorted(reader.get_metadata().items()):
        print(f"  {key}: {value}", file=out)
    print(f"{'#':>3}  {'type':<9} {'codec':<12} details", file=out)
    for i in range(reader.num_src_streams):
        info = reader.get_src_stream_info(i)
        marks = []
        if i == reader.default_audio_stream:
            marks.append("default audio")
        if i == reader.default_video_stream:
            marks.append("default video")
        mark = f"  [{', '.join(marks)}]" if marks else ""
        print(
            f"{i:>3}  {info.media_type or '?':<9} {info.codec:<12} "
            f"{_describe(info)}{mark}",
            file=out,
        )
        for key, value in sorted(info.metadata.items()):
            print(f"{'':>16}{key}: {value}", file=out)


class _Progress:
    """How much media is decoded. On a terminal: a bar redrawn in place
    (tqdm's when it is installed: ``pip install ffstream[cli]``). Anywhere
    else (a pipe, a CI log, ``| tee``): a plain line at most once a second,
    with no carriage returns or escape sequences."""

    INTERVAL_S = 1.0

    def __init__(self, total_s: Optional[float], out) -> None:
        self._total = total_s
        self._out = out
        self._start = time.perf_counter()
        self._last_line = self._start
        self._shown = 0.0
        self._bar = None
        isatty = getattr(out, "isatty", None)
        self._tty = bool(isatty and isatty())
        if self._tty:
            try:  # an optional dependency, untyped: looked up by name
                tqdm = importlib.import_module("tqdm").tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(
                    total=total_s, file=out, desc="media",
                    bar_format="{l_bar}{bar}| {n:.1f}/{total_fmt} s [{elapsed}]",
                )

    def _text(self, done_s: float) -> str:
        elapsed = time.perf_counter() - self._start
        if self._total:
            return f"{done_s:.1f} of {self._total:.1f} s of media decoded in {elapsed:.1f} s"
        return f"{done_s:.1f} s of media decoded in {elapsed:.1f} s"

    def update(self, done_s: float) -> None:
        if self._bar is not None:
            self._bar.update(max(done_s - self._shown, 0.0))
            self._shown = max(self._shown, done_s)
        elif self._tty:
            print("\r" + self._bar_text(done_s), end="", file=self._out, flush=True)
        elif time.perf_counter() - self._last_line >= self.INTERVAL_S:
            self._last_line = time.perf_counter()
            print(self._text(done_s), file=self._out, flush=True)

    def close(self, done_s: float) -> None:
        if self._bar is not None:
            self.update(done_s)
            self._bar.close()
        elif self._tty:
            print("\r" + self._bar_text(done_s), file=self._out)
        else:
            print(self._text(done_s), file=self._out)

    def _bar_text(self, done_s: float) -> str:
        width = 30
        elapsed = time.perf_counter() - self._start
        if self._total:
            frac = min(done_s / self._total, 1.0)
            bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
            return f"[{bar}] {done_s:6.1f}/{self._total:.1f} s media  {elapsed:5.1f} s"
        return f"{done_s:8.1f} s media  {elapsed:5.1f} s"


def decode(reader: StreamReader, total_s: Optional[float], out=sys.stderr) -> dict:
    """Decodes the default streams to the end; returns counts and throughput."""
    kinds = []
    if reader.default_video_stream is not None:
        reader.add_basic_video_stream(frames_per_chunk=32, buffer_chunk_size=-1)
        kinds.append("video")
    if reader.default_audio_stream is not None:
        reader.add_basic_audio_stream(frames_per_chunk=48000, buffer_chunk_size=-1)
        kinds.append("audio")
    if not kinds:
        raise FFStreamError("the source has no audio or video stream to decode")
    frames = dict.fromkeys(kinds, 0)
    nbytes = 0
    media_s = 0.0
    start = time.perf_counter()
    progress = _Progress(total_s, out) if out is not None else None
    for chunks in reader.stream():
        for kind, chunk in zip(kinds, chunks):
            if chunk is None:
                continue
            frames[kind] += chunk.shape[0]
            nbytes += chunk.numel() * chunk.element_size()
            media_s = max(media_s, chunk.pts)
        if progress is not None:
            progress.update(media_s)
    elapsed = time.perf_counter() - start
    if progress is not None:
        progress.close(total_s or media_s)
    return {"frames": frames, "bytes": nbytes, "seconds": elapsed}


def _cmd_info(args) -> int:
    with StreamReader(
        args.src, format=args.format, option=_parse_options(args.option)
    ) as r:
        if args.json:
            print(json.dumps(source_report(r, args.src), indent=2))
        else:
            print_source(r, args.src)
    return 0


def _cmd_decode(args) -> int:
    if args.example:
        src, fmt, total = EXAMPLE_SOURCE, "lavfi", float(EXAMPLE_SECONDS)
    elif args.src:
        src, fmt, total = args.src, args.format, None
    else:
        raise ValueError("decode needs SRC or --example")
    with StreamReader(src, format=fmt, option=_parse_options(args.option)) as r:
        print_source(r, src)
        if total is None:
            info = (
                r.get_src_stream_info(r.default_video_stream)
                if (r.default_video_stream is not None)
                else None
            )
            if isinstance(info, SourceVideoStream) and info.num_frames and info.frame_rate:
                total = info.num_frames / info.frame_rate
        result = decode(r, total)
    secs = result["seconds"]
    for kind, n in result["frames"].items():
        unit = "frames" if kind == "video" else "samples"
        print(f"{kind}: {n} {unit} decoded, {n / secs:,.0f} {unit}/s")
    print(
        f"total: {result['bytes'] / 1e6:,.1f} MB of tensors in {secs:.2f} s "
        f"({result['bytes'] / 1e6 / secs:,.0f} MB/s)"
    )
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ffstream", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (
        ("info", "print the streams of a source"),
        ("decode", "decode a source and report the throughput"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument(
            "src",
            nargs="?" if name == "decode" else None,
            help="path, URL, device or lavfi graph",
        )
        p.add_argument("--format", "-f", help="demuxer or input device (ffmpeg's -f)")
        p.add_argument(
            "--option",
            "-o",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="option for FFmpeg when opening",
        )
        if name == "info":
            p.add_argument("--json", action="store_true", help="print the same as JSON")
        if name == "decode":
            p.add_argument(
                "--example",
                action="store_true",
                help="decode the built-in lavfi test sources",
            )
    p = sub.add_parser("doctor", help="check this install: FFmpeg, hardware, torch")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.command == "doctor":
        return _doctor.main(json_output=args.json)
    try:
        return _cmd_info(args) if args.command == "info" else _cmd_decode(args)
    except (FFStreamError, ValueError, OSError) as e:
        print(f"ffstream: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
