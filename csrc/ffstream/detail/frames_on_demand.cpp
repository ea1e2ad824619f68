#include "ffstream/detail/frames_on_demand.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

#include "ffstream/detail/seek_cursor.h"
#include "ffstream/error.h"

namespace ffstream::detail {

namespace {

constexpr double kTolerance = SeekCursor::kPtsTolerance;

// Whether `target` (seconds) can be reached by decoding on from where `out`
// is, without a seek: it is buffered, or still to come with no key frame
// before it that a seek could start from.
bool reachable(const OutputStream& out, const FrameIndex& index, double target,
               bool at_end) {
  if (auto oldest = out.oldest_pts()) {
    if (target >= *oldest - kTolerance) return true;
  }
  const auto seen = out.last_seen_pts();
  if (!seen || at_end || target <= *seen + kTolerance) return false;
  return !index.key_frame_between(*seen + kTolerance, target);
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", s);
  return buf;
}

}  // namespace

Chunk frames_on_demand(OutputStream& out, const FrameIndex& index,
                       const std::vector<int64_t>& indices,
                       ReaderSteps& reader, const std::string& context) {
  if (out.cuda_device()) {
    throw Error(ErrorKind::kNotImplemented,
                "frames on demand (get_frames_at) from a hw_accel output of " + context +
                    " are not supported yet; stream its chunks, or decode on the CPU");
  }
  std::vector<int64_t> targets(indices);
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());

  if (index.decoded()) out.never_skip();
  std::map<int64_t, Chunk> taken;  // index -> its one-frame chunk
  // The frame waited for is not dropped by buffer_chunk_size meanwhile.
  struct KeepAll {
    OutputStream& out;
    explicit KeepAll(OutputStream& o) : out(o) { out.set_dropping(false); }
    ~KeepAll() { out.set_dropping(true); }
  } keep_all(out);
  for (int64_t i : targets) {
    const double target = index.seconds(i);
    auto decode_to_target = [&] {
      while (!out.oldest_pts() && reader.process_packet()) {
      }
      const auto got = out.oldest_pts();
      return got && std::fabs(*got - target) <= kTolerance * 100 ? got : std::nullopt;
    };
    if (reachable(out, index, target, reader.at_end())) {
      reader.skip_to(target);
    } else {
      reader.seek_precise(target);
    }
    auto got = decode_to_target();
    if (!got) {
      // Frames without pts (AVI's B-frames) are given the time where the
      // frame before ends, which a seek can change. Decoding from the start
      // gives each the time a decode of the whole stream gives it.
      reader.seek_precise(0);
      reader.skip_to(target);
      got = decode_to_target();
    }
    if (!got) {
      got = out.oldest_pts();
      throw Error(ErrorKind::kInvalidData,
                  "frame " + std::to_string(i) + " of " + context +
                      " should be at " + seconds_text(target) + " s, but " +
                      (got ? "the decoder gave a frame at " + seconds_text(*got) + " s"
                           : std::string("no frame came")) +
                      " (the frame index and the decoded stream disagree)");
    }
    taken.emplace(i, *out.pop_frames(1));
  }

  // The frames in the order asked, repeats copied from the one decode.
  if (taken.empty()) return out.empty_chunk();
  Chunk result;
  const Chunk& first = taken.begin()->second;
  const size_t frame_bytes =
      static_cast<size_t>(first.strides[0]) * dtype_size(first.dtype);
  const int64_t n = static_cast<int64_t>(indices.size());
  result.storage = allocate_storage(std::max<size_t>(frame_bytes * n, 1));
  result.data = result.storage.get();
  result.dtype = first.dtype;
  result.shape = first.shape;
  result.shape[0] = n;
  result.strides = first.strides;
  result.has_frame_times = true;
  for (int64_t k = 0; k < n; ++k) {
    const Chunk& frame = taken.at(indices[k]);
    std::memcpy(result.data + k * frame_bytes, frame.data, frame_bytes);
    result.frame_pts.push_back(frame.pts);
    result.frame_duration.push_back(frame.frame_duration.at(0));
  }
  result.pts = result.frame_pts.front();
  return result;
}

}  // namespace ffstream::detail
