#include "ffstream/detail/live_source.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "ffstream/detail/stream_info.h"
#include "ffstream/error.h"

namespace ffstream::detail {

void LiveSource::reconnect_with(std::function<std::unique_ptr<Source>()> reopen,
                                int max_reconnects,
                                std::shared_ptr<std::atomic<bool>> interrupt) {
  reopen_ = std::move(reopen);
  max_reconnects_ = max_reconnects;
  interrupt_ = std::move(interrupt);
}

LiveSource::Read LiveSource::read_packet(AVPacket* packet, const RetryPolicy& retry,
                                         Streams& streams) {
  int ret = 0;
  try {
    ret = source_->read_packet(packet, retry);
  } catch (const Error& e) {
    if (!reopen_ || !is_connection_failure(e)) throw;
    reconnect_after(e.what(), /*ended=*/false, streams);
    return Read::kReconnected;
  }
  if (ret == AVERROR_EOF) {
    if (reopen_ && reconnect_after("the source ended", /*ended=*/true, streams)) {
      return Read::kReconnected;
    }
    return Read::kEnd;
  }
  if (reopen_) map_packet_time(packet);
  return Read::kPacket;
}

bool LiveSource::is_connection_failure(const Error& e) {
  if (e.kind() == ErrorKind::kTimeout || e.kind() == ErrorKind::kConnection) return true;
  const int code = e.av_code();
  return code == AVERROR(EIO) || code == AVERROR(ECONNRESET) ||
         code == AVERROR(EPIPE) || code == AVERROR(ETIMEDOUT) ||
         code == AVERROR(ECONNREFUSED) || code == AVERROR(ENETUNREACH) ||
         code == AVERROR(EHOSTUNREACH) || code == AVERROR_EOF;
}

void LiveSource::wait_before_reconnect(double seconds) {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(seconds));
  while (std::chrono::steady_clock::now() < until) {
    if (interrupt_ && interrupt_->exchange(false)) {
      throw Error(ErrorKind::kInterrupted,
                  "waiting to reconnect to " + source_->name() +
                      " was interrupted by StreamReader.interrupt()");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Growing waits between attempts: 0.5 s doubling to 8 s.
bool LiveSource::reconnect_after(const std::string& reason, bool ended,
                                 Streams& streams) {
  std::string last = reason;
  double wait = 0.5;
  for (int attempt = 0; attempt < max_reconnects_; ++attempt) {
    wait_before_reconnect(wait);
    wait = std::min(wait * 2, 8.0);
    try {
      std::unique_ptr<Source> fresh = reopen_();
      for (const auto& [index, decoded] : streams) {
        const AVFormatContext* ctx = fresh->get();
        if (index >= static_cast<int>(ctx->nb_streams) ||
            ctx->streams[index]->codecpar->codec_id !=
                decoded.stream()->codecpar->codec_id) {
          throw Error(ErrorKind::kInvalidData,
                      source_->name() + " came back with other streams");
        }
      }
      source_ = std::move(fresh);
      for (auto& [index, decoded] : streams) {
        decoded.set_stream(source_->get()->streams[index]);
        decoded.restart(/*mid_stream=*/true, /*show_damaged=*/false);
      }
      ++reconnects_;
      settle_offset_ = true;
      reconnect_reason_ = reason;
      return true;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kInterrupted) throw;
      last = e.what();
    }
  }
  if (ended) return false;
  throw Error(ErrorKind::kGeneric,
              source_->name() + " failed and " + std::to_string(max_reconnects_) +
                  " reconnect attempt(s) did not bring it back: " + last);
}

void LiveSource::map_packet_time(AVPacket* packet) {
  AVFormatContext* ctx = source_->get();
  const AVStream* st = ctx->streams[packet->stream_index];
  const int64_t ts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
  if (ts == AV_NOPTS_VALUE || st->time_base.num <= 0) return;
  const double t = ts * av_q2d(st->time_base);
  if (settle_offset_) {
    settle_offset_ = false;
    const double previous = newest_packet_time_.value_or(t + time_offset_);
    const int video = av_find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    const double rate = video >= 0 ? av_q2d(stream_frame_rate(ctx->streams[video])) : 0.0;
    if (t + time_offset_ < previous) {
      // The source restarted its clock: go on one frame after the last.
      time_offset_ = previous + (rate > 0 ? 1 / rate : 0.02) - t;
    } else if (rate > 0) {
      frames_lost_ += std::max<int64_t>(
          0, std::llround((t + time_offset_ - previous) * rate) - 1);
    }
  }
  if (time_offset_ != 0) {
    const int64_t shift = std::llround(time_offset_ / av_q2d(st->time_base));
    if (packet->pts != AV_NOPTS_VALUE) packet->pts += shift;
    if (packet->dts != AV_NOPTS_VALUE) packet->dts += shift;
  }
  newest_packet_time_ =
      std::max(newest_packet_time_.value_or(t + time_offset_), t + time_offset_);
}

}  // namespace ffstream::detail
