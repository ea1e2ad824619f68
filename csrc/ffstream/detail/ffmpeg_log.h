// Keeps the last error FFmpeg logged on the calling thread, so that an
// exception can carry FFmpeg's own explanation ("Picture size 100000x100000
// is invalid") while FFmpeg's log output itself stays silenced.
//
// install_log_capture() replaces FFmpeg's log callback once per process with
// one that records errors and then forwards everything to FFmpeg's default
// callback (so av_log_set_level still decides what is printed).
#pragma once

#include <string>

namespace ffstream::detail {

void install_log_capture();
// Forgets what was recorded on this thread (start of an operation).
void clear_last_log();
// The last error-level message recorded on this thread, or "".
std::string last_log();

}  // namespace ffstream::detail
