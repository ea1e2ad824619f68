#include "ffstream/reader.h"

#include "ffstream/error.h"

namespace ffstream {

int64_t Reader::seek(int64_t, int) {
  throw Error(ErrorKind::kInvalidArgument, "this reader does not support seek");
}

}  // namespace ffstream
