#include "ffstream/detail/av_error.h"

#include <cerrno>

#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/ffmpeg_log.h"
#include "ffstream/error.h"

namespace ffstream::detail {

std::string av_err2string(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof(buf));
  return buf;
}

std::string av_error_reason(int code) {
  // FFmpeg often logs the precise reason and returns a generic code.
  std::string reason = av_err2string(code);
  const std::string detail = last_log();
  if (!detail.empty()) reason += " (FFmpeg: " + detail + ")";
  return reason;
}

namespace {

ErrorKind kind_of(int code) {
  switch (code) {
    case AVERROR(ENOENT):
      return ErrorKind::kNotFound;
    case AVERROR(EINVAL):
    case AVERROR(EISDIR):
    case AVERROR(ERANGE):
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
    case AVERROR(ECONNREFUSED):
    case AVERROR(ECONNRESET):
    case AVERROR(EPIPE):
    case AVERROR(EHOSTUNREACH):
    case AVERROR(ENETUNREACH):
      return ErrorKind::kConnection;
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
              call + " failed for " + context + ": " + av_error_reason(code),
              code);
}

}  // namespace ffstream::detail
