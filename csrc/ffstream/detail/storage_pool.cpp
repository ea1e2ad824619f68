#include "ffstream/detail/storage_pool.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <iterator>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ffstream::detail {

namespace {

// The process's retired host blocks, oldest first. Never destroyed: storage
// may be released during static destruction, after any static object's end.
class RetiredBlocks {
 public:
  static RetiredBlocks& instance() {
    static auto* blocks = new RetiredBlocks();
    return *blocks;
  }

  // A block of exactly `bytes`, or an empty storage.
  Storage take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it) {
      if (it->first != bytes) continue;
      Storage block = std::move(it->second);
      total_ -= bytes;
      blocks_.erase(std::next(it).base());
      return block;
    }
    return {};
  }

  void keep(size_t bytes, Storage block) {
    if (bytes > StoragePool::kRetainedBytes) return;  // freed by `block`
    std::deque<Storage> freed;  // freed after the lock is let go
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_.emplace_back(bytes, std::move(block));
    total_ += bytes;
    while (total_ > StoragePool::kRetainedBytes) {
      total_ -= blocks_.front().first;
      freed.push_back(std::move(blocks_.front().second));
      blocks_.pop_front();
    }
  }

 private:
  std::mutex mutex_;
  std::deque<std::pair<size_t, Storage>> blocks_;
  size_t total_ = 0;
};

}  // namespace

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

StoragePool::~StoragePool() {
  if (!memory_.on_host()) return;
  for (Storage& block : idle_) {
    RetiredBlocks::instance().keep(block_bytes_, std::move(block));
  }
}

void StoragePool::release(const std::weak_ptr<StoragePool>& pool, size_t bytes,
                          bool on_host, Storage block) {
  if (auto p = pool.lock()) {
    std::lock_guard<std::mutex> lock(p->mutex_);
    if (p->idle_.size() < p->max_idle_) {
      p->idle_.push_back(std::move(block));
      return;
    }
  }
  if (on_host) RetiredBlocks::instance().keep(bytes, std::move(block));
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
  if (!block && memory_.on_host()) block = RetiredBlocks::instance().take(block_bytes_);
  if (fresh) *fresh = !block;
  if (!block) block = memory_.allocate(block_bytes_);
  // Hand out an alias whose last release gives the block back.
  std::weak_ptr<StoragePool> pool = weak_from_this();
  uint8_t* data = block.get();
  return Storage(data, [pool, bytes = block_bytes_, on_host = memory_.on_host(),
                        block = std::move(block)](uint8_t*) mutable {
    release(pool, bytes, on_host, std::move(block));
  });
}

}  // namespace ffstream::detail
