// OutputFilter: the filter of one output on one decoded stream: a chain with
// one input and one output (a ComplexGraph), or nothing at all.
// Not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "ffstream/detail/complex_graph.h"
#include "ffstream/detail/raii.h"

namespace ffstream::detail {

class OutputFilter {
 public:
  using Pull = ComplexGraph::Pull;

  // `description` has one open input and one open output (a chain such as
  // "scale=320:240,fps=10", or any graph of that shape); empty means
  // pass-through, with no AVFilterGraph at all (outputs that need no filter
  // skip configuring one). Throws kInvalidArgument naming a bad
  // description.
  OutputFilter(const FilterInput& input, const std::string& description);

  // Feeds a frame (the graph takes a new reference); nullptr ends the input
  // at the end of the last frame, so that rate filters (fps) keep it.
  void push(AVFrame* frame);
  // Takes the next filtered frame into `out` when there is one.
  Pull pull(AVFrame* out);

  const FilterInput& input() const { return input_; }
  const std::string& description() const { return description_; }
  // Whether every output frame is made from one input frame alone, with its
  // pts: then frames before a seek target never influence the ones after it.
  bool frame_by_frame() const { return why_not_frame_by_frame().empty(); }
  // Why not, naming the filter; "" when it is.
  std::string why_not_frame_by_frame() const;

  // What comes out, read from the sink after configuration (pass-through:
  // what goes in).
  SinkParams sink() const;

 private:
  FilterInput input_;
  std::string description_;
  std::optional<ComplexGraph> graph_;
  // Pass-through (empty description): the one frame in flight, and whether
  // the input ended.
  FramePtr passed_;
  bool ended_ = false;
};

}  // namespace ffstream::detail
