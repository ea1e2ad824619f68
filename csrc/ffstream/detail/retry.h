// RetryPolicy: how long reading may wait for a source that has no data yet
// (a live device, or a custom reader returning kNoDataYet), as set by
// process_packet(timeout, backoff).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

namespace ffstream::detail {

struct RetryPolicy {
  using Clock = std::chrono::steady_clock;

  bool enabled = false;  // false: fail at once when there is no data
  std::optional<Clock::time_point> deadline;  // empty: retry forever
  std::chrono::duration<double, std::milli> backoff{10.0};

  bool expired() const { return deadline && Clock::now() >= *deadline; }
};

// Raised by StreamReader::interrupt() from any thread; read by FFmpeg's
// interrupt callback and by the retry loops.
using InterruptFlag = std::shared_ptr<std::atomic<bool>>;

}  // namespace ffstream::detail
