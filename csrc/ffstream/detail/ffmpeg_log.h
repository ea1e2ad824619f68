// Keeps the last error FFmpeg logged on the calling thread, so that an
// exception can carry FFmpeg's own explanation ("Picture size 100000x100000
// is invalid") while FFmpeg's log output itself stays silenced.
//
// install_log_capture() replaces FFmpeg's log callback once per process with
// one that records errors and then forwards everything to FFmpeg's default
// callback (so av_log_set_level still decides what is printed).
#pragma once

#include <cstdint>
#include <string>

namespace ffstream::detail {

void install_log_capture();
// Forgets what was recorded on this thread (start of an operation).
void clear_last_log();
// The last error-level message recorded on this thread, or "".
std::string last_log();
// How many error-level messages protocols (a URLContext: file, http, tcp,
// ...) have logged on this thread so far.
uint64_t protocol_errors_logged();

}  // namespace ffstream::detail
