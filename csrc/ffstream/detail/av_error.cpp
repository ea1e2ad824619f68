#include "ffstream/detail/av_error.h"

#include <cerrno>

#include "ffstream/detail/ffmpeg.h"
#include "ffstream/error.h"

namespace ffstream::detail {

std::string av_err2string(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof(buf));
  return buf;
}

namespace {

ErrorKind kind_of(int code) {
  switch (code) {
    case AVERROR(ENOENT):
      return ErrorKind::kNotFound;
    case AVERROR(EINVAL):
    case AVERROR(EISDIR):
    case AVERROR_OPTION_NOT_FOUND:
    case AVERROR_DEMUXER_NOT_FOUND:
    case AVERROR_DECODER_NOT_FOUND:
    case AVERROR_FILTER_NOT_FOUND:
    case AVERROR_PROTOCOL_NOT_FOUND:
    case AVERROR_STREAM_NOT_FOUND:
      return ErrorKind::kInvalidArgument;
    case AVERROR_INVALIDDATA:
      return ErrorKind::kInvalidData;
    case AVERROR(ETIMEDOUT):
    case AVERROR_EXIT:
      return ErrorKind::kTimeout;
    case AVERROR(ENOSYS):
    case AVERROR_PATCHWELCOME:
      return ErrorKind::kNotImplemented;
    default:
      return ErrorKind::kGeneric;
  }
}

}  // namespace

void throw_av_error(int code, const std::string& call,
                    const std::string& context) {
  throw Error(kind_of(code),
              call + " failed for " + context + ": " + av_err2string(code),
              code);
}

}  // namespace ffstream::detail
