// ExactTime: a time in seconds kept as a fraction of two integers until it
// leaves the core.
//
// torchaudio turned a pts into seconds as double(pts) * time_base.num /
// time_base.den, which rounds once, and code written for it compares chunk
// pts with ==: three frames of 1001/30000 s are exactly 3 * 1001 / 30000.
// Multiplying by av_q2d(time_base) rounds twice and can be one ulp off. So
// pts stay fractions (a frame's ticks, plus samples into the frame) and are
// divided once, in seconds(). Where a fraction would overflow, the value
// goes on as a plain double.
#pragma once

#include <cstdint>

#include "ffstream/detail/ffmpeg.h"

namespace ffstream::detail {

class ExactTime {
 public:
  ExactTime() = default;
  // `ticks` units of `time_base` (num > 0, den > 0).
  static ExactTime from_ticks(int64_t ticks, AVRational time_base);
  // This time plus `count` steps of `step` seconds (step may be 0/1).
  ExactTime plus(int64_t count, AVRational step) const;
  double seconds() const;
  // floor(this / window): which window of `window` seconds (num > 0,
  // den > 0) this time falls in, window 0 starting at 0 s.
  int64_t window_index(AVRational window) const;
  // The fewest steps of `step` seconds (num > 0, den > 0) that take this
  // time to `end` or past it; 0 if it is there already.
  int64_t steps_to(const ExactTime& end, AVRational step) const;

 private:
  // num_ / den_ seconds while den_ > 0; approx_ once a fraction overflowed.
  int64_t num_ = 0;
  int64_t den_ = 1;
  double approx_ = 0;
};

// Seconds as FFmpeg's AV_TIME_BASE units (microseconds), rounded.
int64_t to_av_time(double seconds);
// `us` microseconds in ticks of `time_base`, rounded to the nearest tick as
// av_seek_frame rounds (num > 0, den > 0).
int64_t us_to_ticks(int64_t us, AVRational time_base);

}  // namespace ffstream::detail
