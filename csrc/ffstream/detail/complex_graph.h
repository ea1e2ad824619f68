// ComplexGraph: an FFmpeg filter graph of any shape, as the ffmpeg command's
// -filter_complex takes it: a buffer source on every input the description
// leaves open and a buffersink on every open output. OutputFilter (one chain
// on one decoded stream), the reader's output groups and FrameFilter all run
// on it. Owns the AVFilterGraph; the source and sink contexts live inside it.
// Not thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/raii.h"

namespace ffstream::detail {

// What goes into one input of a graph: the frames' parameters.
struct FilterInput {
  AVMediaType media_type = AVMEDIA_TYPE_UNKNOWN;
  AVRational time_base{0, 1};
  int format = -1;  // AVPixelFormat or AVSampleFormat
  // video
  int width = 0, height = 0;
  AVRational sample_aspect_ratio{0, 1};
  AVRational frame_rate{0, 1};
  int color_space = AVCOL_SPC_UNSPECIFIED;
  int color_range = AVCOL_RANGE_UNSPECIFIED;
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

// An input or output that a description leaves open.
struct GraphPad {
  std::string label;  // "a" for "[a]"; empty when unlabeled
  AVMediaType media_type = AVMEDIA_TYPE_UNKNOWN;
};

// What one output gives, read from its sink after configuration.
struct SinkParams {
  AVMediaType media_type = AVMEDIA_TYPE_UNKNOWN;
  AVRational time_base{0, 1};
  int format = -1;  // AVPixelFormat or AVSampleFormat
  int width = 0, height = 0;
  AVRational frame_rate{0, 1};
  int sample_rate = 0;
  int num_channels = 0;
};

class ComplexGraph {
 public:
  enum class Pull { kFrame, kAgain, kEnd };
  // Given the open inputs in the order FFmpeg lists them, what each takes;
  // throws to refuse them (a label that names nothing, a missing input).
  using InputResolver =
      std::function<std::vector<FilterInput>(const std::vector<GraphPad>&)>;

  // Parses `description`, asks `resolve` what its inputs take, links the
  // sources and sinks, and configures. With `safe`, the text is checked
  // before FFmpeg parses it (parsing already opens files) and the filters
  // it made after. `context` names the graph in errors ("filter 'x'").
  // Throws kInvalidArgument with FFmpeg's reason.
  ComplexGraph(const std::string& description, const InputResolver& resolve,
               bool safe, const std::string& context);
  // The same description on the same inputs, built anew: nothing of what
  // the old one held (a seek's fresh start).
  ComplexGraph rebuilt() const;

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  const GraphPad& input_pad(int i) const { return inputs_[i].pad; }
  const FilterInput& input(int i) const { return inputs_[i].params; }
  // Outputs are numbered in the order their labels appear in the
  // description (FFmpeg lists them otherwise); unlabeled ones come last.
  const GraphPad& output_pad(int j) const { return outputs_[j].pad; }
  SinkParams sink(int j) const;
  const std::string& description() const { return description_; }
  // Whether every output frame is made from one input frame alone, with its
  // pts: then frames before a seek target never influence the ones after it.
  // Otherwise, why not, naming the filter (see frame_by_frame.h).
  bool frame_by_frame() const { return why_not_frame_by_frame_.empty(); }
  const std::string& why_not_frame_by_frame() const { return why_not_frame_by_frame_; }

  // Feeds a frame into input `i`; the graph takes a new reference.
  void push(int i, AVFrame* frame);
  // Ends input `i` at `at` (its time base), by default at the end of its
  // last frame, so that rate filters (fps) keep that frame. With `run`, the
  // graph runs at once; without it, when outputs are next pulled, by which
  // time every input may have ended (amix decides its length by what it has
  // seen when an input ends).
  void close(int i, bool run, std::optional<int64_t> at = std::nullopt);
  bool closed(int i) const { return inputs_[i].closed; }
  bool all_closed() const;
  // Takes the next frame of output `j` into `out` when there is one.
  Pull pull(int j, AVFrame* out);
  // Audio output `j` gives frames of exactly `samples` samples (the last
  // one of the stream may have fewer): what an encoder with a fixed frame
  // size takes.
  void set_frame_size(int j, int samples);

 private:
  struct Input {
    GraphPad pad;
    FilterInput params;
    AVFilterContext* source = nullptr;  // owned by graph_
    std::optional<int64_t> end_pts;     // end of the last frame pushed
    bool closed = false;
  };
  struct Output {
    GraphPad pad;
    AVFilterContext* sink = nullptr;  // owned by graph_
  };

  // Parses, links and configures the graph; `limited` lists the outputs
  // whose sink takes limited-range frames only (see the constructor).
  void build(const InputResolver& resolve, const std::vector<bool>& limited);
  void link_inputs(AVFilterInOut* open, const InputResolver& resolve);
  void link_outputs(AVFilterInOut* open, const std::vector<bool>& limited);

  std::string description_;
  std::string context_;
  bool safe_ = false;
  FilterGraphPtr graph_;
  std::vector<Input> inputs_;
  std::vector<Output> outputs_;
  std::string why_not_frame_by_frame_;
};

}  // namespace ffstream::detail
