#include "ffstream/detail/storage_pool.h"

#include <algorithm>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ffstream::detail {

std::shared_ptr<StoragePool> StoragePool::create(size_t block_bytes,
                                                 size_t max_idle,
                                                 ChunkMemory memory) {
  return std::shared_ptr<StoragePool>(
      new StoragePool(block_bytes, max_idle, std::move(memory)));
}

void prefault(uint8_t* data, size_t bytes) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  // Below this, page faults cost too little to matter (audio chunks).
  constexpr size_t kMinBytes = size_t{1} << 20;
  if (bytes < kMinBytes) return;
  constexpr uintptr_t kPage = 4096;
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kPage - 1) & ~(kPage - 1);
  const uintptr_t last = (begin + bytes) & ~(kPage - 1);
  // In steps, so that another thread's mmap or munmap (which waits for the
  // lock this takes) is not held up for long.
  constexpr uintptr_t kStep = uintptr_t{2} << 20;
  for (uintptr_t at = first; at < last; at += kStep) {
    madvise(reinterpret_cast<void*>(at), std::min(kStep, last - at),
            MADV_POPULATE_WRITE);
  }
#else
  (void)data;
  (void)bytes;
#endif
}

Storage StoragePool::acquire(bool* fresh) {
  Storage block;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      block = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (fresh) *fresh = !block;
  if (!block) block = memory_.allocate(block_bytes_);
  // Hand out an alias whose last release gives the block back (or frees it,
  // with `block`, when the pool is gone or full).
  std::weak_ptr<StoragePool> pool = weak_from_this();
  uint8_t* data = block.get();
  return Storage(data, [pool, block = std::move(block)](uint8_t*) mutable {
    if (auto p = pool.lock()) {
      std::lock_guard<std::mutex> lock(p->mutex_);
      if (p->idle_.size() < p->max_idle_) {
        p->idle_.push_back(std::move(block));
        return;
      }
    }
    block.reset();
  });
}

}  // namespace ffstream::detail
