#include "ffstream/detail/decoded_stream.h"

#include <algorithm>

#include "ffstream/detail/exact_time.h"

namespace ffstream::detail {

DecodedStream::DecodedStream(const AVStream* stream,
                             std::unique_ptr<Decoder> decoder)
    : stream_(stream), decoder_(std::move(decoder)) {}

void DecodedStream::detach(const OutputStream* output) {
  outputs_.erase(std::remove(outputs_.begin(), outputs_.end(), output),
                 outputs_.end());
}

void DecodedStream::detach(const OutputGroup* group) {
  group_inputs_.erase(std::remove_if(group_inputs_.begin(), group_inputs_.end(),
                                     [group](const auto& in) { return in.first == group; }),
                      group_inputs_.end());
}

int64_t DecodedStream::decode(const AVPacket* packet) {
  if (packets_without_key_) {
    const int64_t ts = packet->dts != AV_NOPTS_VALUE ? packet->dts : packet->pts;
    const bool wanted = (packet->flags & AV_PKT_FLAG_KEY) != 0 &&
                        (!key_from_ || ts == AV_NOPTS_VALUE || ts >= *key_from_);
    if (!wanted && ++*packets_without_key_ <= kMaxPacketsWithoutKey) return 0;
    packets_without_key_.reset();
  }
  decoder_->set_skip_unreferenced(skippable(packet));
  return decode_into_outputs(packet);
}

int64_t DecodedStream::drain_decoder() { return decode_into_outputs(nullptr); }

void DecodedStream::end_filters() {
  for (OutputStream* out : outputs_) out->push(nullptr);
  for (auto& [group, input] : group_inputs_) group->push(input, nullptr);
}

int64_t DecodedStream::decode_into_outputs(const AVPacket* packet) {
  int64_t frames = 0;
  decoder_->decode(packet, [&](AVFrame* frame) {
    ++frames;
    for (OutputStream* out : outputs_) out->push(frame);
    for (auto& [group, input] : group_inputs_) group->push(input, frame);
  });
  return frames;
}

void DecodedStream::restart(bool mid_stream, bool show_damaged,
                            std::optional<int64_t> key_from) {
  decoder_->flush(mid_stream);
  decoder_->set_show_damaged(show_damaged);
  const bool video = decoder_->context()->codec_type == AVMEDIA_TYPE_VIDEO;
  packets_without_key_ =
      mid_stream && !show_damaged && video ? std::optional<int>(0) : std::nullopt;
  key_from_ = packets_without_key_ ? key_from : std::nullopt;
}

bool DecodedStream::skippable(const AVPacket* packet) const {
  // B-frames of H.264 and HEVC that no other frame refers to, shown before
  // a precise seek's target, would be dropped anyway: skipping them makes a
  // seek decode only what the target needs. Only while every output still
  // drops and filters each frame on its own.
  if (packet->pts == AV_NOPTS_VALUE) return false;
  // A group's graph may mix frames (split, overlay): it sees every one.
  if (!group_inputs_.empty()) return false;
  if (stream_->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) return false;
  std::optional<double> before;
  for (const OutputStream* out : outputs_) {
    auto t = out->skippable_before();
    if (!t) return false;
    before = before ? std::min(*before, *t) : *t;
  }
  return before &&
         ExactTime::from_ticks(packet->pts, stream_->time_base).seconds() < *before;
}

}  // namespace ffstream::detail
