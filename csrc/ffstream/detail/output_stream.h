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
#include "ffstream/detail/seek_cursor.h"
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
  // while a key seek probes for its key frame (see SeekCursor).
  bool is_ready() const { return !cursor_.holding() && buffer_.is_ready(); }
  std::optional<Chunk> pop();
  // By seconds_per_chunk: where the time window of the next chunk starts.
  std::optional<double> next_window_start() const {
    return cursor_.holding() ? std::nullopt : buffer_.oldest_window_start();
  }
  OutputStreamInfo info() const;

  // The seek machine's calls (see seek.h). begin_seek: a fresh filter
  // graph and an empty buffer for a new try. resume_seek: another try at
  // the same seek; what was delivered stays. replay_seek: after a probe.
  void begin_seek(const SeekCursor::Start& start);
  void resume_seek(const SeekCursor::Start& start);
  void replay_seek();
  const SeekCursor& cursor() const { return cursor_; }
  // For ReaderStats: decoded frames pushed in, frames (audio: samples)
  // written into chunks and dropped by buffer_chunk_size, the newest pts.
  int64_t frames_decoded() const { return frames_decoded_; }
  int64_t frames_delivered() const { return frames_delivered_; }
  int64_t frames_dropped() const { return buffer_.frames_dropped(); }
  // True once, the first time this is asked after frames were dropped.
  bool take_first_drop() {
    if (drop_reported_ || buffer_.frames_dropped() == 0) return false;
    drop_reported_ = true;
    return true;
  }
  std::optional<double> newest_pts() const { return newest_pts_; }
  std::optional<double> first_pts() const { return first_pts_; }
  // The precise-seek target (seconds) while frames before it are still being
  // dropped, if the decoder may skip decoding frames that nothing refers to
  // before it: only when the filter treats every frame on its own.
  std::optional<double> skippable_before() const;

 private:
  // Frames per second of the output: its sample rate for audio; for video
  // the filter's frame rate, else the stream's (0/1 if neither is known).
  AVRational output_rate() const;
  // The frames the buffer should expect (see ChunkBuffer); needs the graph
  // and converter built.
  int64_t capacity_hint(const OutputOptions& options,
                        const AVFormatContext* format,
                        const AVStream* stream) const;
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
  SeekCursor cursor_;
  int64_t frames_decoded_ = 0;
  int64_t frames_delivered_ = 0;
  std::optional<double> newest_pts_;
  std::optional<double> first_pts_;
  bool drop_reported_ = false;
  // Where the next frame starts when a frame comes without a pts.
  ExactTime next_pts_;
};

}  // namespace ffstream::detail
