// SeekCursor: one output's side of the seek machine (see seek.h). After a
// seek it answers, for every frame that reaches the output, whether to drop
// it, keep all of it, or keep it from a sample on; and it notes what tells
// the reader to seek again. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>

namespace ffstream::detail {

class SeekCursor {
 public:
  // Times within this many seconds count as equal (pts rounded by
  // containers and filters).
  static constexpr double kPtsTolerance = 1e-6;

  // What a try at a seek asks of the output. All empty: keep every frame.
  struct Start {
    // Precise seek: frames (audio: samples) before this time are dropped.
    std::optional<double> drop_before;
    // The first frame must start by this time; a later one means that the
    // demuxer landed late, and frames are dropped until the next try.
    std::optional<double> land_by;
    // A retried key seek: write nothing and note the last key frame at or
    // before this time, until a later frame (or the end) settles which.
    std::optional<double> probe_key_at_or_before;
  };

  // A fresh try: what was delivered before is forgotten.
  void begin(const Start& start);
  // Another try at the same seek. An output that delivered frames goes on
  // after them, so that nothing is lost or repeated; one that delivered
  // nothing begins anew.
  void resume(const Start& start);
  // After a probe: deliver from the key frame it found, or (an output that
  // did not probe) go on after what was delivered.
  void replay();

  struct Verdict {
    bool keep = true;
    int64_t first = 0;  // audio: the first sample kept
  };
  // For a frame of `count` samples (video: 1) at `pts` seconds, `rate`
  // samples a second (video: 0).
  Verdict judge(double pts, bool key_frame, double rate, int64_t count);
  // What was written of the frame judged last: from `pts` on, the next
  // sample (or frame) due at `next_pts`.
  void note_written(double pts, double next_pts);
  // The end of the stream: a probe has seen every frame there is.
  void end_of_stream();

  // Whether frames were written since the last begin().
  bool has_delivered() const { return delivered_; }
  bool overshot() const { return overshot_; }
  bool awaiting_first() const { return start_.land_by.has_value(); }
  bool probing() const { return probe_ && !probe_->done; }
  bool probe_done() const { return probe_ && probe_->done; }
  // Nothing may be popped while a probe runs: what comes is not delivered.
  bool holding() const { return probe_.has_value(); }
  // The time before which frames are still being dropped, if any.
  std::optional<double> dropping_before() const { return start_.drop_before; }
  // Frames dropped since the last reset_count() (the reader calls it when
  // a seek begins).
  int64_t frames_dropped() const { return dropped_; }
  void reset_count() { dropped_ = 0; }

 private:
  struct Probe {
    // A constructor rather than member initializers: clang 14 (the fuzz
    // build) cannot construct a nested struct with them inside optional.
    explicit Probe(double aim) : key_at_or_before(aim) {}
    double key_at_or_before;
    std::optional<double> key;  // pts of the last key frame seen so far
    bool done = false;
  };

  Start start_;
  bool overshot_ = false;
  std::optional<Probe> probe_;
  // What was delivered since the last begin(): where the next frame is due
  // (audio) and the last frame's own pts (video).
  bool delivered_ = false;
  double last_pts_ = 0;
  double next_pts_ = 0;
  bool audio_ = false;
  int64_t dropped_ = 0;
};

}  // namespace ffstream::detail
