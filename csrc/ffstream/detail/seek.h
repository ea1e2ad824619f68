// The seek machine: what StreamReader::seek() does, from the demuxer seek to
// the first chunk, in one place.
//
// 1. The aim. The asked time is truncated to microseconds and rounded to the
//    nearest tick of a stream's time base, as torchaudio did: of the default
//    stream (the first video stream) for key and any seeks, which is where
//    av_seek_frame goes; of each output's own stream for a precise seek.
//    Precise: an output's first frame is the first one at or after its aim
//    (audio: sample-exact). Key: the last key frame at or before the aim.
//    Any: whatever frame the demuxer lands on, damaged or not.
// 2. The demuxer seek goes to the earliest aim, earlier still by the audio
//    decoders' pre-roll for a precise seek (a lossy audio decoder started
//    cold gets its first frames wrong). At or before the start of the file
//    Source::seek_to_start takes over.
// 3. Every decoded stream restarts (DecodedStream::restart): decoders are
//    flushed, and after a seek that did not go to the start, video packets
//    are dropped until a key frame's (MPEG-TS seeks by byte position and
//    lands on frames that need earlier ones; not for an any seek), and the
//    packets a decoder fails on before its first frame are skipped (MPEG-PS
//    lands inside MP2 frames; see Decoder::flush).
// 4. Every output restarts with a SeekCursor::Start that names what it asks:
//    `drop_before` (precise), `land_by` (check that the first frame is in
//    time) and, on retries of a key seek, `probe_key_at_or_before`. The
//    cursor then judges every frame: drop, keep, or keep from a sample on.
// 5. The landing check (check_landing, after every packet and at the end of
//    input). Demuxers seek by an index that may be in decode order (MP4: a
//    key frame's dts) or have none (MPEG-TS), and can land on a key frame
//    shown after the aim, losing the frames before it. When an output's
//    first frame comes late (or, at the end, no frame came at all while the
//    aim is inside the file), the machine seeks again 1, 2, 4 and 8 s before
//    the first try, then from the start: a bounded number of reads.
//    Outputs that delivered frames go on after them (SeekCursor::resume).
// 6. A retried key seek cannot keep frames as they come: it does not know
//    which key frame is the last at or before the aim until a later frame
//    shows, and a small buffer would drop what it holds. So its outputs
//    probe (write nothing, note the key frames), and once every probe is
//    settled the demuxer goes to the same place again and each output
//    delivers from its key frame, as a precise seek to it would (replay).
//
// Counters (demuxer seeks, packets read, frames decoded and dropped since
// the last seek()) let tests see what a seek cost.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "ffstream/detail/decoded_stream.h"
#include "ffstream/detail/live_source.h"
#include "ffstream/detail/output_stream.h"
#include "ffstream/options.h"
#include "ffstream/stream_info.h"

namespace ffstream::detail {

class SeekMachine {
 public:
  using Streams = std::map<int, DecodedStream>;
  using Outputs = std::vector<std::unique_ptr<OutputStream>>;

  // The reader's source (through which the current one is reached: a
  // reconnect replaces it), decoded streams and outputs; all outlive this.
  SeekMachine(LiveSource& source, Streams& streams, Outputs& outputs)
      : source_(source), streams_(streams), outputs_(outputs) {}

  // seek(): makes the plan and the first try. `seconds` is finite, >= 0.
  void begin_seek(double seconds, SeekMode mode);
  // After a packet's frames reached the outputs, or at the end of input:
  // seeks again if the landing calls for it (5 and 6 above). Returns whether
  // it did.
  bool check_landing(bool at_end_of_input);
  // The outputs moved on without a seek (frames on demand): the landing of
  // the last seek is no longer checked.
  void end_landing_checks() { plan_.reset(); }

  void count_packet() { ++counters_.packets_read; }
  void count_frames(int64_t n) { counters_.frames_decoded += n; }
  SeekCounters counters() const;

 private:
  struct Plan {
    int64_t us = 0;  // the time asked for, truncated to microseconds
    SeekMode mode = SeekMode::kPrecise;
    double start = 0;    // where the first demuxer seek went, seconds
    double preroll = 0;  // seconds before the earliest aim, for audio
    double back = 0;     // how far before `start` the last retry went
    double last_at = 0;  // where the last demuxer seek went
  };
  enum class Try { kFirst, kAgain, kReplay };

  // The time (seconds) output `out` aims at (1 above).
  double aim(const Plan& plan, const OutputStream& out) const;
  // The demuxer seek to `at` seconds (2); whether it went after the start
  // (for an any seek, to the asked time after the start).
  bool seek_demuxer(double at);
  // The one restart of every decoded stream and output, for every kind of
  // try (3, 4).
  void restart(double at, Try kind);
  // On a precise seek's first try with audio pre-roll: where a video
  // stream's packets may start (see seek.cpp).
  std::optional<int64_t> video_key_from(Try kind, const DecodedStream& stream) const;

  LiveSource& source_;
  Streams& streams_;
  Outputs& outputs_;
  std::optional<Plan> plan_;  // while the landing may still be checked
  SeekCounters counters_;
};

}  // namespace ffstream::detail
