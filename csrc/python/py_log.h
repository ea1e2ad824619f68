// FFmpeg's log lines into Python's logging, logger "ffstream.ffmpeg".
//
// FFmpeg logs from any thread (decoder and filter threads included), while
// the calling thread has released the GIL and may be waiting on those very
// threads: taking the GIL there could deadlock. So the core's log handler
// never touches Python: it queues each line (bounded), and the queue is
// delivered to logging by a thread that holds the GIL, right after every
// binding call into the core (Guarded::call) and on request
// (ffstream.utils.flush_ffmpeg_log).
#pragma once

namespace ffstream::python {

// Routes FFmpeg's lines to the queue instead of FFmpeg's printer. Once, at
// import.
void install_log_forwarding();
// Hands the queued lines to logging. GIL held; never throws.
void deliver_log();

// Delivers when it goes out of scope: declared before a gil_scoped_release,
// it runs once the GIL is back, whether the call returned or threw.
struct DeliverLogAfter {
  ~DeliverLogAfter() { deliver_log(); }
};

}  // namespace ffstream::python
