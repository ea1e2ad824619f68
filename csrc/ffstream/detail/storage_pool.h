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
  // Blocks of `block_bytes` in `memory`; at most `max_idle` are kept while
  // unused.
  static std::shared_ptr<StoragePool> create(size_t block_bytes,
                                             size_t max_idle,
                                             ChunkMemory memory = {});

  // A block; `*fresh` (if given) says whether it was newly allocated, so
  // its pages are not mapped yet.
  Storage acquire(bool* fresh = nullptr);

 private:
  StoragePool(size_t block_bytes, size_t max_idle, ChunkMemory memory)
      : block_bytes_(block_bytes), max_idle_(max_idle), memory_(std::move(memory)) {}

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
