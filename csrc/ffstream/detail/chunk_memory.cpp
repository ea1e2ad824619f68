#include "ffstream/detail/chunk_memory.h"

#include <cstring>

#include "ffstream/detail/cuda_device.h"

namespace ffstream::detail {

Storage ChunkMemory::allocate(size_t bytes) const {
  return device_ ? device_->allocate(bytes) : allocate_storage(bytes);
}

void ChunkMemory::copy(uint8_t* dst, const uint8_t* src, size_t bytes) const {
  if (device_) {
    device_->copy(dst, src, bytes);
  } else {
    std::memcpy(dst, src, bytes);
  }
}

void ChunkMemory::stamp(Chunk* chunk) const {
  chunk->device = device_ ? DeviceKind::kCuda : DeviceKind::kCpu;
  chunk->device_index = device_ ? device_->index() : 0;
}

}  // namespace ffstream::detail
