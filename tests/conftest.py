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


@pytest.fixture(scope="session")
def make_media(media_dir):
    """make_media("h264.mp4") -> Path of that file from media.RECIPES."""

    def make(name: str) -> Path:
        return media.make(name, media_dir)

    return make
