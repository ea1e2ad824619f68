// FilterGraph: buffer/abuffer -> the user's filter description -> buffersink.
// Owns the AVFilterGraph; the source and sink contexts live inside it.
// Not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/raii.h"

namespace ffstream::detail {

// What goes into the graph: the decoded frames' parameters.
struct FilterInput {
  AVMediaType media_type = AVMEDIA_TYPE_UNKNOWN;
  AVRational time_base{0, 1};
  int format = -1;  // AVPixelFormat or AVSampleFormat
  // video
  int width = 0, height = 0;
  AVRational sample_aspect_ratio{0, 1};
  AVRational frame_rate{0, 1};
  // audio
  int sample_rate = 0;
  std::string channel_layout;  // FFmpeg's description, e.g. "stereo"
  int num_channels = 0;

  static FilterInput from_codec(const AVCodecContext* ctx, AVRational time_base,
                                AVRational frame_rate);
  static FilterInput from_frame(const AVFrame* frame, const FilterInput& base);
  bool same_frames(const FilterInput& other) const;
};

// The arguments of a buffer or abuffer filter that takes `input`'s frames.
std::string buffer_source_args(const FilterInput& input);
// FFmpeg's name for its default layout of `channels` ("mono", "stereo");
// empty when it has none.
std::string default_channel_layout(int channels);

class FilterGraph {
 public:
  enum class Pull { kFrame, kAgain, kEnd };

  // `description` is a simple (one input, one output) filter chain; empty
  // means pass-through, with no AVFilterGraph at all (outputs that need no
  // filter skip configuring one). Throws kInvalidArgument naming a bad
  // description.
  FilterGraph(const FilterInput& input, const std::string& description);

  // Feeds a frame (the graph takes a new reference); nullptr ends the input
  // at the end of the last frame, so that rate filters (fps) keep it.
  void push(AVFrame* frame);
  // Takes the next filtered frame into `out` when there is one.
  Pull pull(AVFrame* out);

  const FilterInput& input() const { return input_; }
  const std::string& description() const { return description_; }
  // Whether every output frame is made from one input frame alone, with its
  // pts: then frames before a seek target never influence the ones after it.
  bool frame_by_frame() const { return frame_by_frame_; }

  // What comes out, read from the sink after configuration.
  AVRational output_time_base() const;
  int output_format() const;
  int output_width() const;
  int output_height() const;
  AVRational output_frame_rate() const;
  int output_sample_rate() const;
  int output_num_channels() const;

 private:
  FilterInput input_;
  std::string description_;
  FilterGraphPtr graph_;
  // Both belong to graph_ and die with it.
  AVFilterContext* source_ = nullptr;
  AVFilterContext* sink_ = nullptr;
  // End time (input time base) of the last frame pushed, for closing.
  std::optional<int64_t> end_pts_;
  // Pass-through (empty description): no graph, the one frame in flight,
  // and whether the input ended.
  FramePtr passed_;
  bool ended_ = false;
  bool frame_by_frame_ = false;
};

}  // namespace ffstream::detail
