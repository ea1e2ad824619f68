// OutputStream: what one add_audio_stream / add_video_stream call made.
// Decoded frames -> FilterGraph -> Converter -> ChunkBuffer. Owns all three.
// Not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "ffstream/detail/chunk_buffer.h"
#include "ffstream/detail/converter.h"
#include "ffstream/detail/exact_time.h"
#include "ffstream/detail/filter_graph.h"
#include "ffstream/options.h"
#include "ffstream/stream_info.h"

namespace ffstream::detail {

class OutputStream {
 public:
  // Throws for bad chunk sizes, a bad filter or an output format that has no
  // converter. `context` names the stream in errors ("stream 1 of 'a.mp4'").
  OutputStream(const AVFormatContext* format, const AVStream* stream,
               const AVCodecContext* decoder, const OutputOptions& options,
               const std::string& context);

  int source_index() const { return source_index_; }
  // Filters and buffers one decoded frame; nullptr flushes the filter at the
  // end of the stream.
  void push(AVFrame* decoded);
  // Whether a chunk can be popped, and the next chunk. Nothing is ready
  // while a key seek still looks for its key frame (see rewind).
  bool is_ready() const { return !probe_ && buffer_.is_ready(); }
  std::optional<Chunk> pop();
  OutputStreamInfo info() const;

  // Back to a clean state after a seek: a fresh filter graph, an empty buffer,
  // and (precise seek) frames before `discard_before` seconds are dropped.
  // With `first_at_most`, a first frame later than that many seconds means
  // the demuxer's seek landed too late: it is dropped and overshot() says so.
  void reset(std::optional<double> discard_before,
             std::optional<double> first_at_most = std::nullopt);
  // Whether the first frame after the last reset came after `first_at_most`
  // (frames are dropped from then on, until the next reset).
  bool overshot() const { return overshot_; }
  // Whether no frame came since a reset that asked to check the first one.
  bool awaiting_first() const { return first_at_most_.has_value(); }
  // For the reader's second try at the same seek: as reset(), except that an
  // output which delivered frames since the reset keeps them and drops
  // their second decoding, so that nothing is lost or repeated. With
  // `key_at_or_before` (a key seek), an output that delivered nothing
  // probes instead: it writes no frame and notes the last key frame at or
  // before that time, until a later frame (or the end) shows which it is.
  void rewind(std::optional<double> discard_before,
              std::optional<double> first_at_most,
              std::optional<double> key_at_or_before);
  // Whether a probe is still looking for its key frame.
  bool probing() const { return probe_ && !probe_->done; }
  // Whether a probe has found its key frame; the reader then seeks to the
  // same place again and calls replay().
  bool probe_done() const { return probe_ && probe_->done; }
  // Back to a clean state for the replay of a probed key seek: an output
  // that probed delivers from the key frame it found, one that delivered
  // frames goes on after them (as rewind).
  void replay();
  // The precise-seek target (seconds) while frames before it are still being
  // dropped, if the decoder may skip decoding frames that nothing refers to
  // before it: only when the filter treats every frame on its own.
  std::optional<double> skippable_before() const;

 private:
  // Frames per second of the output: its sample rate for audio; for video
  // the filter's frame rate, else the stream's (0/1 if neither is known).
  AVRational output_rate() const;
  void pull_all();
  void write(const AVFrame* frame);

  int source_index_;
  std::string context_;  // "stream 1 of 'a.mp4'", for errors
  AVRational stream_frame_rate_;
  // The filter as the user sees it; the graph may run less of it.
  std::string filter_description_;
  // When the filter only converts the pixel or sample format, the converter
  // does that while writing into the chunk and the graph passes frames
  // through. An AVPixelFormat or AVSampleFormat.
  std::optional<int> direct_format_;
  FilterGraph graph_;
  Converter converter_;
  ChunkBuffer buffer_;
  FramePtr filtered_;
  std::optional<double> discard_before_;
  std::optional<double> first_at_most_;
  bool overshot_ = false;
  bool delivered_ = false;  // frames written since the last reset
  double last_pts_ = 0;     // seconds, of the last frame written
  // A retried key seek's search for its key frame (see rewind).
  struct Probe {
    double key_at_or_before = 0;   // seconds: the seek's aim
    std::optional<double> key;     // pts of the last key frame seen so far
    bool done = false;
  };
  std::optional<Probe> probe_;
  // Where the next frame starts when a frame comes without a pts.
  ExactTime next_pts_;
};

}  // namespace ffstream::detail
