"""File-object test doubles: what real-world readers do to a decoder."""

from __future__ import annotations

import io
import random
import threading
import time


class RecordingFile:
    """A seekable file over bytes that records every call it receives."""

    def __init__(self, data: bytes):
        self._f = io.BytesIO(data)
        self.calls = []

    def read(self, size=-1):
        self.calls.append(("read", size))
        return self._f.read(size)

    def seek(self, offset, whence=0):
        self.calls.append(("seek", offset, whence))
        return self._f.seek(offset, whence)


class ReadOnlyFile:
    """Has read() and nothing else: not seekable (a pipe, a socket)."""

    def __init__(self, data: bytes):
        self._f = io.BytesIO(data)

    def read(self, size=-1):
        return self._f.read(size)


class ShortReadFile:
    """Returns at most `limit` bytes per read, as sockets and pipes do."""

    def __init__(self, data: bytes, limit: int = 7):
        self._f = io.BytesIO(data)
        self._limit = limit

    def read(self, size=-1):
        return self._f.read(min(size, self._limit) if size >= 0 else self._limit)

    def seek(self, offset, whence=0):
        return self._f.seek(offset, whence)


class RaisingFile:
    """Raises `exc` from read() once `after` bytes have been served."""

    def __init__(self, data: bytes, exc: BaseException, after: int = 0, in_seek=False):
        self._f = io.BytesIO(data)
        self._exc = exc
        self._after = after
        self._in_seek = in_seek
        self.armed = True  # set False to postpone the failure

    def read(self, size=-1):
        if self.armed and not self._in_seek and self._f.tell() >= self._after:
            raise self._exc
        return self._f.read(size)

    def seek(self, offset, whence=0):
        if self.armed and self._in_seek and self._f.tell() >= self._after:
            raise self._exc
        return self._f.seek(offset, whence)


class NotBytesFile:
    """read() returns a str instead of bytes."""

    def read(self, size=-1):
        return "not bytes"


class TooManyBytesFile:
    """read(n) returns more than n bytes."""

    def read(self, size=-1):
        return b"\0" * (size + 10)


# ---- sources whose data comes late or not at all ----


class LaterFile:
    """A forward-only object that has no data (read() returns None) while
    `armed`; disarm() lets the data flow."""

    def __init__(self, data):
        self._f = io.BytesIO(data)
        self.armed = False

    def read(self, n=-1):
        return None if self.armed else self._f.read(n)

    def disarm_after(self, seconds):
        t = threading.Timer(seconds, lambda: setattr(self, "armed", False))
        t.start()
        return t


class StallingFile:
    """A non-seekable stream that has no data (read() -> None) for the first
    `stalls` reads after `after` bytes, like a live source between packets."""

    def __init__(self, data: bytes, after: int, stalls: int):
        self._f = io.BytesIO(data)
        self._after = after
        self.stalls = stalls
        self.none_returned = 0

    def read(self, size=-1):
        if self._f.tell() >= self._after and self.stalls != 0:
            self.stalls -= 1
            self.none_returned += 1
            return None
        return self._f.read(size)


class LateFile:
    """Has no data (read() -> None) for `delay` seconds after it is made, then
    serves `data`, like a microphone that starts late."""

    def __init__(self, data: bytes, delay: float):
        self._f = io.BytesIO(data)
        self._ready = time.monotonic() + delay

    def read(self, size=-1):
        if time.monotonic() < self._ready:
            return None
        return self._f.read(size)


class BlockingFile:
    """Blocks in read() once `armed`, until `release` is set."""

    def __init__(self, data):
        self._f = io.BytesIO(data)
        self.armed = False
        self.entered = threading.Event()
        self.release = threading.Event()

    def read(self, size=-1):
        if self.armed:
            self.entered.set()
            self.release.wait(10)
        return self._f.read(size)

    def seek(self, offset, whence=0):
        return self._f.seek(offset, whence)


# ---- the bad-input corpus's file objects (corpus.py, test_soak.py) ----


class CorpusReadError(Exception):
    """What the raising file objects raise; the caller must receive it."""


class _OverBytes:
    """Seekable, over `data`; subclasses decide what read() does."""

    def __init__(self, data: bytes):
        self._f = io.BytesIO(data)
        self._n = len(data)

    def seek(self, offset, whence=0):
        return self._f.seek(offset, whence)

    def tell(self):
        return self._f.tell()


class GarbageFile(_OverBytes):
    """Serves the real bytes before `start`, then random bytes of the requested
    size (up to the real length, then b""), different on every read."""

    def __init__(self, data: bytes, start: int, seed: str):
        super().__init__(data)
        self._start = start
        self._rng = random.Random(seed)

    def read(self, size=-1):
        pos = self._f.tell()
        if size < 0:
            size = self._n - pos
        if pos + size <= self._start:
            return self._f.read(size)
        n = max(0, min(size, self._n - pos))
        real = self._f.read(max(0, self._start - pos))
        self._f.seek(pos + n)
        return real + self._rng.randbytes(n - len(real))


class TooManyAtFile(_OverBytes):
    """Reads normally until byte `at`, then returns more than asked for."""

    def __init__(self, data: bytes, at: int):
        super().__init__(data)
        self._at = at

    def read(self, size=-1):
        if self._f.tell() + max(size, 0) >= self._at:
            return self._f.read(size) + b"\0" * (max(size, 0) + 1)
        return self._f.read(size)


class RaiseAtFile(_OverBytes):
    """Raises `exc` (a CorpusReadError, OSError or ValueError) from read(), or
    from seek() when `in_seek`, once the position reaches `at`."""

    EXCEPTIONS = {
        "CorpusReadError": CorpusReadError,
        "OSError": OSError,
        "ValueError": ValueError,
    }

    def __init__(self, data: bytes, at: int, exc: str, in_seek: bool = False):
        super().__init__(data)
        self._at = at
        self._exc = self.EXCEPTIONS[exc]
        self._in_seek = in_seek

    def _boom(self):
        return self._exc(f"corpus failure at byte {self._at}")

    def read(self, size=-1):
        if not self._in_seek and self._f.tell() + max(size, 0) >= self._at:
            raise self._boom()
        return self._f.read(size)

    def seek(self, offset, whence=0):
        if self._in_seek and self._f.tell() >= self._at:
            raise self._boom()
        return self._f.seek(offset, whence)


class OneByteFile(_OverBytes):
    """Returns at most one byte per read()."""

    def read(self, size=-1):
        return self._f.read(1 if size != 0 else 0)


class NoDataAtFile(_OverBytes):
    """Returns None ("no data yet", as non-blocking objects do) from byte `at` on."""

    def __init__(self, data: bytes, at: int):
        super().__init__(data)
        self._at = at

    def read(self, size=-1):
        if self._f.tell() >= self._at:
            return None
        return self._f.read(min(size, self._at - self._f.tell()) if size >= 0 else size)


class BadSeekFile(_OverBytes):
    """seek() misbehaves: returns None, a str, always 0, or a negative number."""

    def __init__(self, data: bytes, how: str):
        super().__init__(data)
        self._how = how

    def read(self, size=-1):
        return self._f.read(size)

    def seek(self, offset, whence=0):
        pos = self._f.seek(offset, whence)
        return {"none": None, "str": "0", "zero": 0, "negative": -1}.get(self._how, pos)


class StrAtFile(_OverBytes):
    """read() returns a str instead of bytes from byte `at` on."""

    def __init__(self, data: bytes, at: int):
        super().__init__(data)
        self._at = at

    def read(self, size=-1):
        if self._f.tell() + max(size, 0) >= self._at:
            return "not bytes"
        return self._f.read(size)


FILE_OBJECTS = {
    cls.__name__: cls
    for cls in (
        GarbageFile,
        TooManyAtFile,
        RaiseAtFile,
        OneByteFile,
        NoDataAtFile,
        BadSeekFile,
        StrAtFile,
    )
}
