"""Smoke test of an installed ffstream wheel that needs no torch: CI has
torch for one Python only, and ci/test_wheel.sh runs this for the wheel of
every Python, inside the namespace where the system's FFmpeg is masked.

It loads the compiled module, ffstream/_ffstream*.so, by its file: the
package's __init__ imports torch. Then it checks that every FFmpeg library
in the process is one the wheel carries, decodes a lavfi source and two
files made by the ffmpeg command (a FLAC sine, an MPEG-4 mp4), takes the
chunks into numpy through DLPack and checks their values against the known
sine and the ffmpeg command's decodes; then writes the sine with the wheel's
FLAC and MP3 encoders and reads it back.

A plain script, `python tests/wheel_smoke.py`, not a pytest module:
tests/conftest.py imports torch.
"""

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

H, W = 48, 64
TESTSRC = f"testsrc2=size={W}x{H}:rate=25:duration=0.2"  # 5 frames
CLIP = f"testsrc2=size={W}x{H}:rate=10:duration=1"  # 10 frames
SINE_HZ, SINE_RATE, SINE_FRAMES = 440, 8000, 4000
SINE = f"sine=frequency={SINE_HZ}:sample_rate={SINE_RATE}:duration={SINE_FRAMES / SINE_RATE}"


def load_extension():
    """The installed compiled module, loaded by its file, and its package folder."""
    spec = importlib.util.find_spec("ffstream")  # finds the package, runs none of it
    assert spec is not None and spec.origin is not None, "ffstream is not installed"
    package = Path(spec.origin).parent
    (path,) = package.glob("_ffstream*.so")
    ext_spec = importlib.util.spec_from_file_location("_ffstream", path)
    ext = importlib.util.module_from_spec(ext_spec)
    ext_spec.loader.exec_module(ext)
    return ext, package


def check_runs_on_the_wheels_ffmpeg(ext, package):
    libs = (package.parent / "ffstream.libs").resolve()
    for name, info in ext.libraries().items():
        assert Path(info.path).resolve().parent == libs, (name, info.path)
    mapped = set()
    for line in Path("/proc/self/maps").read_text().splitlines():
        file = Path(line.split()[-1])
        if file.name.startswith(("libav", "libsw", "libpostproc")):
            mapped.add(file.resolve().parent)
    assert mapped == {libs}, mapped


def decode(ext, src, kind, fmt, source_format=None):
    """Every frame of the default `kind` stream of `src` as one chunk, and
    that chunk as a numpy array taken through DLPack."""
    options = ext.OpenOptions()
    options.format = source_format
    reader = ext.StreamReader(src, options)
    output = ext.OutputOptions()
    output.media_type = getattr(ext.MediaType, kind)
    output.source_index = reader.default_video_stream() if kind == "video" else reader.default_audio_stream()
    output.frames_per_chunk = -1
    output.buffer_chunk_size = -1
    output.format = fmt
    reader.add_stream(output)
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk is not None and reader.pop_chunks() == [None]
    return chunk, np.from_dlpack(chunk)


def ffmpeg(*args, program="ffmpeg"):
    cmd = [program, "-nostdin", "-v", "error", *map(str, args)]
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def ffmpeg_rgb24(*input_args):
    """The ffmpeg command's decode, as (N, 3, H, W) uint8 like a chunk: the
    command of the wheel's own FFmpeg build where FFSTREAM_REFERENCE_BIN
    names it (ci/test_wheel.sh), as the media are made by the system's."""
    reference = os.path.join(os.environ.get("FFSTREAM_REFERENCE_BIN", ""), "ffmpeg")
    raw = ffmpeg(*input_args, "-f", "rawvideo", "-pix_fmt", "rgb24", "-", program=reference)
    return np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3).transpose(0, 3, 1, 2)


def check_lavfi(ext):
    chunk, frames = decode(ext, TESTSRC, "video", "rgb24", source_format="lavfi")
    assert frames.dtype == np.uint8 and frames.shape == (5, 3, H, W), (frames.dtype, frames.shape)
    assert chunk.frame_pts == [0.0, 0.04, 0.08, 0.12, 0.16], chunk.frame_pts
    assert np.array_equal(frames, ffmpeg_rgb24("-f", "lavfi", "-i", TESTSRC))


def check_flac_sine(ext, path):
    chunk, samples = decode(ext, str(path), "audio", "flt")
    assert samples.dtype == np.float32 and samples.shape == (SINE_FRAMES, 1), (samples.dtype, samples.shape)
    assert chunk.pts == 0.0
    # ffmpeg's sine source writes amplitude 1/8, as s16: within 1.5 LSB.
    sine = 0.125 * np.sin(2 * np.pi * SINE_HZ * np.arange(SINE_FRAMES) / SINE_RATE)
    assert np.abs(samples[:, 0] - sine).max() < 1e-4


def check_mpeg4_mp4(ext, path):
    _, frames = decode(ext, str(path), "video", "rgb24")
    assert frames.dtype == np.uint8 and frames.shape == (10, 3, H, W), (frames.dtype, frames.shape)
    assert np.array_equal(frames, ffmpeg_rgb24("-i", path))


def check_writer_round_trip(ext, path):
    """The wheel encodes: the sine written to FLAC and MP3 by the wheel's
    own encoders (numpy arrays handed over by DLPack), read back."""
    sine = (0.5 * np.sin(2 * np.pi * SINE_HZ * np.arange(SINE_FRAMES) / SINE_RATE)).astype(np.float32)
    for name, encoder in (("flac", "flac"), ("mp3", "libmp3lame")):
        out = path.with_suffix("." + name)
        writer = ext.StreamWriter(str(out), "", 4096)
        options = ext.AudioEncodeOptions()
        options.sample_rate, options.num_channels, options.format = SINE_RATE, 1, "flt"
        options.encoding.encoder = encoder
        writer.add_audio_stream(options)
        writer.open({})
        writer.write_audio_chunk(0, sine.reshape(-1, 1).__dlpack__(), None)
        writer.close()
        _, samples = decode(ext, str(out), "audio", "flt")
        assert samples.shape == (SINE_FRAMES, 1), (name, samples.shape)
        # FLAC holds 16-bit samples; MP3 is lossy, compared where its delay
        # does not reach.
        error = np.abs(samples[1000:-1000, 0] - sine[1000:-1000]).max()
        assert error < (1e-4 if name == "flac" else 0.1), (name, error)


def main():
    ext, package = load_extension()
    with tempfile.TemporaryDirectory() as tmp:
        flac, mp4 = Path(tmp, "sine.flac"), Path(tmp, "mpeg4.mp4")
        ffmpeg("-f", "lavfi", "-i", SINE, "-c:a", "flac", flac)
        ffmpeg("-f", "lavfi", "-i", CLIP, "-c:v", "mpeg4", "-q:v", "2", mp4)
        check_lavfi(ext)
        check_flac_sine(ext, flac)
        check_mpeg4_mp4(ext, mp4)
        check_writer_round_trip(ext, Path(tmp, "written"))
    check_runs_on_the_wheels_ffmpeg(ext, package)
    assert "torch" not in sys.modules, "the smoke test must not need torch"
    python = "%d.%d" % sys.version_info[:2]
    print(f"wheel_smoke.py: ok, Python {python}, ffstream {ext.__version__}, FFmpeg {ext.ffmpeg_version()}")


if __name__ == "__main__":
    main()
