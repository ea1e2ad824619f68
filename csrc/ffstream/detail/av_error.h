// FFmpeg error codes -> ffstream::Error with the failing call and context.
#pragma once

#include <string>

namespace ffstream::detail {

// FFmpeg's text for an error code (av_err2str does not compile in C++).
std::string av_err2string(int code);

// av_err2string plus, when FFmpeg logged one, its more precise reason.
std::string av_error_reason(int code);

// Throws an Error whose message is "<call> failed for <context>: <reason>"
// and whose kind follows from the code (ENOENT -> kNotFound, ...).
[[noreturn]] void throw_av_error(int code, const std::string& call,
                                 const std::string& context);

// Returns `code` when it is not negative; throws otherwise.
inline int check_av(int code, const char* call, const std::string& context) {
  if (code < 0) throw_av_error(code, call, context);
  return code;
}

}  // namespace ffstream::detail
