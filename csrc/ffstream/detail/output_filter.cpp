#include "ffstream/detail/output_filter.h"

#include "ffstream/detail/av_error.h"
#include "ffstream/error.h"

namespace ffstream::detail {

OutputFilter::OutputFilter(const FilterInput& input,
                         const std::string& description)
    : input_(input), description_(description) {
  if (description.empty()) {
    // Nothing to filter: frames pass straight through, without the cost of
    // configuring a graph (which dominates opening many short files).
    passed_ = make_frame();
    return;
  }
  const std::string context = "filter '" + description + "'";
  auto one_input = [&](const std::vector<GraphPad>& pads) {
    if (pads.size() != 1) {
      throw Error(ErrorKind::kInvalidArgument,
                  context + " has " + std::to_string(pads.size()) +
                      " open inputs, and an output's own filter has one; "
                      "label the inputs of a graph with the source streams "
                      "they read, e.g. '[0:a:0][0:a:1]amix'");
    }
    return std::vector<FilterInput>{input};
  };
  graph_.emplace(description, one_input, /*safe=*/false, context);
  if (graph_->num_outputs() != 1) {
    throw Error(ErrorKind::kInvalidArgument,
                context + " has " + std::to_string(graph_->num_outputs()) +
                    " open outputs, and an output's own filter has one; "
                    "label the outputs of a graph to get one output stream "
                    "each, e.g. 'split=2[a][b]'");
  }
}

void OutputFilter::push(AVFrame* frame) {
  if (passed_) {
    // Pass-through holds one frame: the caller pulls after every push.
    if (frame == nullptr) {
      ended_ = true;
    } else {
      av_frame_unref(passed_.get());
      check_av(av_frame_ref(passed_.get(), frame), "av_frame_ref", "pass-through");
    }
    return;
  }
  if (frame == nullptr) {
    graph_->close(0, /*run=*/true);
  } else {
    graph_->push(0, frame);
  }
}

OutputFilter::Pull OutputFilter::pull(AVFrame* out) {
  if (passed_) {
    if (passed_->buf[0] != nullptr) {
      av_frame_move_ref(out, passed_.get());
      return Pull::kFrame;
    }
    return ended_ ? Pull::kEnd : Pull::kAgain;
  }
  return graph_->pull(0, out);
}

std::string OutputFilter::why_not_frame_by_frame() const {
  if (graph_) return graph_->why_not_frame_by_frame();
  return input_.media_type == AVMEDIA_TYPE_VIDEO ? "" : "it is not video";
}

SinkParams OutputFilter::sink() const {
  if (graph_) return graph_->sink(0);
  SinkParams p;
  p.media_type = input_.media_type;
  p.time_base = input_.time_base;
  p.format = input_.format;
  p.width = input_.width;
  p.height = input_.height;
  p.frame_rate = input_.frame_rate;
  p.sample_rate = input_.sample_rate;
  p.num_channels = input_.num_channels;
  return p;
}

}  // namespace ffstream::detail
