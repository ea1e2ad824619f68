"""FFmpeg's messages through Python's logging: logger "ffstream.ffmpeg", one
record per whole line, with FFmpeg's level mapped and the component named,
from any thread; none above set_log_level's level."""

from __future__ import annotations

import logging
import threading

import ffstream
import pytest
from damage import flip_bytes
from ffstream import utils

LOGGER = "ffstream.ffmpeg"
WARNING, INFO, DEBUG = 24, 32, 48  # FFmpeg's levels


@pytest.fixture
def damaged(make_media) -> bytes:
    """h264.mp4 with payload bytes flipped: FFmpeg's h264 decoder and parser
    complain about it (errors), and decoding ends in an error."""
    data = make_media("h264.mp4").read_bytes()
    return flip_bytes(data, len(data) // 3, len(data), 40, "x")


@pytest.fixture
def log_level():
    before = utils.get_log_level()
    yield utils.set_log_level
    utils.set_log_level(before)
    utils.flush_ffmpeg_log()


def _decode(src) -> None:
    r = ffstream.StreamReader(src)
    r.add_basic_video_stream(-1)
    with pytest.raises(ffstream.FFStreamError):
        r.process_all_packets()


def _records(caplog):
    utils.flush_ffmpeg_log()
    return [r for r in caplog.records if r.name == LOGGER]


def test_messages_reach_logging_with_level_and_source(caplog, damaged, log_level):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    log_level(WARNING)
    _decode(damaged)
    records = _records(caplog)
    assert records, "FFmpeg logged nothing"
    assert all(r.levelno == logging.ERROR and r.ffmpeg_level == 16 for r in records)
    assert {r.ffmpeg_source for r in records} >= {"h264"}
    texts = [r.getMessage() for r in records]
    assert "[h264] Error splitting the input into NAL units." in texts
    assert all("\n" not in t for t in texts)


def test_levels_map_and_respect_set_log_level(caplog, damaged, log_level):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    log_level(-8)  # quiet
    _decode(damaged)
    assert _records(caplog) == []
    log_level(DEBUG)
    _decode(damaged)
    records = _records(caplog)
    expected = {
        16: logging.ERROR, 24: logging.WARNING, 32: logging.INFO, 40: logging.DEBUG, 48: logging.DEBUG,
    }
    assert {r.levelno for r in records} >= {logging.ERROR, logging.DEBUG}
    assert all(r.levelno == expected[r.ffmpeg_level] for r in records)


def test_lines_from_many_threads_stay_whole(caplog, damaged, log_level):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    log_level(WARNING)
    _decode(damaged)
    alone = {r.getMessage() for r in _records(caplog)}
    caplog.clear()
    threads = [threading.Thread(target=_decode, args=(damaged,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    together = [r.getMessage() for r in _records(caplog)]
    assert len(together) >= 4 * len(alone) - 4
    assert set(together) <= alone  # no line cut or mixed with another


def test_the_exception_still_names_ffmpegs_reason(damaged, log_level):
    log_level(WARNING)
    r = ffstream.StreamReader(damaged)
    r.add_basic_video_stream(-1)
    with pytest.raises(ffstream.InvalidDataError, match="Error splitting the input into NAL units"):
        r.process_all_packets()
