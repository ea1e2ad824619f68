// LiveSource: the reader's source for as long as the reader lives. A network
// source opened with reconnect=N that fails or ends is reopened here (the
// decoded streams carry on with the new one), and packet times are shifted
// so that they never go back when the new connection restarts its clock.
// Everything that reads the source (the reader, the seek machine, the frame
// index) holds this object, which stays put, and reaches the current Source
// through it. Not thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ffstream/detail/decoded_stream.h"
#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/retry.h"
#include "ffstream/detail/source.h"
#include "ffstream/error.h"

namespace ffstream::detail {

class LiveSource {
 public:
  using Streams = std::map<int, DecodedStream>;

  explicit LiveSource(std::unique_ptr<Source> source) : source_(std::move(source)) {}

  // Reopen with `reopen` up to `max_reconnects` times after a failure or an
  // end; `interrupt` cuts the waits between attempts short.
  void reconnect_with(std::function<std::unique_ptr<Source>()> reopen, int max_reconnects,
                      std::shared_ptr<std::atomic<bool>> interrupt);

  // The current source (a reconnect replaces it).
  Source* operator->() const { return source_.get(); }
  Source& operator*() const { return *source_; }

  enum class Read { kPacket, kReconnected, kEnd };
  // The next packet into `packet` (its times shifted after a reconnect);
  // or the source was reopened and `streams` (those with outputs) restarted
  // on it, and nothing was read; or the source has ended. Throws a read
  // error, or when every reconnect attempt after a failure failed.
  Read read_packet(AVPacket* packet, const RetryPolicy& retry, Streams& streams);

  // What the last reconnect followed ("the source ended", the error).
  const std::string& reconnect_reason() const { return reconnect_reason_; }
  int64_t reconnects() const { return reconnects_; }
  // Video frames that reconnect gaps lost, by the packet times.
  int64_t frames_lost() const { return frames_lost_; }

 private:
  // Whether `e` (from reading a packet) is a network source failing, which
  // a reconnect may cure.
  static bool is_connection_failure(const Error& e);
  // Sleeps `seconds`, in steps, giving up at once on interrupt.
  void wait_before_reconnect(double seconds);
  // Reopens the source after `reason` (see read_packet); returns whether it
  // did. When every attempt failed, a source that ended (`ended`) just ends
  // and one that failed raises the last error.
  bool reconnect_after(const std::string& reason, bool ended, Streams& streams);
  // After a reconnect, shifts packet times so that they never go back, and
  // counts the video frames a gap lost.
  void map_packet_time(AVPacket* packet);

  std::unique_ptr<Source> source_;
  // Reconnecting: how to open the source again (empty: never), how often.
  std::function<std::unique_ptr<Source>()> reopen_;
  int max_reconnects_ = 0;
  std::shared_ptr<std::atomic<bool>> interrupt_;
  int64_t reconnects_ = 0;
  int64_t frames_lost_ = 0;
  std::string reconnect_reason_;
  // Seconds added to every packet's time since a reconnect whose source
  // restarted its timestamps, so that pts never go back; the newest packet
  // time seen (after the shift); whether the next packet settles the shift.
  double time_offset_ = 0;
  std::optional<double> newest_packet_time_;
  bool settle_offset_ = false;
};

}  // namespace ffstream::detail
