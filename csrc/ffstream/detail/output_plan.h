// OutputPlan: what one output will be, decided once from its options and its
// source stream before anything is built (no graph, no decoding): the checks
// of the options, the filter it runs, the format the converter writes
// straight into the chunk, and how its chunks are sized. OutputStream builds
// from a plan; the functions here are pure, so they are tested on their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ffstream/detail/chunk_buffer.h"
#include "ffstream/detail/complex_graph.h"
#include "ffstream/detail/converter.h"
#include "ffstream/detail/ffmpeg.h"
#include "ffstream/options.h"

namespace ffstream::detail {

struct OutputPlan {
  int source_index = -1;
  // The filter as the user sees it (the output's info); the graph may run
  // less of it (see direct_format). Empty: frames pass through.
  std::string filter_description;
  // When the filter only converts the pixel or sample format, the converter
  // does that while writing into the chunk and the graph passes frames
  // through. An AVPixelFormat or AVSampleFormat.
  std::optional<int> direct_format;
  ChunkSizing sizing;
};

// Throws for options no source could make an output of (the checks that
// need no FFmpeg state).
void check_output_options(const OutputOptions& o);

// The plan of an output that runs its own filter on the frames `decoder`
// makes of `stream`. Throws for bad options, frames the decoder does not
// describe, or a rotation rotate=True cannot make. `context` names the
// stream in errors.
OutputPlan plan_output(const OutputOptions& o, const AVStream* stream,
                       const AVCodecContext* decoder, const std::string& context);

// The plan of output `sink` of a group's graph described by `description`;
// `stream` is the source stream of the group's first input.
OutputPlan plan_group_output(const OutputOptions& o, const AVStream* stream,
                             const SinkParams& sink, const std::string& description);

// The pieces of a plan, exposed for tests.

// Quarter turns counter-clockwise (0 to 3) that bring the frames of a stream
// whose display matrix turns by `degrees` upright, 0 without rotate.
int upright_turns(const OutputOptions& o, double degrees, const std::string& context);
// The filter string of the basic options (format, sample_rate, ...), with
// `turns` quarter turns last; empty when nothing changes.
std::string basic_filter(const OutputOptions& o, int turns);
// The filter the output runs, frames decoded in `decoded_format`.
std::string effective_filter(const OutputOptions& o, int decoded_format, int turns);
// The format the converter writes straight into the chunk, if any.
std::optional<int> direct_format(const OutputOptions& o, int decoded_format, int turns);

// What the GPU decodes `stream` into: the planes' format, which NVDEC picks
// from the stream's bit depth and chroma subsampling, and the frame size
// after a *_cuvid decoder's "crop" and "resize" options.
struct GpuFrames {
  AVPixelFormat sw_format = AV_PIX_FMT_NONE;
  int width = 0, height = 0;
};
GpuFrames gpu_frames(const AVStream* stream, const OptionMap& decoder_options,
                     const std::string& context);

// Throws unless frames_per_chunk frames of `layout` fit the address space.
const FrameLayout& check_chunk_bytes(const FrameLayout& layout, const OutputOptions& o);

// The frames the chunk buffer should expect up front (see ChunkBuffer): one
// window by seconds_per_chunk, the whole stream for frames_per_chunk=-1
// (from the duration in the header, capped), else 0. `rate`: output frames
// (audio: samples) per second, 0 if unknown.
int64_t capacity_hint(const OutputOptions& o, const AVFormatContext* format,
                      const AVStream* stream, double rate, size_t frame_bytes);

}  // namespace ffstream::detail
