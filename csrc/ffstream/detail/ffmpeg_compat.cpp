#include "ffstream/detail/ffmpeg_compat.h"

#include <cstring>

namespace ffstream::detail {

bool is_supported_avutil(unsigned version) {
  return version >= kOldestAvutil &&
         static_cast<int>(AV_VERSION_MAJOR(version)) <= kNewestAvutilMajor;
}

bool is_end_of_input(AVFormatContext* format, int code, bool error_logged) {
  if (code == AVERROR_EOF) return true;
  if (code != AVERROR(EIO) || error_logged || format == nullptr ||
      format->pb == nullptr || format->url == nullptr) {
    return false;
  }
  const char* protocol = avio_find_protocol_name(format->url);
  if (protocol == nullptr ||
      (std::strcmp(protocol, "http") != 0 && std::strcmp(protocol, "https") != 0)) {
    return false;
  }
  // The http protocol answers a size query with ENOSYS when the response
  // named none (chunked transfer, or a live server that closes at the end).
  return avio_size(format->pb) < 0;
}

}  // namespace ffstream::detail
