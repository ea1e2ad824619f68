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

namespace ffstream::detail {

class StoragePool : public std::enable_shared_from_this<StoragePool> {
 public:
  // Blocks of `block_bytes`; at most `max_idle` are kept while unused.
  static std::shared_ptr<StoragePool> create(size_t block_bytes,
                                             size_t max_idle);

  Storage acquire();

 private:
  StoragePool(size_t block_bytes, size_t max_idle)
      : block_bytes_(block_bytes), max_idle_(max_idle) {}

  size_t block_bytes_;
  size_t max_idle_;
  std::mutex mutex_;
  std::vector<Storage> idle_;  // plain storages, owned while idle
};

}  // namespace ffstream::detail
