// StoragePool: chunk blocks are used again once released, never while held,
// and outlive their pool for the next pool of the same block size.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <vector>

#include "ffstream/detail/storage_pool.h"

namespace ffstream::detail {
namespace {

// A size no other test uses, so retired blocks of other tests do not mix in.
constexpr size_t kBlock = 3 * 4096 + 17;

TEST(StoragePool, ReleasedBlockIsUsedAgainAndHeldOnesAreNot) {
  auto pool = StoragePool::create(kBlock, 2);
  bool fresh = false;
  Storage a = pool->acquire(&fresh);
  uint8_t* first = a.get();
  std::memset(first, 7, kBlock);
  Storage b = pool->acquire(&fresh);
  EXPECT_NE(b.get(), first);
  a.reset();
  Storage c = pool->acquire(&fresh);
  EXPECT_FALSE(fresh);
  EXPECT_EQ(c.get(), first);
  // b is still held: a new block, not b's.
  Storage d = pool->acquire(&fresh);
  EXPECT_NE(d.get(), b.get());
  EXPECT_NE(d.get(), c.get());
}

TEST(StoragePool, CopiesOfAStorageKeepTheBlock) {
  auto pool = StoragePool::create(kBlock + 1, 2);
  Storage a = pool->acquire();
  Storage view = a;  // what a chunk handed to Python holds
  uint8_t* held = a.get();
  a.reset();
  Storage b = pool->acquire();
  EXPECT_NE(b.get(), held);
}

TEST(StoragePool, BlocksOutliveThePoolForTheNextOfTheirSize) {
  std::set<uint8_t*> first_blocks;
  {
    auto pool = StoragePool::create(kBlock + 2, 4);
    std::vector<Storage> held{pool->acquire(), pool->acquire()};
    for (const Storage& s : held) first_blocks.insert(s.get());
  }  // the pool goes first, then its blocks: both are retired
  auto other_size = StoragePool::create(kBlock + 3, 4);
  bool fresh = false;
  EXPECT_EQ(first_blocks.count(other_size->acquire(&fresh).get()), 0u);
  EXPECT_TRUE(fresh);
  auto next = StoragePool::create(kBlock + 2, 4);
  Storage a = next->acquire(&fresh);
  EXPECT_FALSE(fresh);
  Storage b = next->acquire(&fresh);
  EXPECT_FALSE(fresh);
  EXPECT_EQ(first_blocks, (std::set<uint8_t*>{a.get(), b.get()}));
  Storage c = next->acquire(&fresh);
  EXPECT_TRUE(fresh);
}

TEST(StoragePool, RetiredBytesAreBounded) {
  // Blocks past the bound are freed, not kept: two bound-sized blocks
  // retired leave one for the next pool.
  constexpr size_t kHuge = StoragePool::kRetainedBytes / 2 + 4096;
  {
    auto pool = StoragePool::create(kHuge, 0);
    Storage a = pool->acquire();
    Storage b = pool->acquire();
  }
  auto next = StoragePool::create(kHuge, 0);
  bool fresh = false;
  Storage a = next->acquire(&fresh);
  EXPECT_FALSE(fresh);
  Storage b = next->acquire(&fresh);
  EXPECT_TRUE(fresh);
}

}  // namespace
}  // namespace ffstream::detail
