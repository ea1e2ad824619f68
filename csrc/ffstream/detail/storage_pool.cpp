#include "ffstream/detail/storage_pool.h"

namespace ffstream::detail {

std::shared_ptr<StoragePool> StoragePool::create(size_t block_bytes,
                                                 size_t max_idle) {
  return std::shared_ptr<StoragePool>(new StoragePool(block_bytes, max_idle));
}

Storage StoragePool::acquire() {
  Storage block;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      block = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!block) block = allocate_storage(block_bytes_);
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
