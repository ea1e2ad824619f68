// The one table that says how each supported pixel and sample format lands in
// a chunk: element type, channel count and memory layout.
#pragma once

#include <string>

#include "ffstream/chunk.h"
#include "ffstream/detail/ffmpeg.h"

namespace ffstream::detail {

enum class PixelLayout {
  kPacked,          // one plane, channels interleaved (rgb24, gray, ...)
  kPlanar,          // one full-size plane per channel (yuv444p)
  kPlanarChromaUp,  // Y plane + subsampled U, V planes brought to full size
  kNV12ChromaUp,    // Y plane + interleaved subsampled UV plane, full size
};

struct PixelFormatSpec {
  AVPixelFormat format;
  DType dtype;
  int channels;
  PixelLayout layout;
  // Unsigned 16-bit values stored as int16 minus 32768 (the sign bit
  // flipped): how torchaudio returned rgb48le, so code written for it gets
  // the same numbers.
  bool offset_to_signed = false;
};

struct SampleFormatSpec {
  AVSampleFormat format;
  DType dtype;
  bool planar;
};

// nullptr when the format has no converter.
const PixelFormatSpec* find_pixel_format(AVPixelFormat format);
const SampleFormatSpec* find_sample_format(AVSampleFormat format);

// "rgb24, bgr24, ..." for error messages.
std::string supported_pixel_format_names();

// Whether `format` holds luma and chroma samples (yuv420p, yuvj420p, nv12,
// yuv444p10le, ...): the formats a colour range applies to as levels. Gray
// and RGB formats are not.
bool is_yuv(AVPixelFormat format);

// The supported format that loses least when converting from `source`.
AVPixelFormat nearest_supported_pixel_format(AVPixelFormat source);

}  // namespace ffstream::detail
