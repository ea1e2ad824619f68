#include "ffstream/detail/output_group.h"

#include <algorithm>
#include <cctype>

#include "ffstream/detail/output_stream.h"
#include "ffstream/error.h"

namespace ffstream::detail {

namespace {

bool is_number(const std::string& s) {
  return !s.empty() && s.size() < 10 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::optional<int> stream_of_label(const AVFormatContext* format,
                                   const std::string& label,
                                   const std::string& source) {
  if (label.rfind("0:", 0) != 0) return std::nullopt;
  const std::string spec = label.substr(2);
  const int n = static_cast<int>(format->nb_streams);
  auto none = [&](const std::string& why) -> std::optional<int> {
    throw Error(ErrorKind::kInvalidArgument,
                "filter input [" + label + "] names no stream of " + source +
                    ": " + why);
  };
  if (is_number(spec)) {
    const int index = std::stoi(spec);
    if (index >= n) {
      return none("it has " + std::to_string(n) + " stream(s)");
    }
    return index;
  }
  const char type = spec.empty() ? '\0' : spec[0];
  if ((type != 'a' && type != 'v') ||
      (spec.size() > 1 && (spec[1] != ':' || !is_number(spec.substr(2))))) {
    return none("expected [0:N], [0:a], [0:v], [0:a:K] or [0:v:K]");
  }
  const AVMediaType want = type == 'a' ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO;
  const int k = spec.size() > 1 ? std::stoi(spec.substr(2)) : 0;
  int seen = 0;
  for (int i = 0; i < n; ++i) {
    if (format->streams[i]->codecpar->codec_type != want) continue;
    if (seen++ == k) return i;
  }
  return none("it has " + std::to_string(seen) + " " +
              (type == 'a' ? "audio" : "video") + " stream(s)");
}

OutputGroup::OutputGroup(ComplexGraph graph, std::vector<int> sources)
    : graph_(std::move(graph)),
      sources_(std::move(sources)),
      outputs_(graph_.num_outputs(), nullptr) {}

bool OutputGroup::has_outputs() const {
  return std::any_of(outputs_.begin(), outputs_.end(),
                     [](const OutputStream* out) { return out != nullptr; });
}

void OutputGroup::push(int i, AVFrame* frame) {
  if (graph_.closed(i)) return;
  for (OutputStream* out : outputs_) {
    if (out != nullptr && frame != nullptr) out->count_decoded();
  }
  if (frame == nullptr) {
    // Without running the graph: pulling the outputs runs it, and by the
    // end of input every stream's last frames are in.
    graph_.close(i, /*run=*/false);
  } else {
    frame->pts = frame->best_effort_timestamp;
    graph_.push(i, frame);
  }
  pull_all();
  if (graph_.all_closed()) {
    for (OutputStream* out : outputs_) {
      if (out != nullptr) out->end_of_stream();
    }
  }
}

void OutputGroup::pull_all() {
  for (int j = 0; j < graph_.num_outputs(); ++j) {
    while (graph_.pull(j, filtered_.get()) == ComplexGraph::Pull::kFrame) {
      FrameUnrefGuard guard(filtered_.get());
      if (outputs_[j] != nullptr) outputs_[j]->take(filtered_.get());
    }
  }
}

}  // namespace ffstream::detail
