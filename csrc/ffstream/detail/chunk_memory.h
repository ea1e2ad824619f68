// ChunkMemory: where an output's chunks live, host memory or the memory of
// the CUDA device it decodes on, and the two things chunk storage needs from
// it: allocating, and copying frames between chunks. Cheap to copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ffstream/chunk.h"

namespace ffstream::detail {

class CudaDevice;

class ChunkMemory {
 public:
  ChunkMemory() = default;  // host memory
  explicit ChunkMemory(std::shared_ptr<CudaDevice> device) : device_(std::move(device)) {}

  bool on_host() const { return device_ == nullptr; }
  const std::shared_ptr<CudaDevice>& device() const { return device_; }
  Storage allocate(size_t bytes) const;
  void copy(uint8_t* dst, const uint8_t* src, size_t bytes) const;
  // Marks `chunk` as living here.
  void stamp(Chunk* chunk) const;

 private:
  std::shared_ptr<CudaDevice> device_;
};

}  // namespace ffstream::detail
