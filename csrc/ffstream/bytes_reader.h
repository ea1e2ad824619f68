// Reader over an in-memory span. Does not copy: the caller keeps the memory
// alive and unchanged for the lifetime of the reader.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ffstream/reader.h"

namespace ffstream {

class BytesReader : public Reader {
 public:
  BytesReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  int64_t read(uint8_t* buf, int64_t size) override;
  bool seekable() const override { return true; }
  int64_t seek(int64_t offset, int whence) override;
  int64_t size() override { return static_cast<int64_t>(size_); }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
};

}  // namespace ffstream
