// Which filter graphs pass each video frame on alone: one frame out for
// every frame in, made from that frame only, with its pts. Frames on demand
// (StreamReader::frames_at) and skipping frames before a seek target rely on
// it: a frame that comes out after a seek must equal the same frame decoded
// from the start. The rule is one allow-list, in frame_by_frame.cpp.
#pragma once

#include <string>

#include "ffstream/detail/ffmpeg.h"

namespace ffstream::detail {

// Why the configured `graph` may not pass frames on alone, naming the first
// filter that does not ("" when every filter does).
std::string why_not_frame_by_frame(const AVFilterGraph* graph);

}  // namespace ffstream::detail
