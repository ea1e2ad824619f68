"""Shared fixtures: the media cache, made once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import media
import pytest

# Media persists between runs in build/test-media (ignored by git), so a
# second run of the suite does not encode again; delete it to rebuild.
_CACHE = Path(os.environ.get("FFSTREAM_TEST_MEDIA", Path(__file__).parent.parent / "build" / "test-media"))


@pytest.fixture(scope="session")
def media_dir() -> Path:
    _CACHE.mkdir(parents=True, exist_ok=True)
    return _CACHE


@pytest.fixture(params=["path", "bytes", "file object"])
def as_input(request):
    """as_input(path) -> the same media as the input kind under test (a path
    string, the file's bytes, or an open binary file), so that a value test
    runs over every kind of input and must give the same values."""
    opened = []

    def convert(path: Path):
        if request.param == "path":
            return str(path)
        if request.param == "bytes":
            return path.read_bytes()
        f = open(path, "rb")
        opened.append(f)
        return f

    yield convert
    for f in opened:
        f.close()


@pytest.fixture(scope="session")
def make_media(media_dir):
    """make_media("h264.mp4") -> Path of that file from media.RECIPES (or
    media.DERIVED)."""

    def make(name: str) -> Path:
        return media.make(name, media_dir)

    return make
