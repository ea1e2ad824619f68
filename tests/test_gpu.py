"""hw_accel: decoding on an NVIDIA GPU into CUDA tensors.

Three parts: the conversion of GPU planes into chunks (torch ops that run on
any device, checked here on the CPU against swscale's output for the same
frames); the errors hw_accel raises where no GPU can be used (CI's case);
and the GPU tests proper, which run where torch sees a CUDA device and this
FFmpeg opens it (ci/gpu_check.sh), and skip cleanly elsewhere.
"""

import ffstream
import pytest
import torch
from ffstream import StreamReader
from ffstream import _gpu_frames as gpu
from ffstream._extension import ext
from helpers import decode_whole_video


def _gpu_usable() -> bool:
    if not torch.cuda.is_available() or "cuda" not in ext.hardware_device_types():
        return False
    return ext.probe_hardware_device("cuda", "0") == ""


needs_gpu = pytest.mark.skipif(not _gpu_usable(), reason="no usable CUDA GPU and driver")
needs_no_gpu = pytest.mark.skipif(_gpu_usable(), reason="a usable GPU is present")


def _decode(path, **kw) -> torch.Tensor:
    return decode_whole_video(path, **kw).as_subclass(torch.Tensor)


def _semi_planar(path, **kw) -> torch.Tensor:
    """The frames as NVDEC lays out 4:2:0 (Y rows, then U/V interleaved),
    built from the CPU decoder's planes."""
    yuv = _decode(path, **kw)  # (N, 3, H, W), chroma repeated (nearest)
    n, _, h, w = yuv.shape
    uv = torch.stack([yuv[:, 1, ::2, ::2], yuv[:, 2, ::2, ::2]], dim=-1).reshape(n, h // 2, w)
    return torch.cat([yuv[:, 0], uv], dim=1).contiguous()


# ---- the conversion, on the CPU ----

def test_nv12_becomes_torchaudio_yuv_exactly(make_media):
    path = make_media("h264.mp4")
    nv12 = _semi_planar(path, format="yuv420p")
    yuv = gpu.to_yuv(nv12, "nv12")
    assert yuv.dtype == torch.uint8 and yuv.shape == (50, 3, 48, 64)
    assert torch.equal(yuv, _decode(path, format="yuv420p"))


def test_nv12_to_rgb_is_within_2_of_swscale(make_media):
    path = make_media("h264_bt709.mp4")
    nv12 = _semi_planar(path, format="yuv420p")
    for name, bgr in [("rgb24", False), ("bgr24", True)]:
        cpu = _decode(path, format=name).int()
        rgb = gpu.to_rgb(nv12, "nv12", "bt709", "tv", bgr=bgr)
        assert rgb.dtype == torch.uint8 and rgb.shape == cpu.shape
        assert (rgb.int() - cpu).abs().max() <= 2
    # The matrix matters: BT.601 coefficients on these frames are far off.
    wrong = gpu.to_rgb(nv12, "nv12", "bt470bg", "tv")
    assert (wrong.int() - _decode(path, format="rgb24").int()).abs().max() > 10


def test_p010_gives_int16_value_minus_32768_and_rgb(make_media):
    path = make_media("hevc10.mp4")
    ten_bit = _semi_planar(path, format="yuv420p10le")  # int16, 0..1023
    p010 = (ten_bit.int() << 6).to(torch.uint16)  # the value in the high bits
    yuv = gpu.to_yuv(p010, "p010le")
    assert yuv.dtype == torch.int16 and yuv.shape == (50, 3, 48, 64)
    expected = (_decode(path, format="yuv420p10le").int() << 6) - 32768
    assert torch.equal(yuv.int(), expected)
    # 16-bit planes convert on the 8-bit scale: the same frames cut to 8
    # bits give the same RGB, to rounding. (swscale interpolates chroma for
    # 10-bit sources where its 8-bit path repeats it, so the CPU's RGB of
    # this stream is no reference for the repeated-chroma conversion.)
    eight_bit = (ten_bit.int() >> 2).to(torch.uint8)
    diff = gpu.to_rgb(p010, "p010le", "unknown", "tv").int() - gpu.to_rgb(
        eight_bit, "nv12", "unknown", "tv").int()
    assert diff.abs().max() <= 3 and diff.float().mean().abs() < 1.0


def test_yuv444_planes_pass_through():
    frames = torch.randint(0, 256, (2, 3, 4, 6), dtype=torch.uint8)
    assert torch.equal(gpu.to_yuv(frames, "yuv444p"), frames)
    assert torch.equal(gpu.converter("nv12", "nv12", "", "")(frames), frames)


# ---- where no GPU can be used ----

@needs_no_gpu
def test_hw_accel_without_a_gpu_names_the_cause(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(ffstream.NotSupportedError, match="no CUDA driver|CUDA"):
        reader.add_basic_video_stream(5, hw_accel="cuda:0")
    assert reader.num_out_streams == 0
    # The stream is not left half set up: a CPU output still works.
    reader.add_basic_video_stream(5)
    assert reader.fill_buffer() == 0


@needs_no_gpu
def test_cuvid_decoder_without_a_gpu_says_why(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    if "h264_cuvid" not in ffstream.utils.get_video_decoders():
        with pytest.raises(ffstream.InvalidArgumentError, match="cuvid"):
            reader.add_basic_video_stream(5, decoder="h264_cuvid")
    else:
        with pytest.raises(ffstream.FFStreamError, match="NVIDIA GPU"):
            reader.add_basic_video_stream(5, decoder="h264_cuvid")


@pytest.mark.parametrize("kwargs, error, named", [
    ({"hw_accel": "cpu"}, ffstream.InvalidArgumentError, "cuda:N"),
    ({"hw_accel": "cuda:x"}, ffstream.InvalidArgumentError, "cuda:N"),
    ({"hw_accel": "cuda", "width": 32}, ffstream.InvalidArgumentError, "resize"),
    ({"hw_accel": "cuda", "format": "gray"}, ffstream.InvalidArgumentError, "gray"),
    ({"hw_accel": "cuda", "format": "yuv420p", "yuv_layout": "i420"},
     ffstream.InvalidArgumentError, "i420"),
])
def test_hw_accel_arguments_are_checked(make_media, kwargs, error, named):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(error, match=named):
        reader.add_basic_video_stream(5, **kwargs)
    assert reader.num_out_streams == 0


def test_hw_accel_with_filter_desc_is_not_supported_yet(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    with pytest.raises(ffstream.NotSupportedError, match="scale_cuda"):
        reader.add_video_stream(5, filter_desc="scale_cuda=32:24", hw_accel="cuda")


def test_codec_nvdec_lacks_is_refused_before_any_device(make_media):
    # rawvideo, or wrapped_avframe from FFmpeg 7.1 on: no NVDEC for either.
    reader = StreamReader("testsrc=d=1", format="lavfi")
    codec = reader.get_src_stream_info(0).codec
    with pytest.raises(ffstream.NotSupportedError, match=f"decoder '{codec}'"):
        reader.add_video_stream(5, hw_accel="cuda")


def test_one_stream_decodes_on_one_device(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_video_stream(5)
    with pytest.raises(ffstream.InvalidArgumentError, match="on the CPU.*on the GPU"):
        reader.add_video_stream(5, hw_accel="cuda")
    assert reader.num_out_streams == 1


def test_clear_cuda_context_cache_runs_anywhere():
    assert ffstream.utils.clear_cuda_context_cache() is None


# ---- on a GPU ----

@needs_gpu
@pytest.mark.parametrize("decoder", [None, "h264_cuvid"])
def test_gpu_chunks_match_the_cpu_decode(make_media, decoder):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_video_stream(10, decoder=decoder, hw_accel="cuda:0")
    reader.add_basic_video_stream(10, format="rgb24", decoder=decoder, hw_accel="cuda:0")
    assert reader.get_out_stream_info(0).format == "cuda"
    chunks = list(reader.stream())
    yuv = torch.cat([c[0] for c in chunks])
    rgb = torch.cat([c[1] for c in chunks])
    assert chunks[0][0].device == torch.device("cuda:0") and chunks[0][0].dtype == torch.uint8
    assert yuv.shape == (50, 3, 48, 64) and len(chunks) == 5
    cpu = StreamReader(str(path))
    cpu.add_video_stream(10, filter_desc="format=pix_fmts=yuv420p")
    cpu_chunks = list(cpu.stream())
    assert torch.equal(yuv.cpu(), torch.cat([c[0] for c in cpu_chunks]))
    assert [c[0].pts for c in chunks] == [c[0].pts for c in cpu_chunks]
    assert torch.equal(chunks[1][0].frame_pts, cpu_chunks[1][0].frame_pts)
    assert (rgb.cpu().int() - _decode(path, format="rgb24").int()).abs().max() <= 2


@needs_gpu
def test_gpu_precise_seek_is_frame_exact(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_video_stream(3, hw_accel="cuda")
    reader.seek(0.52)
    reader.fill_buffer()
    (chunk,) = reader.pop_chunks()
    assert chunk.pts == pytest.approx(0.52)
    full = _decode(path, format="yuv420p")
    assert torch.equal(chunk.cpu(), full[13:16])


@needs_gpu
def test_gpu_ten_bit_is_int16(make_media):
    path = make_media("hevc10.mp4")
    reader = StreamReader(str(path))
    reader.add_video_stream(-1, hw_accel="cuda")
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.dtype == torch.int16 and chunk.shape == (50, 3, 48, 64)
    expected = (_decode(path, format="yuv420p10le").int() << 6) - 32768
    assert torch.equal(chunk.cpu().int(), expected)


@needs_gpu
def test_cuvid_resize_changes_the_size(make_media):
    reader = StreamReader(str(make_media("h264.mp4")))
    reader.add_video_stream(5, decoder="h264_cuvid", decoder_option={"resize": "32x24"},
                            hw_accel="cuda")
    reader.fill_buffer()
    (chunk,) = reader.pop_chunks()
    assert chunk.shape == (5, 3, 24, 32)
    assert reader.get_out_stream_info(0).width == 32


@needs_gpu
def test_cuvid_without_hw_accel_gives_cpu_chunks(make_media):
    path = make_media("h264.mp4")
    reader = StreamReader(str(path))
    reader.add_basic_video_stream(-1, decoder="h264_cuvid", format="yuv420p")
    reader.process_all_packets()
    (chunk,) = reader.pop_chunks()
    assert chunk.device == torch.device("cpu")
    assert torch.equal(chunk, _decode(path, format="yuv420p"))
