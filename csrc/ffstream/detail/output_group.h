// OutputGroup: the outputs that one filter_desc of several inputs or outputs
// made, e.g. "split=2[a][b];[a]scale=224:224[big];[b]scale=112:112[small]"
// or "[0:a:0][0:a:1]amix". One ComplexGraph, fed by every decoded stream it
// reads, and one OutputStream per graph output, which the reader owns. Not
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ffstream/detail/complex_graph.h"
#include "ffstream/detail/raii.h"

namespace ffstream::detail {

class OutputStream;

// The source stream that a graph input's label names, as the ffmpeg
// command's stream specifiers do for its input 0: "0:N" (stream N),
// "0:a" / "0:v" (the first audio / video stream), "0:a:K" / "0:v:K" (the
// K-th). nullopt for any other label; kInvalidArgument for a specifier that
// names no stream of `format` (`source` names it in the message).
std::optional<int> stream_of_label(const AVFormatContext* format,
                                   const std::string& label,
                                   const std::string& source);

class OutputGroup {
 public:
  // `sources[i]`: the source stream whose frames go into input i.
  OutputGroup(ComplexGraph graph, std::vector<int> sources);

  const ComplexGraph& graph() const { return graph_; }
  const std::vector<int>& sources() const { return sources_; }
  // The stream made of output `j`; nullptr once it was removed (its frames
  // are then dropped, so that the graph's other outputs go on).
  void set_output(int j, OutputStream* out) { outputs_[j] = out; }
  bool has_outputs() const;

  // A decoded frame of input `i`; nullptr: that stream ended. Every output
  // that has frames ready gets them.
  void push(int i, AVFrame* frame);
  // A seek's fresh start: a new graph, every input open again.
  void restart() { graph_ = graph_.rebuilt(); }

 private:
  void pull_all();

  ComplexGraph graph_;
  std::vector<int> sources_;
  std::vector<OutputStream*> outputs_;
  FramePtr filtered_ = make_frame();
};

}  // namespace ffstream::detail
