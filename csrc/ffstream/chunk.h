// A chunk of decoded frames as it leaves the core: typed, strided memory with
// shared ownership, plus the presentation time of its first frame. Bindings
// hand it to tensor libraries without copying (DLPack).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ffstream {

enum class DType { kUInt8, kInt16, kUInt16, kInt32, kInt64, kFloat32, kFloat64 };

// Size in bytes of one element of `dtype`.
size_t dtype_size(DType dtype);
// Name of `dtype` as PyTorch spells it ("uint8", "float32", ...).
const char* dtype_name(DType dtype);

// Byte storage that chunks share. Allocated 64-byte aligned, with
// kStorageTailSlack writable bytes after the `num_bytes` asked for: FFmpeg's
// converters may write a little past the last row they are given (see
// detail/converter.cpp), and the slack keeps that inside the allocation.
using Storage = std::shared_ptr<uint8_t>;
constexpr size_t kStorageTailSlack = 64;
Storage allocate_storage(size_t num_bytes);

// Where a chunk's memory is: the host, or a CUDA device's memory
// (hw_accel outputs; `data` is then a device pointer).
enum class DeviceKind { kCpu, kCuda };

struct Chunk {
  Storage storage;               // keeps `data` alive
  uint8_t* data = nullptr;       // first element, inside `storage`
  DeviceKind device = DeviceKind::kCpu;
  int device_index = 0;          // which CUDA device
  DType dtype = DType::kUInt8;
  std::vector<int64_t> shape;    // frames first: (N, C) audio, (N, C, H, W) video
  std::vector<int64_t> strides;  // in elements, not bytes
  double pts = 0.0;              // seconds, of the first frame in the chunk
  // Video: every frame's presentation time and duration, in seconds
  // (frame_pts[0] == pts). Audio chunks leave them empty: sample i is
  // presented at pts + i / sample_rate.
  bool has_frame_times = false;
  std::vector<double> frame_pts;
  std::vector<double> frame_duration;

  int64_t num_frames() const { return shape.empty() ? 0 : shape[0]; }
};

}  // namespace ffstream
