// FrameIndex: every frame of one video stream in presentation order, with
// its pts, duration and whether it is a key frame, found by reading the
// stream's packets from the start to the end without decoding them. Frames
// on demand (StreamReader::frames_at) map indices and times to pts with it,
// and decide from its key frames whether to seek or decode forward.
//
// The index holds exactly the frames decoding delivers. Packets the demuxer
// flags for discarding (those before an MP4 edit list's start) are decoded
// as references but give no frame, so they are left out. Where packets
// cannot say which frames come out, the stream is decoded once instead and
// the index holds the decoder's frames with their best-effort pts, which is
// what the outputs see: packets without a pts (AVI with B-frames) do not
// give the presentation order, and a stream whose first packet is not a key
// frame (cut mid-GOP) loses frames the decoder cannot rebuild.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/source.h"

namespace ffstream::detail {

class FrameIndex {
 public:
  struct Frame {
    int64_t pts;       // ticks of the stream's time base
    int64_t duration;  // ticks; 0 if the container does not say
    bool key;
  };

  // Reads `stream_index`'s packets from the start of `source` to its end
  // (the source is left there). `context` names the stream in errors.
  static FrameIndex build(Source& source, int stream_index,
                          const std::string& context);

  int64_t size() const { return static_cast<int64_t>(frames_.size()); }
  const Frame& frame(int64_t i) const { return frames_[i]; }
  // Frame i's pts and duration in seconds (exact arithmetic, as chunks).
  double seconds(int64_t i) const;
  double duration_seconds(int64_t i) const;
  // Until when frame i is shown: the next frame's pts, or for the last
  // one its pts plus its duration (one frame period if it has none).
  double end_seconds(int64_t i) const;
  // The frame shown at `seconds`: [pts, end) holds it. Empty outside.
  std::optional<int64_t> played_at(double seconds) const;
  // Whether a key frame is presented after `after` and at or before
  // `upto` (seconds): then a seek gets to `upto` sooner than decoding on.
  bool key_frame_between(double after, double upto) const;
  // Whether the index came from decoding (packets without pts).
  bool decoded() const { return decoded_; }

 private:
  FrameIndex(AVRational time_base, AVRational frame_rate)
      : time_base_(time_base), frame_rate_(frame_rate) {}
  // False when the packets cannot say which frames decoding gives.
  bool read_packets(Source& source, int stream_index);
  void decode_packets(Source& source, const AVStream* stream,
                      const std::string& context);

  AVRational time_base_;
  AVRational frame_rate_;  // for a last frame without a duration
  std::vector<Frame> frames_;  // sorted by pts
  std::vector<double> key_seconds_;  // pts of the key frames, sorted
  bool decoded_ = false;
};

}  // namespace ffstream::detail
