#include "ffstream/bytes_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "ffstream/error.h"

namespace ffstream {

int64_t BytesReader::read(uint8_t* buf, int64_t size) {
  if (size <= 0 || position_ >= size_) return 0;
  size_t n = std::min(static_cast<size_t>(size), size_ - position_);
  std::memcpy(buf, data_ + position_, n);
  position_ += n;
  return static_cast<int64_t>(n);
}

int64_t BytesReader::seek(int64_t offset, int whence) {
  int64_t base = 0;
  switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = static_cast<int64_t>(position_); break;
    case SEEK_END: base = static_cast<int64_t>(size_); break;
    default:
      throw Error(ErrorKind::kInvalidArgument,
                  "seek: unknown whence " + std::to_string(whence));
  }
  int64_t target = base + offset;
  if (target < 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "seek: position " + std::to_string(target) + " is negative");
  }
  position_ = static_cast<size_t>(target);
  return target;
}

}  // namespace ffstream
