// CudaDevice: one CUDA device as FFmpeg's hardware device context, shared by
// every reader that decodes on it (hw_accel="cuda:N"), plus what the chunks
// of its outputs need: device memory, copies of decoded planes into it, and
// waiting for those copies. FFmpeg's context uses the device's primary CUDA
// context, the one PyTorch uses, so chunks are ordinary memory to torch.
// Thread-safe: the cache is locked, and the driver calls are.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ffstream/chunk.h"
#include "ffstream/detail/cuda_driver.h"
#include "ffstream/detail/ffmpeg.h"

namespace ffstream::detail {

// The device index hw_accel names: "cuda" is 0, "cuda:N" is N. Throws
// kInvalidArgument for anything else.
int parse_hw_accel(const std::string& value);

class CudaDevice : public std::enable_shared_from_this<CudaDevice> {
 public:
  // The context of device `index`, made on first use and cached. Throws
  // naming the cause: kNotImplemented when this FFmpeg has no CUDA support
  // or there is no CUDA driver; kGeneric with FFmpeg's reason otherwise (no
  // such device, no GPU). `context` names the caller in errors.
  static std::shared_ptr<CudaDevice> get(int index, const std::string& context);
  // Drops the cached contexts; each is freed once no reader, decoder or
  // chunk uses it any more. Returns how many were cached.
  static int clear_cache();

  ~CudaDevice();
  CudaDevice(const CudaDevice&) = delete;
  CudaDevice& operator=(const CudaDevice&) = delete;

  int index() const { return index_; }
  // FFmpeg's AVHWDeviceContext (for AVCodecContext::hw_device_ctx; take a
  // reference of your own with av_buffer_ref).
  AVBufferRef* device_ref() const { return device_ref_; }

  // `bytes` of device memory (at least 1), freed when the last Storage
  // copy goes; the storage keeps this device alive.
  Storage allocate(size_t bytes);
  // Queues copies of every plane of the CUDA `frame` into `dst`, rows
  // back to back with no padding, plane after plane: `row_bytes` per row,
  // `rows[p]` rows of plane p (`num_planes` planes).
  void copy_planes(const AVFrame* frame, int num_planes, const int* rows,
                   size_t row_bytes, uint8_t* dst);
  // Queues a copy of `bytes` between two places in device memory.
  void copy(uint8_t* dst, const uint8_t* src, size_t bytes);
  // Waits until the queued copies are done (before a chunk leaves).
  void synchronize();

 private:
  CudaDevice(int index, AVBufferRef* device_ref);

  int index_;
  std::string name_;  // "cuda:0", for errors
  AVBufferRef* device_ref_;
  cuda::Context cuda_context_;
  cuda::Stream stream_;
};

}  // namespace ffstream::detail
