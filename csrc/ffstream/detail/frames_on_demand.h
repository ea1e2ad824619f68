// Frames on demand: the frames of one output at given indices, in the order
// asked, each decoded once however often it is asked for.
//
// Targets are visited in presentation order. For each, the reader either
// decodes forward from where it is (the target is still ahead and no key
// frame lies between: a seek would land no nearer) or makes a precise seek
// to it; then it decodes until the target frame reaches the output and
// takes it. Every other output moves along (frames before the target are
// forgotten), so that afterwards all of them go on after the latest frame
// returned.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ffstream/chunk.h"
#include "ffstream/detail/frame_index.h"
#include "ffstream/detail/output_stream.h"

namespace ffstream::detail {

// What frames on demand needs of the reader.
class ReaderSteps {
 public:
  // A precise seek to `seconds` (>= 0).
  virtual void seek_precise(double seconds) = 0;
  // Moves every output to `seconds` without a seek (OutputStream::skip_to);
  // the last seek's landing checks end.
  virtual void skip_to(double seconds) = 0;
  // Processes one packet; false once the source is at its end and drained.
  virtual bool process_packet() = 0;
  virtual bool at_end() const = 0;

 protected:
  ~ReaderSteps() = default;
};

// The frames of `out` at `indices` (presentation order, checked by the
// caller against the index) as one chunk.
Chunk frames_on_demand(OutputStream& out, const FrameIndex& index,
                       const std::vector<int64_t>& indices,
                       ReaderSteps& reader, const std::string& context);

}  // namespace ffstream::detail
