// The one exception type the core throws. Its kind says which builtin
// exception a binding should map it to; its message already carries the
// failing call, FFmpeg's reason and the context (source, stream, filter).
#pragma once

#include <stdexcept>
#include <string>

namespace ffstream {

enum class ErrorKind {
  kGeneric,          // anything else (RuntimeError)
  kNotFound,         // a path or resource that does not exist
  kInvalidArgument,  // a bad argument from the caller
  kIndexOutOfRange,  // a stream or output index outside the valid range
  kInvalidData,      // input that is not decodable media
  kTimeout,          // a retry or I/O deadline passed
  kNotImplemented,   // a feature that ffstream does not provide yet
  kClosed,           // use of a reader after close()
  kInterrupted,      // StreamReader::interrupt() stopped a blocking call
  kConnection,       // a network source refused, reset or unreachable
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message, int av_code = 0);

  ErrorKind kind() const noexcept { return kind_; }
  // FFmpeg's error code when the error came from FFmpeg, 0 otherwise.
  int av_code() const noexcept { return av_code_; }

 private:
  ErrorKind kind_;
  int av_code_;
};

}  // namespace ffstream
