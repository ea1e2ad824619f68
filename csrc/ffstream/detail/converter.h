// Converter: writes decoded (already filtered) frames straight into their slot
// of a chunk's memory. This is the single copy of the data path. Which writer
// runs is chosen once, from the format table, when the converter is made.
// A converter may also change the pixel or sample format on the way
// (swscale or swresample writing into the chunk), which saves the filter
// graph's extra frame copy. Owns its Sws/SwrContext; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ffstream/chunk.h"
#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/raii.h"

namespace ffstream::detail {

class CudaDevice;

// How one frame (one image, or one audio sample across channels) is laid out
// inside a chunk; a chunk is N such frames back to back.
struct FrameLayout {
  DType dtype = DType::kUInt8;
  std::vector<int64_t> shape;    // (C, H, W) for video, (C) for audio
  std::vector<int64_t> strides;  // elements, within one frame
  int64_t elements = 0;          // elements per frame
  size_t bytes() const { return elements * dtype_size(dtype); }
};

// The colour-range rule, one for every path a frame takes (straight from
// the decoder, or out of a filter graph, torchaudio's basic filters or a
// user's): a chunk in a YUV format holds limited-range ("tv") samples. So
// were YUV outputs on FFmpeg 5.1, whose decoders gave full-range video as
// yuvj formats that every conversion to a YUV format took to limited range
// (torchaudio gave that). FFmpeg 7.1 and later decode the same video as
// yuv420p with color_range=pc, and their filters keep that range; without
// the rule one file would give other levels on another FFmpeg. RGB and gray
// chunks are full range, converted from the frame's stated range (gray too:
// 5.1 expands luma to full range; 7.1 and later may hand gray frames over in
// limited range). A frame that arrives in the output's own format with the
// other range (full-range YUV, limited-range gray) is converted here.
class Converter {
 public:
  // Throws kInvalidArgument naming the format when it has no converter.
  // Frames come in `format`, or in `input` when given, which is then converted
  // by swscale (possible when can_convert_into(format)).
  // With `i420`, yuv420p frames keep their planes as decoded: one
  // (H * 3 / 2, W) uint8 image per frame, Y then U then V (even sizes only).
  static Converter for_video(AVPixelFormat format, int width, int height,
                             AVPixelFormat input = AV_PIX_FMT_NONE,
                             bool i420 = false);
  // Frames decoded on a CUDA device (AV_PIX_FMT_CUDA) whose planes are in
  // `sw_format`, copied as they are into device memory: one (H * 3 / 2, W)
  // image a frame for nv12 (uint8) and p010le/p016le (uint16), Y rows then
  // the interleaved UV rows; (3, H, W) for yuv444p and yuv444p16le. Throws
  // kInvalidArgument for other formats and odd sizes.
  static Converter for_cuda(AVPixelFormat sw_format, int width, int height,
                            std::shared_ptr<CudaDevice> device);
  // Whether swscale can write `format` straight into a chunk (packed or
  // full-size planar formats; not the chroma-upsampled layouts).
  static bool can_convert_into(AVPixelFormat format);
  // Samples come in `format`, or in `input` when given, which swresample
  // then converts.
  static Converter for_audio(AVSampleFormat format, int num_channels,
                             AVSampleFormat input = AV_SAMPLE_FMT_NONE);

  const FrameLayout& layout() const { return layout_; }
  // Video: the frame size written, and the format written (for_cuda: of
  // the planes).
  int width() const { return width_; }
  int height() const { return height_; }
  AVPixelFormat format() const { return format_; }

  // Writes frames [first, first + count) of `frame` to `dst`. For video a
  // frame holds one image (first = 0, count = 1); for audio, samples.
  void convert(const AVFrame* frame, int64_t first, int64_t count,
               uint8_t* dst);

 private:
  using WriteFn = void (*)(Converter&, const AVFrame*, int64_t, int64_t,
                           uint8_t*);
  Converter(FrameLayout layout, WriteFn write) : layout_(layout), write_(write) {}

  // Sets sws_ up for `frame`'s format, colour matrix and range.
  void prepare_sws(const AVFrame* frame);
  // `frame`, or, where it is in the output's own format with the other
  // range (the colour-range rule above), its copy converted.
  const AVFrame* in_output_range(const AVFrame* frame);
  // The width swscale converts `frame` at: width_, or one more where
  // FFmpeg's converter would leave the last column unwritten.
  int sws_width_for(const AVFrame* frame) const;
  // Points `src` at copies of `frame`'s luma and alpha rows with room for
  // that extra column, where its own rows have none.
  void widen_rows(const AVFrame* frame, const uint8_t* src[4],
                  int src_linesize[4]);
  // The padded frame swscale writes into when the chunk's rows cannot take
  // its writes (see Writers::swscale); made on first use.
  AVFrame* padded_frame();
  // Sets swr_ up for `frame`'s sample format, layout and rate.
  void prepare_swr(const AVFrame* frame);

  FrameLayout layout_;
  WriteFn write_;
  int width_ = 0, height_ = 0;
  int chroma_shift_w_ = 0, chroma_shift_h_ = 0;
  AVPixelFormat format_ = AV_PIX_FMT_NONE;
  bool offset_to_signed_ = false;  // see PixelFormatSpec
  // CUDA frames: the device and the planes' rows (see for_cuda).
  std::shared_ptr<CudaDevice> cuda_;
  int cuda_planes_ = 0;
  int cuda_rows_[3] = {};
  size_t cuda_row_bytes_ = 0;
  // swscale path: the context and the frame properties it was set up for.
  SwsContextPtr sws_;
  int sws_input_ = AV_PIX_FMT_NONE;
  int sws_colorspace_ = -1, sws_range_ = -1, sws_width_ = 0;
  FramePtr padded_;
  std::vector<uint8_t> widened_[2];  // luma and alpha rows (widen_rows)
  // swresample path: target sample format (packed: chunks are interleaved).
  AVSampleFormat sample_format_ = AV_SAMPLE_FMT_NONE;
  SwrContextPtr swr_;
  int swr_input_ = AV_SAMPLE_FMT_NONE;
  std::vector<const uint8_t*> swr_planes_;

  friend struct Writers;
};

}  // namespace ffstream::detail
