// Keeps the last error FFmpeg logged on the calling thread, so that an
// exception can carry FFmpeg's own explanation ("Picture size 100000x100000
// is invalid") while FFmpeg's log output itself stays silenced.
//
// install_log_capture() replaces FFmpeg's log callback once per process with
// one that records errors and then hands every message at or under
// av_log_get_level() to the handler set_log_handler() installed (whole
// lines), or to FFmpeg's default callback when there is none.
#pragma once

#include <cstdint>
#include <string>

#include "ffstream/utils.h"

namespace ffstream::detail {

void install_log_capture();
// Forgets what was recorded on this thread (start of an operation).
void clear_last_log();
// The last error-level message recorded on this thread, or "".
std::string last_log();
// How many error-level messages protocols (a URLContext: file, http, tcp,
// ...) have logged on this thread so far.
uint64_t protocol_errors_logged();
// See ffstream::set_log_handler.
void set_log_handler(LogHandler handler);

}  // namespace ffstream::detail
