// CudaDriver: the few CUDA driver calls ffstream makes itself (device memory
// for chunks, copies of decoded planes into it, waiting for them), loaded
// from libcuda.so.1 at run time as FFmpeg loads it. Nothing links against
// CUDA and the build needs no CUDA toolkit; without a driver, driver()
// throws and the CPU path is untouched. The types below are the driver
// API's own (cuda.h), declared here because they are its stable ABI.
#pragma once

#include <cstddef>
#include <string>

namespace ffstream::detail::cuda {

using Result = int;                    // CUresult; 0 is CUDA_SUCCESS
using DevicePtr = unsigned long long;  // CUdeviceptr
using Context = struct CUctx_st*;      // CUcontext
using Stream = struct CUstream_st*;    // CUstream

enum MemoryType : int { kHost = 1, kDevice = 2 };  // CUmemorytype

// CUDA_MEMCPY2D, field for field.
struct Copy2D {
  size_t src_x_bytes = 0;
  size_t src_y = 0;
  MemoryType src_memory = kDevice;
  const void* src_host = nullptr;
  DevicePtr src_device = 0;
  void* src_array = nullptr;
  size_t src_pitch = 0;
  size_t dst_x_bytes = 0;
  size_t dst_y = 0;
  MemoryType dst_memory = kDevice;
  void* dst_host = nullptr;
  DevicePtr dst_device = 0;
  void* dst_array = nullptr;
  size_t dst_pitch = 0;
  size_t width_bytes = 0;
  size_t height = 0;
};

struct Driver {
  Result (*ctx_push)(Context) = nullptr;
  Result (*ctx_pop)(Context*) = nullptr;
  Result (*mem_alloc)(DevicePtr*, size_t) = nullptr;
  Result (*mem_free)(DevicePtr) = nullptr;
  Result (*copy_2d_async)(const Copy2D*, Stream) = nullptr;
  Result (*copy_async)(DevicePtr, DevicePtr, size_t, Stream) = nullptr;
  Result (*stream_sync)(Stream) = nullptr;
  Result (*error_string)(Result, const char**) = nullptr;
};

// Why the driver cannot be used ("libcuda.so.1 not found: ..."), or "" when
// it loaded. Loads it on the first call; thread-safe.
const std::string& driver_problem();
// The loaded driver; throws kNotImplemented with driver_problem() if none.
const Driver& driver();

// Throws kGeneric naming `call`, the driver's reason and `context` unless
// `result` is success.
void check(Result result, const char* call, const std::string& context);

// Makes `ctx` current on this thread for a scope (the driver's calls act on
// the current context); throws if it cannot.
class ScopedContext {
 public:
  ScopedContext(Context ctx, const std::string& context);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;
};

}  // namespace ffstream::detail::cuda
