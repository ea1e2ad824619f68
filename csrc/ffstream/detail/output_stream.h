// OutputStream: what one add_audio_stream / add_video_stream call made.
// Decoded frames -> OutputFilter -> Converter -> ChunkBuffer. Owns all three,
// built from an OutputPlan (output_plan.h: what the output will be). An
// output of a graph with several inputs or outputs (see OutputGroup) takes
// its filtered frames from the group instead and owns no graph.
// Not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ffstream/detail/chunk_buffer.h"
#include "ffstream/detail/converter.h"
#include "ffstream/detail/exact_time.h"
#include "ffstream/detail/output_filter.h"
#include "ffstream/detail/output_plan.h"
#include "ffstream/detail/seek_cursor.h"
#include "ffstream/options.h"
#include "ffstream/stream_info.h"

namespace ffstream::detail {

// The group owns its outputs' graph; an output only points at it.
class OutputGroup;

// What an output has counted, for ReaderStats: decoded frames pushed in,
// frames (audio: samples) written into chunks, the first and newest pts.
struct OutputCounters {
  int64_t frames_decoded = 0;
  int64_t frames_delivered = 0;
  std::optional<double> first_pts;
  std::optional<double> newest_pts;
};

class OutputStream {
 public:
  // An output that runs its own filter on the frames of `decoder`. Throws
  // for bad chunk sizes, a bad filter or an output format that has no
  // converter. `context` names the stream in errors ("stream 1 of 'a.mp4'").
  // With `cuda` (the decoder's device, for hw_accel) frames stay on the GPU:
  // no filter runs, and chunks hold the decoded planes (Converter::for_cuda).
  static std::unique_ptr<OutputStream> with_own_graph(
      const AVFormatContext* format, const AVStream* stream,
      const AVCodecContext* decoder, const OutputOptions& options,
      const std::string& context, const std::shared_ptr<CudaDevice>& cuda = nullptr);
  // Output `sink` of `group`, fed by the group's graph; `stream` is the
  // source stream of the group's first input, whose time the output keeps.
  static std::unique_ptr<OutputStream> fed_by_group(
      const AVFormatContext* format, const AVStream* stream, OutputGroup* group,
      int sink, const OutputOptions& options, const std::string& context);

  int source_index() const { return plan_.source_index; }
  // The group whose graph makes this output's frames; nullptr when the
  // output runs its own filter.
  OutputGroup* group() const { return group_; }
  int sink_index() const { return sink_index_; }
  // From the group: a frame went into the graph; a filtered frame; the
  // graph has given its last frame.
  void count_decoded() { ++counters_.frames_decoded; }
  void take(const AVFrame* filtered) { write(filtered); }
  void end_of_stream() { cursor_.end_of_stream(); }
  // Filters and buffers one decoded frame; nullptr flushes the filter at the
  // end of the stream.
  void push(AVFrame* decoded);
  // Whether a chunk can be popped, and the next chunk. Nothing is ready
  // while a key seek probes for its key frame (see SeekCursor).
  bool is_ready() const { return !cursor_.holding() && buffer_.is_ready(); }
  std::optional<Chunk> pop();
  // Frames on demand (StreamReader::frames_at): the oldest `n` buffered
  // frames; the pts of the oldest buffered frame; the newest frame's pts
  // that reached the output since the last seek (written or not); and a
  // move to `seconds` without a seek: what is buffered before it is
  // forgotten and later frames before it are dropped.
  std::optional<Chunk> pop_frames(int64_t n) {
    return cursor_.holding() ? std::nullopt : buffer_.pop(n);
  }
  std::optional<double> oldest_pts() const { return buffer_.oldest_pts(); }
  std::optional<double> last_seen_pts() const { return last_seen_pts_; }
  void skip_to(double seconds);
  void set_dropping(bool on) { buffer_.set_dropping(on); }
  // Frames on demand from a stream whose packets have no pts: decode every
  // frame, so that each gets the time a decode from the start gives it.
  void never_skip() { frames_need_each_other_ = true; }
  Chunk empty_chunk() const { return buffer_.empty_chunk(); }
  // Whether every frame comes out alone and with its own pts (see
  // OutputFilter::frame_by_frame): then a frame decoded after a seek equals
  // the same frame decoded from the start.
  bool keeps_frames_apart() const { return why_frames_not_apart().empty(); }
  // Why not, naming the filter; "" when it does.
  std::string why_frames_not_apart() const;
  const std::string& filter_description() const { return plan_.filter_description; }
  // By seconds_per_chunk: where the time window of the next chunk starts.
  std::optional<double> next_window_start() const {
    return cursor_.holding() ? std::nullopt : buffer_.oldest_window_start();
  }
  OutputStreamInfo info() const;
  // hw_accel: the device chunks are on, else nullptr.
  const std::shared_ptr<CudaDevice>& cuda_device() const { return cuda_; }

  // The seek machine's calls (see seek.h). begin_seek: a fresh filter
  // graph and an empty buffer for a new try. resume_seek: another try at
  // the same seek; what was delivered stays. replay_seek: after a probe.
  void begin_seek(const SeekCursor::Start& start);
  void resume_seek(const SeekCursor::Start& start);
  void replay_seek();
  const SeekCursor& cursor() const { return cursor_; }
  // For ReaderStats; and the frames (audio: samples) buffer_chunk_size
  // dropped.
  const OutputCounters& counters() const { return counters_; }
  int64_t frames_dropped() const { return buffer_.frames_dropped(); }
  // True once, the first time this is asked after frames were dropped.
  bool take_first_drop() {
    if (drop_reported_ || buffer_.frames_dropped() == 0) return false;
    drop_reported_ = true;
    return true;
  }
  // The precise-seek target (seconds) while frames before it are still being
  // dropped, if the decoder may skip decoding frames that nothing refers to
  // before it: only when the filter treats every frame on its own.
  std::optional<double> skippable_before() const;

 private:
  OutputStream(const AVFormatContext* format, const AVStream* stream,
               const AVCodecContext* decoder, OutputPlan plan,
               const OutputOptions& options, const std::string& context,
               const std::shared_ptr<CudaDevice>& cuda);
  OutputStream(const AVFormatContext* format, const AVStream* stream,
               OutputGroup* group, int sink, const SinkParams& params,
               OutputPlan plan, const OutputOptions& options,
               const std::string& context);

  // Frames per second of the output: its sample rate for audio; for video
  // the filter's frame rate, else the stream's (0/1 if neither is known).
  AVRational output_rate() const;
  // The graph anew for a seek (a group's graph is rebuilt by the seek
  // machine, once for all its outputs).
  void rebuild_graph();
  void pull_all();
  void write(const AVFrame* frame);

  const OutputPlan plan_;
  std::string context_;  // "stream 1 of 'a.mp4'", for errors
  std::shared_ptr<CudaDevice> cuda_;  // hw_accel: frames stay on this GPU
  AVColorSpace color_matrix_ = AVCOL_SPC_UNSPECIFIED;  // the stream's, for info()
  AVColorRange color_range_ = AVCOL_RANGE_UNSPECIFIED;
  AVRational stream_frame_rate_;
  AVRational stream_time_base_;
  // The output's own filter, or (then empty) the group that feeds it.
  std::optional<OutputFilter> graph_;
  OutputGroup* group_ = nullptr;
  int sink_index_ = 0;
  // What the filter gives (read again whenever the graph is rebuilt).
  SinkParams sink_;
  Converter converter_;
  ChunkBuffer buffer_;
  FramePtr filtered_;
  SeekCursor cursor_;
  OutputCounters counters_;
  bool drop_reported_ = false;
  std::optional<double> last_seen_pts_;
  // Once a frame came without pts, no frame may be skipped (the times of
  // such frames count on the frames before them).
  bool frames_need_each_other_ = false;
  // Where the next frame starts when a frame comes without a pts.
  ExactTime next_pts_;
};

}  // namespace ffstream::detail
