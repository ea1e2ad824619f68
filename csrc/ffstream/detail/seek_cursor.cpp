#include "ffstream/detail/seek_cursor.h"

#include <algorithm>
#include <cmath>

namespace ffstream::detail {

void SeekCursor::begin(const Start& start) {
  start_ = start;
  overshot_ = false;
  delivered_ = false;
  probe_.reset();
  if (start.probe_key_at_or_before) {
    probe_.emplace(*start.probe_key_at_or_before);
    start_.probe_key_at_or_before.reset();
  }
}

void SeekCursor::resume(const Start& start) {
  if (!delivered_) {
    begin(start);
    return;
  }
  // Audio goes on at the next sample. Video goes on after the last frame's
  // own pts: the next frame's may come sooner than one frame period (pts
  // rounded to milliseconds, variable frame rates).
  start_ = Start{};
  start_.drop_before = audio_ ? next_pts_ : last_pts_ + 2 * kPtsTolerance;
  overshot_ = false;
  probe_.reset();
}

void SeekCursor::replay() {
  if (probe_ && probe_->key) {
    // Deliver from the key frame found, as a precise seek to it would.
    Start start;
    start.drop_before = *probe_->key;
    begin(start);
    return;
  }
  resume(Start{});
}

SeekCursor::Verdict SeekCursor::judge(double pts, bool key_frame, double rate,
                                      int64_t count) {
  audio_ = rate > 0;
  Verdict drop{false, count};
  // 1. Only the first frame after a try tells whether it landed late.
  if (start_.land_by) {
    overshot_ = pts > *start_.land_by + kPtsTolerance;
    start_.land_by.reset();
  }
  if (overshot_) {
    ++dropped_;
    return drop;
  }
  // 2. A probe writes nothing; the first frame after its aim settles it
  // (a first frame already after the aim is the best there is).
  if (probe_) {
    if (!probe_->done) {
      if (pts <= probe_->key_at_or_before + kPtsTolerance) {
        if (key_frame || !probe_->key) probe_->key = pts;
      } else {
        if (!probe_->key) probe_->key = pts;
        probe_->done = true;
      }
    }
    ++dropped_;
    return drop;
  }
  // 3. A precise seek drops what comes before its target: whole video
  // frames, and audio sample by sample.
  if (start_.drop_before) {
    const double target = *start_.drop_before;
    int64_t first = 0;
    if (audio_) {
      first = static_cast<int64_t>(
          std::ceil((target - pts) * rate - kPtsTolerance * rate));
      first = std::max<int64_t>(first, 0);
    } else if (pts < target - kPtsTolerance) {
      first = count;
    }
    if (first >= count) {
      ++dropped_;
      return drop;
    }
    start_.drop_before.reset();
    return Verdict{true, first};
  }
  return Verdict{};
}

void SeekCursor::note_written(double pts, double next_pts) {
  delivered_ = true;
  last_pts_ = pts;
  next_pts_ = next_pts;
}

void SeekCursor::end_of_stream() {
  if (probe_) probe_->done = true;
}

}  // namespace ffstream::detail
