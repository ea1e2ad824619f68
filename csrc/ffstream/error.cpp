#include "ffstream/error.h"

namespace ffstream {

Error::Error(ErrorKind kind, const std::string& message, int av_code)
    : std::runtime_error(message), kind_(kind), av_code_(av_code) {}

}  // namespace ffstream
