#include "ffstream/detail/retry.h"

#include <cmath>

#include "ffstream/error.h"

namespace ffstream::detail {

RetryPolicy RetryPolicy::from(std::optional<double> timeout_ms,
                              double backoff_ms) {
  if ((timeout_ms && std::isnan(*timeout_ms)) || !(backoff_ms >= 0) ||
      !std::isfinite(backoff_ms)) {
    throw Error(ErrorKind::kInvalidArgument,
                "timeout must be a number of milliseconds (or None) and "
                "backoff a finite number >= 0");
  }
  // Beyond a year, a timeout is as good as none (and would overflow).
  constexpr double kForeverMs = 365.0 * 24 * 3600 * 1000;
  RetryPolicy retry;
  retry.enabled = timeout_ms.has_value();
  retry.backoff = std::chrono::duration<double, std::milli>(
      std::min(backoff_ms, kForeverMs));
  if (timeout_ms && *timeout_ms >= 0 && *timeout_ms < kForeverMs) {
    retry.deadline = Clock::now() +
                     std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double, std::milli>(*timeout_ms));
  }
  return retry;
}

void RetryPolicy::wait_or_throw(const std::string& what) const {
  if (!enabled) {
    throw Error(ErrorKind::kGeneric,
                what + " has no data available right now (EAGAIN); pass "
                       "timeout= to process_packet to wait for it");
  }
  if (expired()) {
    throw Error(ErrorKind::kTimeout,
                what + " produced no data before the timeout");
  }
  wait();
}

}  // namespace ffstream::detail
