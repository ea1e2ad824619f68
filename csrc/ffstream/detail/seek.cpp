#include "ffstream/detail/seek.h"

#include <algorithm>
#include <limits>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/exact_time.h"

namespace ffstream::detail {

namespace {

// `us` microseconds rounded to the nearest tick of `time_base`, in seconds,
// as av_seek_frame rounds (and torchaudio did).
double nearest_tick(int64_t us, AVRational time_base) {
  if (time_base.num <= 0 || time_base.den <= 0) return us / double(AV_TIME_BASE);
  return ExactTime::from_ticks(us_to_ticks(us, time_base), time_base).seconds();
}

}  // namespace

void SeekMachine::begin_seek(double seconds, SeekMode mode) {
  counters_ = SeekCounters{};
  for (auto& [index, stream] : streams_) stream.decoder().reset_skip_count();
  Plan plan;
  plan.us = static_cast<int64_t>(seconds * AV_TIME_BASE);  // truncated
  plan.mode = mode;
  // The demuxer goes to the earliest aim, earlier still by the audio
  // decoders' pre-roll for a precise seek.
  plan.start = outputs_.empty() ? seconds : std::numeric_limits<double>::infinity();
  for (const auto& out : outputs_) plan.start = std::min(plan.start, aim(plan, *out));
  if (mode == SeekMode::kPrecise) {
    double preroll = 0;
    for (const auto& [index, stream] : streams_) {
      preroll = std::max(preroll, stream.decoder().seek_preroll());
    }
    plan.start -= preroll;
    plan.preroll = preroll;
  }
  plan_ = plan;
  restart(plan.start, Try::kFirst);
}

double SeekMachine::aim(const Plan& plan, const OutputStream& out) const {
  AVFormatContext* ctx = source_->get();
  const int index = plan.mode == SeekMode::kPrecise
                        ? out.source_index()
                        : av_find_default_stream_index(ctx);
  if (index < 0) return plan.us / double(AV_TIME_BASE);
  return nearest_tick(plan.us, ctx->streams[index]->time_base);
}

bool SeekMachine::seek_demuxer(double at) {
  ++counters_.demuxer_seeks;
  if (plan_->mode == SeekMode::kAny) {
    source_->seek(plan_->us, AVSEEK_FLAG_ANY);
    return plan_->us / double(AV_TIME_BASE) > source_->start_seconds();
  }
  if (at > source_->start_seconds()) {
    // Raw H.264 has no timestamps to seek by: libavformat refuses every time
    // after the start. A precise seek reaches `at` by decoding from the
    // start instead; a key seek, which must land on a key frame, raises.
    const int ret = source_->try_seek(to_av_time(at), 0);
    if (ret >= 0) return true;
    if (plan_->mode != SeekMode::kPrecise) {
      throw_av_error(ret, "avformat_seek_file",
                     source_->name() + " at " + std::to_string(at) + " s");
    }
  }
  source_->seek_to_start(at);
  return false;
}

void SeekMachine::restart(double at, Try kind) {
  const bool any = plan_->mode == SeekMode::kAny;
  const bool after_start = seek_demuxer(at);
  for (auto& [index, stream] : streams_) {
    stream.restart(/*mid_stream=*/after_start, /*show_damaged=*/any,
                   video_key_from(kind, stream));
  }
  // A group's graph starts anew once, for all of its outputs.
  std::vector<OutputGroup*> groups;
  for (auto& out : outputs_) {
    OutputGroup* group = out->group();
    if (group != nullptr && std::find(groups.begin(), groups.end(), group) == groups.end()) {
      group->restart();
      groups.push_back(group);
    }
  }
  for (auto& out : outputs_) {
    SeekCursor::Start start;
    if (!any) {
      const double target = aim(*plan_, *out);
      if (plan_->mode == SeekMode::kPrecise) start.drop_before = target;
      // Going further back can still help only after the start.
      if (after_start) start.land_by = target;
      if (plan_->mode == SeekMode::kKey && kind == Try::kAgain) {
        start.probe_key_at_or_before = target;
      }
    }
    switch (kind) {
      case Try::kFirst: out->begin_seek(start); break;
      case Try::kAgain: out->resume_seek(start); break;
      case Try::kReplay: out->replay_seek(); break;
    }
  }
  plan_->last_at = at;
  // The plan is kept while first frames may still show a late landing, or
  // while outputs probe for their key frames.
  const bool probing = std::any_of(outputs_.begin(), outputs_.end(),
                                   [](const auto& out) { return out->cursor().probing(); });
  if (any || kind == Try::kReplay || !(after_start || probing)) plan_.reset();
}

std::optional<int64_t> SeekMachine::video_key_from(Try kind,
                                                   const DecodedStream& stream) const {
  // The audio pre-roll moves the demuxer seek earlier, which can take video
  // back to an earlier key frame and cost a whole GOP of decoding for
  // nothing. Video needs only the key frame its own aim needs: the index
  // says which, and packets before it are dropped unread. Not on retries,
  // which go back because the index misled.
  if (kind != Try::kFirst || plan_->preroll <= 0) return std::nullopt;
  AVStream* st = source_->get()->streams[stream.stream()->index];
  if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) return std::nullopt;
  const AVRational tb = st->time_base;
  if (tb.num <= 0 || tb.den <= 0) return std::nullopt;
  return indexed_key_at_or_before(st, us_to_ticks(plan_->us, tb));
}

bool SeekMachine::check_landing(bool at_end_of_input) {
  if (!plan_ || outputs_.empty()) return false;
  auto any_output = [this](auto&& pred) {
    return std::any_of(outputs_.begin(), outputs_.end(),
                       [&](const auto& out) { return pred(out->cursor()); });
  };
  const bool late =
      any_output([](const SeekCursor& c) { return c.overshot(); }) ||
      (at_end_of_input && plan_->us / double(AV_TIME_BASE) < source_->end_seconds() &&
       !any_output([](const SeekCursor& c) { return !c.awaiting_first(); }));
  if (!late) {
    const bool probing = any_output([](const SeekCursor& c) { return c.probing(); });
    if (!probing && any_output([](const SeekCursor& c) { return c.probe_done(); })) {
      restart(plan_->last_at, Try::kReplay);
      return true;
    }
    // Every output has its first frame, in time: the seek is settled.
    if (!probing && !any_output([](const SeekCursor& c) { return c.awaiting_first(); })) {
      plan_.reset();
    }
    return false;
  }
  // At most 1, 2, 4 and 8 s back, then from the start: a file that decodes
  // nothing is read a bounded number of times.
  constexpr double kMaxBack = 8.0;
  plan_->back = plan_->back > 0 ? plan_->back * 2 : 1.0;
  restart(plan_->back > kMaxBack ? source_->start_seconds() : plan_->start - plan_->back,
          Try::kAgain);
  return true;
}

SeekCounters SeekMachine::counters() const {
  SeekCounters c = counters_;
  for (const auto& out : outputs_) c.frames_dropped += out->cursor().frames_dropped();
  for (const auto& [index, stream] : streams_) {
    c.invalid_packets_skipped += stream.decoder().invalid_packets_skipped();
  }
  return c;
}

}  // namespace ffstream::detail
