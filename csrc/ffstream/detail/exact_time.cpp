#include "ffstream/detail/exact_time.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>

namespace ffstream::detail {

namespace {

// a * b, unless it overflows int64.
bool multiply(int64_t a, int64_t b, int64_t* out) {
#if defined(__GNUC__) || defined(__clang__)
  return !__builtin_mul_overflow(a, b, out);
#else
  const long double p = static_cast<long double>(a) * b;
  if (std::fabs(p) >= 9.2e18L) return false;
  *out = a * b;
  return true;
#endif
}

bool add(int64_t a, int64_t b, int64_t* out) {
#if defined(__GNUC__) || defined(__clang__)
  return !__builtin_add_overflow(a, b, out);
#else
  if ((b > 0 && a > std::numeric_limits<int64_t>::max() - b) ||
      (b < 0 && a < std::numeric_limits<int64_t>::min() - b)) {
    return false;
  }
  *out = a + b;
  return true;
#endif
}

using Wide = __int128;

// floor(a / b) and ceil(a / b) for b > 0.
Wide floor_div(Wide a, Wide b) { return a / b - ((a % b != 0) && (a < 0)); }
Wide ceil_div(Wide a, Wide b) { return a / b + ((a % b != 0) && (a > 0)); }

int64_t clamp_to_int64(Wide v) {
  constexpr Wide lo = std::numeric_limits<int64_t>::min();
  constexpr Wide hi = std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(v < lo ? lo : (v > hi ? hi : v));
}

int64_t clamp_to_int64(double v) {
  if (!(v > -9.2e18)) return std::numeric_limits<int64_t>::min();
  if (!(v < 9.2e18)) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(v);
}

}  // namespace

ExactTime ExactTime::from_ticks(int64_t ticks, AVRational time_base) {
  ExactTime t;
  if (time_base.num <= 0 || time_base.den <= 0) {
    t.den_ = 0;  // no time base: no time (0 s), as a double
    return t;
  }
  if (!multiply(ticks, time_base.num, &t.num_)) {
    t.den_ = 0;
    t.approx_ = static_cast<double>(ticks) * time_base.num / time_base.den;
    return t;
  }
  t.den_ = time_base.den;
  return t;
}

ExactTime ExactTime::plus(int64_t count, AVRational step) const {
  if (count == 0 || step.num == 0) return *this;
  ExactTime t;
  // num/den + count * s.num / s.den = (num * s.den + count * s.num * den)
  //                                    / (den * s.den)
  int64_t a = 0, b = 0, c = 0, num = 0, den = 0;
  if (den_ > 0 && step.den > 0 && multiply(num_, step.den, &a) &&
      multiply(count, step.num, &b) && multiply(b, den_, &c) &&
      add(a, c, &num) && multiply(den_, step.den, &den)) {
    const int64_t g = std::gcd(num, den);
    t.num_ = num / g;
    t.den_ = den / g;
    return t;
  }
  t.den_ = 0;
  t.approx_ = seconds() + static_cast<double>(count) * step.num / step.den;
  return t;
}

int64_t to_av_time(double seconds) {
  return static_cast<int64_t>(std::llround(seconds * AV_TIME_BASE));
}

int64_t us_to_ticks(int64_t us, AVRational time_base) {
  return av_rescale(us, time_base.den, AV_TIME_BASE * int64_t{time_base.num});
}

int64_t ExactTime::window_index(AVRational window) const {
  if (den_ > 0) {
    // (num / den) / (w.num / w.den); every factor fits 64 bits, a product
    // of two fits 128.
    return clamp_to_int64(floor_div(Wide{num_} * window.den, Wide{den_} * window.num));
  }
  return clamp_to_int64(std::floor(approx_ * window.den / window.num));
}

int64_t ExactTime::steps_to(const ExactTime& end, AVRational step) const {
  if (den_ > 0 && end.den_ > 0) {
    // (end - this) / step = (e.num * den - num * e.den) * s.den
    //                       / (e.den * den * s.num), in 128 bits while the
    // magnitudes allow (times of a stream are far below the limits).
    const Wide gap = Wide{end.num_} * den_ - Wide{num_} * end.den_;
    const Wide unit = Wide{end.den_} * den_;
    constexpr Wide kLimit = Wide{1} << 94;
    if (gap < kLimit && gap > -kLimit && unit < kLimit) {
      const Wide n = ceil_div(gap * step.den, unit * step.num);
      return n > 0 ? clamp_to_int64(n) : 0;
    }
  }
  const double n = std::ceil((end.seconds() - seconds()) * step.den / step.num);
  return n > 0 ? clamp_to_int64(n) : 0;
}

double ExactTime::seconds() const {
  return den_ > 0 ? static_cast<double>(num_) / static_cast<double>(den_)
                  : approx_;
}

}  // namespace ffstream::detail
