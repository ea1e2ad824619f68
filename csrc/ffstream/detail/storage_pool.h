// StoragePool: recycles the fixed-size blocks behind an output's chunks.
//
// A chunk's storage returns to the pool when the last user of the chunk lets
// go of it (the tensor is freed), so steady-state decoding writes into memory
// that is already mapped instead of page-faulting fresh memory for every
// chunk. Thread-safe: storage may be released from any thread, also after the
// pool's owner is gone.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "ffstream/chunk.h"
#include "ffstream/detail/chunk_memory.h"

namespace ffstream::detail {

class StoragePool : public std::enable_shared_from_this<StoragePool> {
 public:
  // Host blocks a pool no longer needs (its output is gone, or was full of
  // idle blocks) are retired rather than freed, up to this many bytes in the
  // whole process, the oldest freed first, and the next pool asking for
  // blocks of the same size takes them: a pipeline that opens file after
  // file writes into pages already mapped instead of faulting in fresh ones.
  static constexpr size_t kRetainedBytes = size_t{512} << 20;

  // Blocks of `block_bytes` in `memory`; at most `max_idle` are kept while
  // unused.
  static std::shared_ptr<StoragePool> create(size_t block_bytes,
                                             size_t max_idle,
                                             ChunkMemory memory = {});

  // A block; `*fresh` (if given) says whether it was newly allocated, so
  // its pages are not mapped yet.
  Storage acquire(bool* fresh = nullptr);

  ~StoragePool();
  StoragePool(const StoragePool&) = delete;
  StoragePool& operator=(const StoragePool&) = delete;

 private:
  StoragePool(size_t block_bytes, size_t max_idle, ChunkMemory memory)
      : block_bytes_(block_bytes), max_idle_(max_idle), memory_(std::move(memory)) {}

  // Back to this pool if it is still there and has room, else retired.
  static void release(const std::weak_ptr<StoragePool>& pool, size_t bytes,
                      bool on_host, Storage block);

  size_t block_bytes_;
  size_t max_idle_;
  ChunkMemory memory_;
  std::mutex mutex_;
  std::vector<Storage> idle_;  // plain storages, owned while idle
};

// Maps the pages of [data, data + bytes) in a few calls instead of one page
// fault per 4 KiB as they are first written. For fresh memory that is about
// to be filled (a chunk's next frames): doing this for a whole oversized
// block would commit memory nobody writes. Advice only: older kernels ignore
// it.
void prefault(uint8_t* data, size_t bytes);

}  // namespace ffstream::detail
