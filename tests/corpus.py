"""The bad-input corpus: broken media files and misbehaving file objects.

Everything is derived deterministically (fixed seeds) from the cached test
media (media.RECIPES), so a failure names an input that the next run makes
again byte for byte from the same media:

- every source file cut at many points, with bytes flipped in its header
  (first KiB) and in its payload, and with a burst of random bytes;
- a zero-length file;
- hand-made WAV and YUV4MPEG2 headers declaring absurd sample rates, channel
  counts, sample sizes and picture sizes, and mp4/flac files whose declared
  dimensions or sample rates were patched;
- correct media under a wrong extension;
- file objects over the good files that return garbage, return too many
  bytes, raise at seeded points, return one byte per read, return None (no
  data yet), or whose seek() misbehaves.

``build(media, out_dir)`` writes the files and returns the list of
:class:`Item`; ``open_source(item)`` gives what to pass to StreamReader.
The items are plain data (``Item.to_dict`` / ``Item.from_dict``) so that a
worker process can run them (corpus_runner.py, driven by test_corpus.py).
How bytes are damaged is in damage.py; the misbehaving file objects are in
file_doubles.py.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Dict, List, Optional

from damage import (
    HEADER_SIZE,
    WAV_CASES,
    Y4M_CASES,
    burst,
    cut_points,
    flip_bytes,
    patched_containers,
    wav_bytes,
)
from file_doubles import FILE_OBJECTS

# The media every damage is applied to.
SOURCES = [
    "h264.mp4",
    "vp9.webm",
    "av.mp4",
    "aac.m4a",
    "mp3.mp3",
    "flac.flac",
    "sine.wav",
    "two_audio.mkv",
]

# Items are reported by group: the source they damage, or the kind of input.
GROUPS = SOURCES + ["wav", "y4m", "patched", "ext", "empty"]

FLIP_SEEDS = range(4)


@dataclasses.dataclass(frozen=True)
class Item:
    """One corpus input.

    id: unique and readable, e.g. ``"flac.flac/cut-50pct[bytes]"``; the same
        for every run, whatever the sizes of the media.
    base: the media it was derived from (or ``"wav"`` / ``"y4m"``).
    category: cut, flip-header, flip-payload, burst, empty, absurd, ext,
        fileobj, or original (the undamaged file, the control).
    path: the file holding the bytes (for file objects, the bytes they serve).
    via: how the source is given: ``"path"``, ``"bytes"`` or a file-object kind
        (a class name in FILE_OBJECTS).
    params: arguments of the file-object class.
    expect: ``"decodes"`` when the input is good media that must decode
        completely, ``"error"`` when it must fail, ``None`` when either is fine.
    raises: for file objects that raise: the name of the exception class the
        caller must receive.
    """

    id: str
    base: str
    category: str
    path: str
    via: str = "path"
    params: Dict = dataclasses.field(default_factory=dict)
    expect: Optional[str] = None
    raises: Optional[str] = None

    @property
    def group(self) -> str:
        """The media name for damaged media, else wav, y4m, patched, ext or empty."""
        return self.id.split("/", 1)[0]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Item:
        return cls(**d)


def open_source(item: Item):
    """What to pass to StreamReader for `item`."""
    if item.via == "path":
        return item.path
    data = Path(item.path).read_bytes()
    if item.via == "bytes":
        return data
    return FILE_OBJECTS[item.via](data, **item.params)


# ---- the corpus ----


def build(media: Dict[str, Path], out_dir: Path) -> List[Item]:
    """Writes the corpus files into `out_dir` and returns every item."""
    out_dir.mkdir(parents=True, exist_ok=True)
    items: List[Item] = []

    def write(name: str, data: bytes) -> str:
        path = out_dir / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        return str(path)

    def add(id_, base, category, data, name=None, via=("path",), expect=None):
        path = write(name or id_.replace("/", "__"), data)
        for v in via:
            suffix = "" if v == "path" else f"[{v}]"
            items.append(Item(f"{id_}{suffix}", base, category, path, v, expect=expect))

    for src in SOURCES:
        data = media[src].read_bytes()
        ext = src.rsplit(".", 1)[1]
        n = len(data)
        for label, at in cut_points(n).items():
            via = (
                ("path", "bytes") if label in ("50pct", "len-1", "1024") else ("path",)
            )
            add(
                f"{src}/cut-{label}",
                src,
                "cut",
                data[:at],
                name=f"{src}__cut-{label}.{ext}",
                via=via,
            )
        for seed in FLIP_SEEDS:
            count = 1 + seed * 3  # 1, 4, 7, 10 bytes
            add(
                f"{src}/flip-header-s{seed}",
                src,
                "flip-header",
                flip_bytes(data, 0, min(HEADER_SIZE, n), count, f"{src}-header-{seed}"),
                name=f"{src}__flip-header-s{seed}.{ext}",
                via=("path", "bytes") if seed == 0 else ("path",),
            )
            add(
                f"{src}/flip-payload-s{seed}",
                src,
                "flip-payload",
                flip_bytes(
                    data,
                    min(HEADER_SIZE, n // 2),
                    n,
                    count * 2,
                    f"{src}-payload-{seed}",
                ),
                name=f"{src}__flip-payload-s{seed}.{ext}",
                via=("path", "bytes") if seed == 0 else ("path",),
            )
        add(
            f"{src}/burst",
            src,
            "burst",
            burst(data, f"{src}-burst"),
            name=f"{src}__burst.{ext}",
        )

        # File objects over the good file.
        path = str(media[src])
        items.append(Item(f"{src}/original", src, "original", path, expect="decodes"))

        def fobj(kind, label, raises=None, expect=None, src=src, path=path, **params):
            item = Item(f"{src}/{kind}-{label}", src, "fileobj", path, kind, params,
                        expect=expect, raises=raises)  # fmt: skip
            items.append(item)

        rng = random.Random(f"{src}-fileobj")
        fobj("GarbageFile", "all", start=0, seed=f"{src}-garbage-all")
        fobj("GarbageFile", "after-half", start=n // 2, seed=f"{src}-garbage-half")
        fobj("TooManyAtFile", "half", at=n // 2)
        for i, exc in enumerate(["CorpusReadError", "OSError", "ValueError"]):
            fobj(
                "RaiseAtFile",
                f"read-{exc}-s{i}",
                raises=exc,
                at=rng.randrange(0, n),
                exc=exc,
            )
        fobj(
            "RaiseAtFile",
            "seek-CorpusReadError-s3",
            raises="CorpusReadError",
            at=rng.randrange(0, n),
            exc="CorpusReadError",
            in_seek=True,
        )
        fobj("OneByteFile", "all", expect="decodes")
        fobj("NoDataAtFile", "third", at=n // 3)
        fobj("StrAtFile", "third", at=n // 3)
        for how in ("none", "str", "zero", "negative"):
            fobj("BadSeekFile", how, how=how)

    add(
        "empty/zero-length.mp4",
        "empty",
        "empty",
        b"",
        name="empty.mp4",
        via=("path", "bytes"),
        expect="error",
    )
    add("empty/zero-length", "empty", "empty", b"", name="empty", expect="error")

    for label, params in WAV_CASES.items():
        add(
            f"wav/{label}",
            "wav",
            "absurd",
            wav_bytes(**params),
            name=f"wav__{label}.wav",
            via=("path", "bytes"),
            expect="decodes" if label == "ok" else None,
        )
    for label, data in Y4M_CASES.items():
        add(
            f"y4m/{label}",
            "y4m",
            "absurd",
            data,
            name=f"y4m__{label}.y4m",
            via=("path", "bytes"),
            expect="decodes" if label.startswith("ok") else None,
        )
    for label, data in patched_containers(media).items():
        base = label.split("-", 1)[0]
        add(f"patched/{label}", base, "absurd", data, name=f"patched__{label}")

    # Good media under a wrong extension: probing looks at the content.
    for src, wrong in [
        ("mp3.mp3", "mp4"),
        ("sine.wav", "mkv"),
        ("flac.flac", "wav"),
        ("h264.mp4", "mp3"),
        ("vp9.webm", "avi"),
        ("aac.m4a", "flac"),
        ("two_audio.mkv", "mp4"),
        ("av.mp4", "webm"),
    ]:
        add(
            f"ext/{src}-as-.{wrong}",
            src,
            "ext",
            media[src].read_bytes(),
            name=f"ext__{src.replace('.', '_')}.{wrong}",
            expect="decodes",
        )

    ids = [i.id for i in items]
    assert len(ids) == len(set(ids)), "corpus ids must be unique"
    return items
