// RetryPolicy: how long reading may wait for a source that has no data yet
// (a live device, or a custom reader returning kNoDataYet), as set by
// process_packet(timeout, backoff).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace ffstream::detail {

struct RetryPolicy {
  using Clock = std::chrono::steady_clock;

  bool enabled = false;  // false: fail at once when there is no data
  std::optional<Clock::time_point> deadline;  // empty: retry forever
  std::chrono::duration<double, std::milli> backoff{10.0};

  // process_packet's arguments: no timeout fails at once, a negative one
  // waits forever. Throws kInvalidArgument for NaN or a bad backoff.
  static RetryPolicy from(std::optional<double> timeout_ms, double backoff_ms);

  bool expired() const { return deadline && Clock::now() >= *deadline; }

  // The one wait for data that is not there yet, used by every reading
  // loop: throws when no waiting was asked for or the deadline passed
  // (`what` names the source), else sleeps one backoff.
  void wait_or_throw(const std::string& what) const;

  // Sleeps for the backoff, but not past the deadline.
  void wait() const {
    auto pause = std::chrono::duration_cast<Clock::duration>(backoff);
    if (deadline) pause = std::min(pause, *deadline - Clock::now());
    if (pause > Clock::duration::zero()) std::this_thread::sleep_for(pause);
  }
};

// Raised by StreamReader::interrupt() from any thread; read by FFmpeg's
// interrupt callback and by the retry loops.
using InterruptFlag = std::shared_ptr<std::atomic<bool>>;

}  // namespace ffstream::detail
