#include "ffstream/detail/cuda_device.h"

#include <map>
#include <mutex>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/ffmpeg_log.h"
#include "ffstream/error.h"

// hwcontext_cuda.h includes cuda.h unless CUDA_VERSION is set; ffstream
// needs no CUDA headers, only the two handle types AVCUDADeviceContext uses.
#define CUDA_VERSION 0
using CUcontext = ffstream::detail::cuda::Context;
using CUstream = ffstream::detail::cuda::Stream;
extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_cuda.h>
}

namespace ffstream::detail {

namespace {

std::mutex cache_mutex;
std::map<int, std::shared_ptr<CudaDevice>>& cache() {
  static std::map<int, std::shared_ptr<CudaDevice>> devices;
  return devices;
}

cuda::DevicePtr device_ptr(const void* p) {
  return static_cast<cuda::DevicePtr>(reinterpret_cast<uintptr_t>(p));
}

}  // namespace

int parse_hw_accel(const std::string& value) {
  auto refuse = [&]() -> int {
    throw Error(ErrorKind::kInvalidArgument,
                "hw_accel='" + value +
                    "' is not a device ffstream decodes on: give \"cuda\" or "
                    "\"cuda:N\" (N the device index), or None for the CPU");
  };
  if (value == "cuda") return 0;
  const std::string prefix = "cuda:";
  if (value.compare(0, prefix.size(), prefix) != 0 || value.size() == prefix.size() ||
      value.size() > prefix.size() + 4) {
    return refuse();
  }
  int index = 0;
  for (size_t i = prefix.size(); i < value.size(); ++i) {
    if (value[i] < '0' || value[i] > '9') return refuse();
    index = index * 10 + (value[i] - '0');
  }
  return index;
}

std::shared_ptr<CudaDevice> CudaDevice::get(int index, const std::string& context) {
  std::lock_guard<std::mutex> lock(cache_mutex);
  auto it = cache().find(index);
  if (it != cache().end()) return it->second;

  const std::string name = "cuda:" + std::to_string(index);
  if (av_hwdevice_find_type_by_name("cuda") == AV_HWDEVICE_TYPE_NONE) {
    throw Error(ErrorKind::kNotImplemented,
                "hw_accel='" + name + "' for " + context +
                    ": this FFmpeg was built without CUDA (no 'cuda' hardware "
                    "device type); the ffstream wheel's FFmpeg has it");
  }
  if (!cuda::driver_problem().empty()) {
    throw Error(ErrorKind::kNotImplemented,
                "hw_accel='" + name + "' for " + context + ": " +
                    cuda::driver_problem() + "; is an NVIDIA GPU and its driver installed?");
  }
  AVDictionary* options = nullptr;
  // The device's primary context: the one the CUDA runtime, and so PyTorch,
  // uses, so chunk memory needs no context switch to be used by torch.
  av_dict_set(&options, "primary_ctx", "1", 0);
  install_log_capture();
  clear_last_log();
  AVBufferRef* ref = nullptr;
  const int rc = av_hwdevice_ctx_create(&ref, AV_HWDEVICE_TYPE_CUDA,
                                        std::to_string(index).c_str(), options, 0);
  av_dict_free(&options);
  if (rc < 0) {
    throw Error(ErrorKind::kGeneric,
                "hw_accel='" + name + "' for " + context +
                    ": FFmpeg could not open the CUDA device: " + av_error_reason(rc),
                rc);
  }
  std::shared_ptr<CudaDevice> device(new CudaDevice(index, ref));
  cache().emplace(index, device);
  return device;
}

int CudaDevice::clear_cache() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  const int n = static_cast<int>(cache().size());
  cache().clear();
  return n;
}

CudaDevice::CudaDevice(int index, AVBufferRef* device_ref)
    : index_(index), name_("cuda:" + std::to_string(index)), device_ref_(device_ref) {
  auto* hw = reinterpret_cast<AVHWDeviceContext*>(device_ref->data);
  auto* cuda_hw = static_cast<AVCUDADeviceContext*>(hw->hwctx);
  cuda_context_ = cuda_hw->cuda_ctx;
  stream_ = cuda_hw->stream;
}

CudaDevice::~CudaDevice() { av_buffer_unref(&device_ref_); }

Storage CudaDevice::allocate(size_t bytes) {
  const cuda::Driver& d = cuda::driver();
  cuda::ScopedContext current(cuda_context_, name_);
  cuda::DevicePtr ptr = 0;
  cuda::check(d.mem_alloc(&ptr, bytes == 0 ? 1 : bytes), "cuMemAlloc",
              name_ + " (" + std::to_string(bytes) + " bytes for a chunk)");
  // The deleter keeps the device (and so its context) alive until the
  // memory is freed, whichever thread lets go of it last.
  std::shared_ptr<CudaDevice> self = shared_from_this();
  auto* data = reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(ptr));
  return Storage(data, [self, ctx = cuda_context_](uint8_t* p) {
    const cuda::Driver& drv = cuda::driver();
    if (drv.ctx_push(ctx) == 0) {
      drv.mem_free(device_ptr(p));
      cuda::Context ignored = nullptr;
      drv.ctx_pop(&ignored);
    }
  });
}

void CudaDevice::copy_planes(const AVFrame* frame, int num_planes, const int* rows,
                             size_t row_bytes, uint8_t* dst) {
  const cuda::Driver& d = cuda::driver();
  cuda::ScopedContext current(cuda_context_, name_);
  size_t offset = 0;
  for (int p = 0; p < num_planes; ++p) {
    cuda::Copy2D copy;
    copy.src_memory = cuda::kDevice;
    copy.src_device = device_ptr(frame->data[p]);
    copy.src_pitch = static_cast<size_t>(frame->linesize[p]);
    copy.dst_memory = cuda::kDevice;
    copy.dst_device = device_ptr(dst + offset);
    copy.dst_pitch = row_bytes;
    copy.width_bytes = row_bytes;
    copy.height = static_cast<size_t>(rows[p]);
    cuda::check(d.copy_2d_async(&copy, stream_), "cuMemcpy2DAsync",
                name_ + " (a decoded frame into its chunk)");
    offset += row_bytes * rows[p];
  }
}

void CudaDevice::copy(uint8_t* dst, const uint8_t* src, size_t bytes) {
  const cuda::Driver& d = cuda::driver();
  cuda::ScopedContext current(cuda_context_, name_);
  cuda::check(d.copy_async(device_ptr(dst), device_ptr(src), bytes, stream_),
              "cuMemcpyDtoDAsync", name_ + " (frames gathered into one chunk)");
}

void CudaDevice::synchronize() {
  const cuda::Driver& d = cuda::driver();
  cuda::ScopedContext current(cuda_context_, name_);
  cuda::check(d.stream_sync(stream_), "cuStreamSynchronize", name_);
}

}  // namespace ffstream::detail
