#include "ffstream/detail/frame_index.h"

#include <algorithm>

#include "ffstream/detail/decoder.h"
#include "ffstream/detail/exact_time.h"
#include "ffstream/detail/stream_info.h"
#include "ffstream/error.h"

namespace ffstream::detail {

FrameIndex FrameIndex::build(Source& source, int stream_index,
                             const std::string& context) {
  const AVStream* stream = source.get()->streams[stream_index];
  FrameIndex index(stream->time_base, stream_frame_rate(stream));
  if (!index.read_packets(source, stream_index)) {
    index.decode_packets(source, stream, context);
  }
  std::stable_sort(index.frames_.begin(), index.frames_.end(),
                   [](const Frame& a, const Frame& b) { return a.pts < b.pts; });
  for (int64_t i = 0; i < index.size(); ++i) {
    if (index.frames_[i].key) index.key_seconds_.push_back(index.seconds(i));
  }
  return index;
}

bool FrameIndex::read_packets(Source& source, int stream_index) {
  source.seek_to_start(0);
  PacketPtr packet = make_packet();
  bool first = true;
  while (source.read_packet(packet.get(), RetryPolicy{}) == 0) {
    PacketUnrefGuard guard(packet.get());
    if (packet->stream_index != stream_index) continue;
    // A stream cut mid-GOP (a TS recording joined late) starts with packets
    // that refer to frames it lacks: the decoder drops what it cannot
    // rebuild, and only decoding tells how much that is.
    if (first && (packet->flags & AV_PKT_FLAG_KEY) == 0) return false;
    first = false;
    // Empty packets (AVI's dropped frames) make no frame, nor do packets the
    // demuxer flags for discarding: MP4 edit lists keep the samples before
    // the edit's start (the key frame and references the first shown frames
    // need) and flag them, and libavcodec decodes them but drops their
    // frames, so they are not frames of the stream.
    if (packet->size == 0 || (packet->flags & AV_PKT_FLAG_DISCARD) != 0) {
      continue;
    }
    // Without pts, the packets do not say the presentation order.
    if (packet->pts == AV_NOPTS_VALUE) return false;
    frames_.push_back({packet->pts, packet->duration,
                       (packet->flags & AV_PKT_FLAG_KEY) != 0});
  }
  return true;
}

void FrameIndex::decode_packets(Source& source, const AVStream* stream,
                                const std::string& context) {
  frames_.clear();
  decoded_ = true;
  Decoder decoder(stream, std::nullopt, OptionMap{}, context);
  // A frame without even a best-effort pts gets what an output gives it:
  // where the previous frame ends (the first one: 0).
  const int64_t period =
      frame_rate_.num > 0 ? av_rescale_q(1, av_inv_q(frame_rate_), time_base_) : 0;
  auto record = [this, period](AVFrame* frame) {
    int64_t pts = frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) {
      pts = 0;
      if (!frames_.empty()) {
        const Frame& last = frames_.back();
        pts = last.pts + (last.duration > 0 ? last.duration : period);
      }
    }
    frames_.push_back({pts, frame_duration(frame), is_key_frame(frame)});
  };
  source.seek_to_start(0);
  PacketPtr packet = make_packet();
  while (source.read_packet(packet.get(), RetryPolicy{}) == 0) {
    PacketUnrefGuard guard(packet.get());
    if (packet->stream_index != stream->index) continue;
    try {
      decoder.decode(packet.get(), record);
    } catch (const Error&) {
      // A damaged packet gives no frame here, nor when decoding for real.
    }
  }
  decoder.decode(nullptr, record);
}

double FrameIndex::seconds(int64_t i) const {
  return ExactTime::from_ticks(frames_[i].pts, time_base_).seconds();
}

double FrameIndex::duration_seconds(int64_t i) const {
  if (frames_[i].duration > 0) {
    return ExactTime::from_ticks(frames_[i].duration, time_base_).seconds();
  }
  if (i + 1 < size()) return seconds(i + 1) - seconds(i);
  return frame_rate_.num > 0 ? av_q2d(av_inv_q(frame_rate_)) : 0.0;
}

double FrameIndex::end_seconds(int64_t i) const {
  if (i + 1 < size()) return seconds(i + 1);
  return seconds(i) + duration_seconds(i);
}

std::optional<int64_t> FrameIndex::played_at(double t) const {
  if (frames_.empty()) return std::nullopt;
  // The last frame whose pts is at or before t.
  auto it = std::upper_bound(
      frames_.begin(), frames_.end(), t, [this](double v, const Frame& f) {
        return v < ExactTime::from_ticks(f.pts, time_base_).seconds();
      });
  if (it == frames_.begin()) return std::nullopt;
  const int64_t i = (it - frames_.begin()) - 1;
  if (t >= end_seconds(i)) return std::nullopt;
  return i;
}

bool FrameIndex::key_frame_between(double after, double upto) const {
  auto it = std::upper_bound(key_seconds_.begin(), key_seconds_.end(), after);
  return it != key_seconds_.end() && *it <= upto;
}

}  // namespace ffstream::detail
