"""StreamReader: torchaudio's StreamReader API on ffstream's C++ core."""

from __future__ import annotations

import logging
import math
import os
from numbers import Integral, Real
from typing import BinaryIO, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch

from . import _basic, _gpu_frames
from ._chunk import ChunkTensor, chunk_from
from ._errors import FFStreamError, InvalidArgumentError
from ._extension import ext
from ._info import (
    ContainerInfo,
    FrameIndex,
    OutputStream,
    ReaderStats,
    SeekCounters,
    SourceStream,
    container_info_from,
    frame_index_from,
    output_stream_from,
    reader_stats_from,
    seek_counters_from,
    source_stream_from,
)

_SEEK_MODES = {"key": ext.SeekMode.key, "any": ext.SeekMode.any, "precise": ext.SeekMode.precise}

_log = logging.getLogger("ffstream")

Source = Union[str, os.PathLike, bytes, bytearray, memoryview, BinaryIO]


class StreamReader:
    """Decodes the audio and video streams of a media source, chunk by chunk.

    Args:
        src: What to read. A path, URL, device name or lavfi graph (``str`` or
            ``os.PathLike``); a bytes-like object holding a whole media file
            (``bytes``, ``bytearray``, ``memoryview``, uint8 numpy array; read in
            place); or a file-like object with ``read(size) -> bytes`` and, if
            it can, ``seek(offset, whence) -> int``.
        format: Demuxer or input device to use instead of probing, as ffmpeg's
            ``-f`` (e.g. ``"lavfi"``, ``"wav"``, ``"alsa"``).
        option: Options FFmpeg applies when opening the source (protocol,
            demuxer or device options). An option FFmpeg does not use raises,
            but for ``tls_verify`` and ``ca_file``: https and other TLS
            connections check the server's certificate by default, against
            ``SSL_CERT_FILE`` or the system's CA bundle; ``ca_file`` names
            another CA file, ``tls_verify="0"`` turns the check off.
            WAV files of 16-bit PCM are probed for other codecs stored as
            PCM over their first 16 KiB, not FFmpeg's 128 KiB (much faster to
            open, and it still finds AC-3, DTS and MP3); an explicit
            ``{"probesize": ...}`` is used as given.
        buffer_size: Bytes of the read buffer for file-like objects.
        safe: For untrusted media. Only what ``src`` names is read: a local
            file or pipe (no network, no devices), or the given bytes or file
            object; demuxers may not open anything the media refers to (HLS
            and DASH playlists, concat lists, references inside mov/mp4,
            image sequences). Media that needs such a reference fails to
            open, and the error names what was refused. Keyword-only; not
            part of torchaudio's API.
        timeout: Seconds that opening, and then each packet read or seek,
            may wait for data, for every protocol and device (through
            FFmpeg's interrupt callback) and for a file object whose
            ``read()`` returns ``None`` ("no data yet"). Past it the call
            raises :class:`~ffstream.DecodeTimeoutError` (a
            ``TimeoutError``) naming the source and what it waited for.
            ``None`` (the default) waits as FFmpeg's protocol options say.
            Keyword-only; not part of torchaudio's API.
        reconnect: For network URLs (HTTP, TCP, UDP, RTMP, RTSP, ...): when
            the source fails, stalls past ``timeout`` or ends, reopen it up
            to this many times, waiting 0.5 s and then twice as long each
            time, up to 8 s. Decoding goes on with the same outputs;
            timestamps that restart are shifted so that pts never go back
            (the first frame after the reconnect comes one frame period
            after the last one); :meth:`stats` counts the reconnects and
            the frames lost in the gaps. When every attempt fails, the
            last error is raised (for a source that ended, the stream just
            ends). Files, bytes and file objects never reconnect.
            Keyword-only; not part of torchaudio's API.

    Outputs are added with :meth:`add_basic_audio_stream`,
    :meth:`add_basic_video_stream`, :meth:`add_audio_stream` and
    :meth:`add_video_stream`; decoded chunks are fetched with :meth:`stream`, or
    :meth:`fill_buffer` / :meth:`process_packet` and :meth:`pop_chunks`.

    A reader is a context manager; :meth:`close` frees FFmpeg's resources at
    once. One reader is meant for one thread at a time.
    """

    def __init__(
        self,
        src: Source,
        format: Optional[str] = None,
        option: Optional[Dict[str, str]] = None,
        buffer_size: int = 4096,
        *,
        safe: bool = False,
        timeout: Optional[float] = None,
        reconnect: int = 0,
    ):
        if isinstance(buffer_size, bool) or not isinstance(buffer_size, int):
            raise InvalidArgumentError(f"buffer_size must be an int, got {buffer_size!r}")
        if buffer_size <= 0:
            raise InvalidArgumentError(f"buffer_size must be positive, got {buffer_size}")
        _basic.check_positive("timeout", timeout, integer=False)
        if isinstance(reconnect, bool) or not isinstance(reconnect, int) or reconnect < 0:
            raise InvalidArgumentError(f"reconnect must be an int >= 0, got {reconnect!r}")
        options = ext.OpenOptions()
        options.format = format
        if option is not None:
            options.option = option
        options.buffer_size = buffer_size
        options.safe = bool(safe)
        options.timeout = None if timeout is None else float(timeout)
        options.reconnect = min(reconnect, 2**31 - 1)
        self._be = ext.StreamReader(src, options)
        self._default_audio_stream = self._be.default_audio_stream()
        self._default_video_stream = self._be.default_video_stream()
        # Per output: what turns a hw_accel output's GPU planes into its
        # chunks (see _gpu_frames); None for CPU outputs.
        self._gpu_converters: List[Optional[Callable[[torch.Tensor], torch.Tensor]]] = []

    # ---- lifetime ----

    def close(self) -> None:
        """Frees the decoder's resources now. Later calls raise
        :class:`~ffstream.ReaderClosedError`. From another thread, a call in
        progress (waiting for data, or for a reconnect) is interrupted
        first, so this returns promptly."""
        self._be.close()

    def interrupt(self) -> None:
        """Stops the blocking call that another thread is making on this reader
        (e.g. waiting on a network source), which then raises
        :class:`~ffstream.ReaderInterruptedError`. Safe to call from any thread;
        if no call is blocking, the next one that blocks stops at once."""
        self._be.interrupt()

    def __enter__(self) -> StreamReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- source ----

    @property
    def num_src_streams(self) -> int:
        """Number of streams in the source."""
        return self._be.num_src_streams()

    @property
    def num_out_streams(self) -> int:
        """Number of output streams added so far."""
        return self._be.num_out_streams()

    @property
    def default_audio_stream(self) -> Optional[int]:
        """Index of the source's best audio stream; ``None`` if it has none."""
        return self._default_audio_stream

    @property
    def default_video_stream(self) -> Optional[int]:
        """Index of the source's best video stream; ``None`` if it has none."""
        return self._default_video_stream

    def get_metadata(self) -> Dict[str, str]:
        """Metadata tags of the source (container level)."""
        return self._be.get_metadata()

    def get_container_info(self) -> ContainerInfo:
        """The container's format, start time, duration and bit rate. Not part
        of torchaudio's API."""
        return container_info_from(self._be.container_info())

    def get_src_stream_info(self, i: int) -> SourceStream:
        """Describes source stream ``i``: a :class:`SourceAudioStream`,
        :class:`SourceVideoStream`, or :class:`SourceStream` for other media."""
        return source_stream_from(self._be.get_src_stream_info(i))

    def get_out_stream_info(self, i: int) -> OutputStream:
        """Describes output stream ``i``: an :class:`OutputAudioStream` or
        :class:`OutputVideoStream`."""
        return output_stream_from(self._be.get_out_stream_info(i))

    # ---- outputs ----

    def add_basic_audio_stream(
        self,
        frames_per_chunk: Optional[int] = None,
        buffer_chunk_size: int = 3,
        *,
        seconds_per_chunk: Optional[float] = None,
        stream_index: Optional[int] = None,
        decoder: Optional[str] = None,
        decoder_option: Optional[Dict[str, str]] = None,
        format: Optional[str] = "fltp",
        sample_rate: Optional[int] = None,
        num_channels: Optional[int] = None,
    ) -> None:
        """Adds an audio output with optional resampling and conversion.

        Args:
            frames_per_chunk: Samples per chunk; ``-1`` returns everything
                buffered as one chunk.
            buffer_chunk_size: Chunks kept, the incomplete newest one among
                them, before the oldest whole chunk is dropped; ``-1`` never
                drops.
            seconds_per_chunk: Instead of ``frames_per_chunk`` (give one of
                them): chunks by time, chunk ``k`` holding the samples
                presented in ``[k * T, (k + 1) * T)`` seconds, cut at the
                exact sample, on the timeline shared by all the source's
                streams (see :meth:`pop_chunks`). Not part of torchaudio's
                API.
            stream_index: Source stream; the default audio stream if ``None``.
            decoder: Decoder name to use instead of FFmpeg's default.
            decoder_option: Decoder options; ``"threads"`` and
                ``"thread_type"`` too. One thread unless ``"threads"`` is given.
            format: Sample format of the chunks, which sets their dtype:
                ``"u8"``/``"u8p"`` uint8, ``"s16"``/``"s16p"`` int16,
                ``"s32"``/``"s32p"`` int32, ``"s64"``/``"s64p"`` int64,
                ``"flt"``/``"fltp"`` float32, ``"dbl"``/``"dblp"`` float64.
                ``None`` keeps the source's precision. Chunks are always
                shaped ``(frames, channels)``.
            sample_rate: Resample to this rate.
            num_channels: Remix to this many channels.
        """
        _basic.check_positive("sample_rate", sample_rate, integer=True)
        _basic.check_positive("num_channels", num_channels, integer=True)
        o = _output_options(
            ext.MediaType.audio, self._source_index("audio", stream_index),
            _basic.chunking(frames_per_chunk, seconds_per_chunk), buffer_chunk_size,
            decoder, decoder_option,
        )
        o.format = format
        o.sample_rate = sample_rate
        o.num_channels = num_channels
        self._be.add_stream(o)
        self._note_outputs()

    def add_basic_video_stream(
        self,
        frames_per_chunk: Optional[int] = None,
        buffer_chunk_size: int = 3,
        *,
        seconds_per_chunk: Optional[float] = None,
        stream_index: Optional[int] = None,
        decoder: Optional[str] = None,
        decoder_option: Optional[Dict[str, str]] = None,
        format: Optional[str] = "rgb24",
        frame_rate: Optional[int] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        hw_accel: Optional[str] = None,
        yuv_layout: str = "full",
        rotate: bool = False,
    ) -> None:
        """Adds a video output with optional rate, size and format changes.

        Args:
            frames_per_chunk: Frames per chunk; ``-1`` returns everything
                buffered as one chunk.
            buffer_chunk_size: Chunks kept, the incomplete newest one among
                them, before the oldest whole chunk is dropped; ``-1`` never
                drops.
            seconds_per_chunk: Instead of ``frames_per_chunk``: chunk ``k``
                holds the frames whose pts is in ``[k * T, (k + 1) * T)``
                seconds (with a variable frame rate their number varies).
                Not part of torchaudio's API.
            stream_index: Source stream; the default video stream if ``None``.
            decoder: Decoder name to use instead of FFmpeg's default.
            decoder_option: Decoder options (see :meth:`add_basic_audio_stream`).
            format: Pixel format of the chunks. ``"rgb24"``, ``"bgr24"``,
                ``"yuv444p"``, ``"yuv420p"``, ``"nv12"`` give uint8
                ``(N, 3, H, W)`` (chroma brought to full size);
                ``"rgba"``/``"argb"``/``"bgra"``/``"abgr"`` ``(N, 4, H, W)``;
                ``"gray"`` ``(N, 1, H, W)``; ``"rgb48le"`` and
                ``"yuv420p10le"`` int16, ``(N, 3, H, W)``: rgb48le holds
                each 16-bit value minus 32768, as torchaudio did (add 32768
                in int32 for the unsigned value), yuv420p10le 0..1023. Packed formats come
                in channels_last memory (a view of the packed pixels).
            frame_rate: Change the frame rate (frames are dropped/duplicated).
            width: Scale to this width.
            height: Scale to this height.
            hw_accel: ``"cuda"`` or ``"cuda:N"``: decode on that NVIDIA GPU
                (NVDEC: FFmpeg's own decoder, or a ``*_cuvid`` one given as
                ``decoder``) and keep the frames there: chunks are CUDA
                tensors on the device, shared with no host copy. As
                torchaudio, ``format=None`` gives YUV ``(N, 3, H, W)``
                (chroma repeated), uint8, or int16 holding ``value - 32768``
                for 10- and 12-bit sources; ``"rgb24"``/``"bgr24"`` convert
                on the GPU with the stream's colour matrix and range
                (not in torchaudio); ``"nv12"`` keeps the planes as decoded,
                ``(N, H * 3 // 2, W)``. ``frame_rate``, ``width`` and
                ``height`` are CPU filters: give a ``*_cuvid`` decoder
                ``decoder_option={"resize": "WxH"}`` (or ``"crop"``)
                instead. Errors name why a GPU cannot be used (no driver, no
                device, a decoder or codec NVDEC lacks).
            yuv_layout: With ``format="yuv420p"``: ``"full"`` (torchaudio's)
                brings chroma to full size, ``(N, 3, H, W)``; ``"i420"``
                keeps the planes as decoded, one ``(N, H * 3 // 2, W)`` uint8
                tensor holding Y, then U, then V of each frame (the I420
                layout OpenCV and NVIDIA tools take; even sizes only), which
                costs one plain copy. :func:`ffstream.utils.i420_planes`
                gives the three planes as views and
                :func:`ffstream.utils.i420_to_yuv` the full-size layout. Not
                part of torchaudio's API.
            rotate: Turn the frames upright as the stream's display matrix
                says (:attr:`SourceVideoStream.rotation`, a quarter turn or
                a half turn), after the rate, size and format steps, as the
                ffmpeg command's autorotate does: the chunks hold exactly
                ``torch.rot90(frames, round(rotation / 90), dims=(-2, -1))``
                of the frames ``rotate=False`` gives with ``width`` and
                ``height`` swapped, and ``width``/``height`` are those of the
                turned frame. ``False`` (the default) keeps the frames as
                stored, as torchaudio did. Not with ``hw_accel``; with
                :meth:`add_video_stream` put ``transpose=cclock`` (90),
                ``hflip,vflip`` (180) or ``transpose=clock`` (-90) in
                ``filter_desc``. Not part of torchaudio's API.
        """
        rate = _basic.rate_text(frame_rate)
        _basic.check_positive("width", width, integer=True)
        _basic.check_positive("height", height, integer=True)
        if hw_accel is not None:
            _gpu_frames.check_format(format)
        index = self._source_index("video", stream_index)
        chunking = _basic.chunking(frames_per_chunk, seconds_per_chunk)
        yuv_i420 = _basic.yuv_i420(yuv_layout)
        o = _output_options(ext.MediaType.video, index, chunking, buffer_chunk_size, decoder, decoder_option)
        o.format = None if hw_accel is not None else format
        o.frame_rate = rate
        o.width = width
        o.height = height
        o.hw_accel = hw_accel
        o.yuv_i420 = yuv_i420
        o.rotate = bool(rotate)
        self._be.add_stream(o)
        self._note_outputs(hw_accel, format)

    def add_audio_stream(
        self,
        frames_per_chunk: Optional[int] = None,
        buffer_chunk_size: int = 3,
        *,
        seconds_per_chunk: Optional[float] = None,
        stream_index: Optional[int] = None,
        decoder: Optional[str] = None,
        decoder_option: Optional[Dict[str, str]] = None,
        filter_desc: Optional[str] = None,
    ) -> None:
        """Adds an audio output through an FFmpeg filter chain or graph.

        ``filter_desc`` is a chain of FFmpeg audio filters, e.g.
        ``"aresample=16000,aformat=sample_fmts=s16"``; it may change the
        number of frames. It may also be a graph of several inputs or outputs
        (see :meth:`add_video_stream`), e.g. ``"[0:a:0][0:a:1]amix=inputs=2"``.
        Other arguments are those of :meth:`add_basic_audio_stream`.
        """
        o = _output_options(
            ext.MediaType.audio, self._source_index("audio", stream_index, filter_desc),
            _basic.chunking(frames_per_chunk, seconds_per_chunk), buffer_chunk_size,
            decoder, decoder_option,
        )
        o.filter_desc = filter_desc
        self._be.add_stream(o)
        self._note_outputs()

    def add_video_stream(
        self,
        frames_per_chunk: Optional[int] = None,
        buffer_chunk_size: int = 3,
        *,
        seconds_per_chunk: Optional[float] = None,
        stream_index: Optional[int] = None,
        decoder: Optional[str] = None,
        decoder_option: Optional[Dict[str, str]] = None,
        filter_desc: Optional[str] = None,
        hw_accel: Optional[str] = None,
        yuv_layout: str = "full",
    ) -> None:
        """Adds a video output through an FFmpeg filter chain or graph.

        ``filter_desc`` is a chain of FFmpeg video filters, e.g.
        ``"fps=10,scale=224:224,format=pix_fmts=rgb24"``; it must end in a pixel
        format listed in :meth:`add_basic_video_stream`. Without a filter, a
        source format that has no converter is converted to the nearest one.
        Other arguments are those of :meth:`add_basic_video_stream`
        (``yuv_layout="i420"`` needs the chain to give yuv420p).

        ``filter_desc`` may also be a graph in the syntax of the ffmpeg
        command's ``-filter_complex``, with several outputs, several inputs,
        or both. Each open output becomes an output stream, numbered in the
        order its label first appears, so this call adds two::

            "split=2[a][b];[a]scale=224:224[big];[b]scale=112:112[small]"

        An input labeled as ffmpeg labels streams of its input 0 reads that
        source stream: ``[0:N]`` (stream N), ``[0:v]``/``[0:a]`` (the first
        video/audio stream), ``[0:v:K]``/``[0:a:K]`` (the K-th); one input
        without such a label reads ``stream_index`` (or the default stream).
        For example ``"[0:v]scale=320:-2[v];[0:a]showwaves=s=320x80[w];"
        "[v][w]vstack"`` draws the audio under the picture, and
        ``"[0:a:0][0:a:1]amix=inputs=2"`` mixes two audio streams. Outputs of
        either media type may come out of either call; ``decoder`` and
        ``decoder_option`` apply to the input streams of the call's media
        type. The chunking arguments apply to every output, and a seek
        restarts the whole graph. The outputs of a graph cannot give frames
        on demand (:meth:`get_frames_at`).
        """
        index = self._source_index("video", stream_index, filter_desc)
        chunking = _basic.chunking(frames_per_chunk, seconds_per_chunk)
        yuv_i420 = _basic.yuv_i420(yuv_layout)
        o = _output_options(ext.MediaType.video, index, chunking, buffer_chunk_size, decoder, decoder_option)
        o.filter_desc = filter_desc
        o.hw_accel = hw_accel
        o.yuv_i420 = yuv_i420
        self._be.add_stream(o)
        self._note_outputs(hw_accel)

    def _note_outputs(self, hw_accel: Optional[str] = None, gpu_format: Optional[str] = None) -> None:
        """Records what the outputs just added do with their chunks: a
        hw_accel output (one per call: graphs are refused with hw_accel)
        converts its GPU planes into ``gpu_format``; CPU outputs nothing."""
        first = len(self._gpu_converters)
        if hw_accel is None:
            self._gpu_converters.extend([None] * (self._be.num_out_streams() - first))
            return
        info = self._be.get_out_stream_info(first)
        self._gpu_converters.append(
            _gpu_frames.converter(gpu_format, info.planes, info.color_matrix, info.color_range))

    def _source_index(
        self, media: str, stream_index: Optional[int], filter_desc: Optional[str] = None
    ) -> int:
        """The stream an output reads: the one given, else the default one.

        A filter graph whose inputs name their streams (``[0:a:1]``) may need
        none of the call's own: -1 then, and the core says so if it does.
        """
        if stream_index is not None:
            return stream_index
        i = self.default_audio_stream if media == "audio" else self.default_video_stream
        if i is None:
            if filter_desc is not None and "[0:" in filter_desc:
                return -1
            raise FFStreamError(f"the source has no {media} stream")
        return i

    def remove_stream(self, i: int) -> None:
        """Removes output stream ``i``; later outputs move down by one."""
        self._be.remove_stream(i)
        del self._gpu_converters[i]

    # ---- decoding ----

    def seek(self, timestamp: float, mode: str = "precise") -> None:
        """Moves to ``timestamp`` seconds (on the timeline of the chunks' pts).

        Args:
            timestamp: Target time in seconds, ``>= 0``.
            mode: ``"precise"``: the next chunk starts exactly at the first
                frame (or audio sample) at or after ``timestamp``, decoding from
                the preceding key frame. ``"key"``: start at the key frame at or
                before ``timestamp``. ``"any"``: start at any frame at or before
                it; without a key frame the first images may be damaged.

        As torchaudio did, ``timestamp`` is first rounded to the nearest tick
        of the stream's time base (of each output's stream for "precise", of
        the default stream for "key" and "any"): in an AVI whose ticks are
        frames, ``seek(0.37)`` gives the frame at 0.367 s, the one shown at
        0.37 s. Lossy audio is decoded from 0.5 s (or the codec's own
        pre-roll) before the target, so that the first samples equal those
        of a decode from the start.

        Decoders, filters and buffers are reset; buffered chunks are dropped.
        Where a container's index makes the demuxer land after the target
        (MP4 indexes key frames by decode time; MPEG-TS has no index), the
        reader notices from the first frame and seeks again further back,
        so "precise" and "key" never start late. While a precise seek
        decodes up to its target, frames that nothing refers to are not
        decoded unless a filter needs earlier frames.
        """
        if mode not in _SEEK_MODES:
            raise InvalidArgumentError(
                f"mode must be one of {list(_SEEK_MODES)}, got {mode!r}"
            )
        self._be.seek(timestamp, _SEEK_MODES[mode])

    # ---- frames on demand (not part of torchaudio's API) ----

    def get_frame_index(self, stream_index: Optional[int] = None) -> FrameIndex:
        """Every frame of a video stream in presentation order, with its pts,
        duration and key-frame flag; ``len()`` of it is the exact frame count.
        It holds exactly the frames decoding gives: those an MP4 edit list
        hides have packets but are left out.

        Args:
            stream_index: Source stream; the default video stream if ``None``.

        The first call for a stream reads the whole stream's packets without
        decoding them (once per reader; where the packets cannot tell, it
        decodes the stream once, see :attr:`FrameIndex.decoded`); it moves
        the reader as ``seek(0)`` does, dropping buffered chunks. Later
        calls are free.
        """
        return frame_index_from(self._be.frame_index(self._source_index("video", stream_index)))

    def get_frames_at(self, indices: Union[Sequence[int], torch.Tensor], *, output: int = 0) -> ChunkTensor:
        """The frames of a video output at the given indices, exactly.

        Args:
            indices: Frame numbers in presentation order (0 is the first frame
                shown), in any order, repeats allowed: a sequence of ints or a
                1-D integer tensor.
            output: The video output stream whose frames to return: they go
                through its filter and format, as streamed chunks do.

        Returns:
            One :class:`ChunkTensor` ``(len(indices), C, H, W)`` holding the
            frames in the order asked, with their ``frame_pts`` and
            ``frame_duration``.

        The first call builds the stream's frame index
        (:meth:`get_frame_index`). Frames are visited in presentation order:
        the reader decodes forward when the next one is ahead with no key
        frame before it, and seeks otherwise; each is decoded once, however
        often it is asked for. Afterwards streaming (and every other output)
        goes on after the latest frame returned. The output's filter must
        turn each frame into one frame with its pts (``scale``, ``crop``,
        ``pad``, ``format``, flips, ``transpose``, colour filters, ...);
        one that changes frame timing or count or mixes frames (``fps``,
        ``select``, ``setpts``, ``trim``, ``tmix``, a ``frame_rate``), or
        whose expressions use the frame count ``n``, is refused with
        :class:`~ffstream.InvalidArgumentError` naming the filter; an index
        outside ``[0, num_frames)`` raises ``IndexError``.
        """
        return chunk_from(self._be.frames_at(output, _int_list("indices", indices)))

    def get_frames_played_at(
        self, seconds: Union[Sequence[float], torch.Tensor], *, output: int = 0
    ) -> ChunkTensor:
        """The frames of a video output shown at the given times (seconds, on
        the timeline of the chunks' pts): for each time ``t``, the frame whose
        ``[pts, next frame's pts)`` holds it (the last frame: ``[pts, pts +
        duration)``). Otherwise as :meth:`get_frames_at`; a time outside the
        stream raises ``IndexError`` naming the range it covers.
        """
        return chunk_from(self._be.frames_played_at(output, _float_list("seconds", seconds)))

    def stats(self) -> ReaderStats:
        """Bytes and packets read, frames decoded, delivered and dropped per
        output, the last error, the newest pts and, for live sources, how
        far behind real time the reader is (see :class:`ReaderStats`). Not
        part of torchaudio's API."""
        return reader_stats_from(self._be.stats())

    def _seek_counters(self) -> SeekCounters:
        """What the last :meth:`seek` cost, for tests and tuning (see
        :class:`~ffstream._info.SeekCounters`; not part of torchaudio's API)."""
        return seek_counters_from(self._be.seek_counters())

    def process_packet(
        self, timeout: Optional[float] = None, backoff: float = 10.0
    ) -> int:
        """Reads one packet of the source's audio and video streams, of
        whichever stream, and decodes it into the outputs that want it
        (packets of streams without outputs are read and dropped, so a source
        of N audio and video packets gives 0 N times; subtitle and data
        packets are not read, as in torchaudio).

        Args:
            timeout: Milliseconds to keep retrying while the source has no data
                yet (EAGAIN, e.g. a live device). ``None`` raises at once; a
                negative value retries forever. When it runs out,
                :class:`~ffstream.DecodeTimeoutError` is raised.
            backoff: Milliseconds to wait between retries.

        These two are in milliseconds because torchaudio's API fixed them so;
        every other time is in seconds: :meth:`seek`'s, as torchaudio had it,
        and every argument ffstream added (``StreamReader(timeout=)``,
        ``seconds_per_chunk``, :meth:`get_frames_played_at`).

        Returns:
            ``0`` when a packet was processed; ``1`` once the source is
            exhausted and every output has been flushed.
        """
        return self._be.process_packet(timeout, backoff)

    def process_all_packets(self) -> None:
        """Processes packets until the end of the source."""
        self._be.process_all_packets()

    def is_buffer_ready(self) -> bool:
        """Whether every output has at least one full chunk buffered."""
        return self._be.is_buffer_ready()

    def fill_buffer(
        self, timeout: Optional[float] = None, backoff: float = 10.0
    ) -> int:
        """Processes packets until every output has a chunk ready.

        Arguments are those of :meth:`process_packet`. Returns ``0`` when the
        buffers are ready, ``1`` at the end of the source.
        """
        return self._be.fill_buffer(timeout, backoff)

    def pop_chunks(self) -> List[Optional[ChunkTensor]]:
        """Takes the oldest chunk of every output, in output order.

        An output with nothing buffered gives ``None``. At the end of the
        source the last chunk of an output may be shorter than
        ``frames_per_chunk``.

        Outputs chunked by ``seconds_per_chunk`` give the chunks of one time
        window together: the earliest window that any of them holds. An
        output with nothing presented in that window (its stream starts
        later, or has a gap) gives ``None`` for it, so the k-th items of
        :meth:`stream` always cover the same seconds.
        """
        chunks = [
            None if c is None else chunk_from(c, self._gpu_converters[i])
            for i, c in enumerate(self._be.pop_chunks())
        ]
        for i in self._be.outputs_that_began_dropping():
            self._warn_dropping(i)
        return chunks

    def _warn_dropping(self, i: int) -> None:
        """Logs, once per output, that it dropped frames: torchaudio dropped
        them silently."""
        info = self.get_out_stream_info(i)
        dropped = self._be.stats().frames_dropped[i]
        unit = "samples" if info.media_type == "audio" else "frames"
        _log.warning(
            "output %d (%s of source stream %d) dropped %d %s so far: more than "
            "buffer_chunk_size chunks were waiting to be popped. Pop more often "
            "or raise buffer_chunk_size (-1 keeps all); stats().frames_dropped "
            "counts the drops.", i, info.media_type, info.source_index, dropped, unit,
        )

    def stream(
        self, timeout: Optional[float] = None, backoff: float = 10.0
    ) -> Iterator[List[Optional[ChunkTensor]]]:
        """Iterates over chunks until every output is exhausted.

        Each item is a list with one chunk per output (``None`` for an output that has
        nothing left). Arguments are those of :meth:`process_packet`.
        """
        if self.num_out_streams == 0:
            raise FFStreamError("stream() needs at least one output stream")
        while self.fill_buffer(timeout, backoff) == 0:
            yield self.pop_chunks()
        while True:
            chunks = self.pop_chunks()
            if all(c is None for c in chunks):
                return
            yield chunks


def _output_options(
    media_type: ext.MediaType,
    source_index: int,
    chunking: Tuple[int, Optional[float]],
    buffer_chunk_size: int,
    decoder: Optional[str],
    decoder_option: Optional[Dict[str, str]],
) -> ext.OutputOptions:
    """The options every add_*_stream call sets; the caller sets its own.
    Values were checked in Python first, so that their errors come before
    the binding's type errors, as they always have."""
    o = ext.OutputOptions()
    o.media_type = media_type
    o.source_index = source_index
    o.frames_per_chunk, o.seconds_per_chunk = chunking
    o.buffer_chunk_size = buffer_chunk_size
    o.decoder = decoder
    o.decoder_options = decoder_option or {}
    return o


def _int_list(name: str, values: object) -> List[int]:
    """Frame indices as ints: a sequence of ints or an integer tensor."""
    if isinstance(values, torch.Tensor):
        if values.dim() != 1 or values.dtype.is_floating_point or values.dtype == torch.bool:
            raise InvalidArgumentError(
                f"{name} must be a 1-D integer tensor, got {values.dtype} {tuple(values.shape)}"
            )
        return values.tolist()
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise InvalidArgumentError(f"{name} must be a sequence of ints, got {type(values).__name__}")
    values = list(values)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, Integral):
            raise InvalidArgumentError(f"{name} must hold ints, got {v!r}")
    return [int(v) for v in values]


def _float_list(name: str, values: object) -> List[float]:
    """Times in seconds as floats: a sequence of numbers or a 1-D tensor."""
    if isinstance(values, torch.Tensor):
        if values.dim() != 1:
            raise InvalidArgumentError(f"{name} must be a 1-D tensor, got shape {tuple(values.shape)}")
        return [float(v) for v in values.tolist()]
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise InvalidArgumentError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    values = list(values)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v):
            raise InvalidArgumentError(f"{name} must hold finite numbers, got {v!r}")
    return [float(v) for v in values]
