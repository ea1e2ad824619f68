#include "ffstream/detail/converter.h"

#include <cstring>
#include <new>
#include <string>

#include "ffstream/detail/cuda_device.h"
#include "ffstream/detail/format_table.h"
#include "ffstream/error.h"

namespace ffstream::detail {

struct Writers {
  // ---- video ----
  // swscale converts the frame's format into the chunk's. Its SIMD writers
  // work in blocks of up to kSimdBlock bytes and assume padded rows, as an
  // AVFrame's are: given packed rows they write past a row's last pixel
  // (past the chunk, for its last row), and some leave a row's last pixels
  // unwritten when the stride has no room for a whole block (FFmpeg 5.1's
  // x86 yuv2rgb). So swscale writes straight into the chunk only where every
  // plane starts on a block boundary and its rows are whole blocks (1920,
  // 1280 or 640 wide rgb24); measured on FFmpeg 5.1 over every input and
  // output format of the sweep in tests/cpp/test_converter.cpp, the only
  // write past such rows is one byte (rgb24 to argb), which lands in the
  // next frame's slot (written after this one) or the storage's tail slack
  // (kStorageTailSlack). Every other size goes through a padded frame whose
  // rows are then copied into the chunk.
  static constexpr int kSimdBlock = 64;

  static void swscale(Converter& c, const AVFrame* f, int64_t, int64_t,
                      uint8_t* dst) {
    // From the format, not the strides: a 1x1 planar image has strides of 1.
    const int planes = av_pix_fmt_count_planes(c.format_);
    const bool packed = planes == 1;
    const size_t elem = dtype_size(c.layout_.dtype);
    uint8_t* dst_data[4] = {};
    int dst_linesize[4] = {};
    bool whole_blocks = true;
    for (int p = 0; p < planes; ++p) {
      dst_linesize[p] = static_cast<int>(
          (packed ? c.layout_.shape[0] : 1) * c.width_ * elem);
      dst_data[p] = dst + static_cast<size_t>(p) * dst_linesize[p] * c.height_;
      whole_blocks = whole_blocks && dst_linesize[p] % kSimdBlock == 0 &&
                     reinterpret_cast<uintptr_t>(dst_data[p]) % kSimdBlock == 0;
    }
    c.prepare_sws(f);
    if (whole_blocks && c.sws_width_ == c.width_) {
      sws_scale(c.sws_.get(), f->data, f->linesize, 0, c.height_, dst_data,
                dst_linesize);
      return;
    }
    const uint8_t* src[4] = {f->data[0], f->data[1], f->data[2], f->data[3]};
    int src_linesize[4] = {f->linesize[0], f->linesize[1], f->linesize[2],
                           f->linesize[3]};
    if (c.sws_width_ > c.width_) c.widen_rows(f, src, src_linesize);
    AVFrame* padded = c.padded_frame();
    sws_scale(c.sws_.get(), src, src_linesize, 0, c.height_, padded->data,
              padded->linesize);
    for (int p = 0; p < planes; ++p) {
      av_image_copy_plane(dst_data[p], dst_linesize[p], padded->data[p],
                          padded->linesize[p], dst_linesize[p], c.height_);
    }
  }

  static void packed(Converter& c, const AVFrame* f, int64_t, int64_t,
                     uint8_t* dst) {
    size_t row = c.layout_.shape[0] * c.width_ * dtype_size(c.layout_.dtype);
    av_image_copy_plane(dst, row, f->data[0], f->linesize[0], row, c.height_);
  }

  // One full-size plane per channel.
  static void planar(Converter& c, const AVFrame* f, int64_t, int64_t,
                     uint8_t* dst) {
    size_t row = c.width_ * dtype_size(c.layout_.dtype);
    for (int p = 0; p < c.layout_.shape[0]; ++p) {
      av_image_copy_plane(dst + p * row * c.height_, row, f->data[p],
                          f->linesize[p], row, c.height_);
    }
  }

  // yuv420p as decoded: the Y plane, then U and V (each W/2 x H/2), back
  // to back (I420).
  static void i420(Converter& c, const AVFrame* f, int64_t, int64_t,
                   uint8_t* dst) {
    const int w = c.width_, h = c.height_;
    av_image_copy_plane(dst, w, f->data[0], f->linesize[0], w, h);
    uint8_t* u = dst + static_cast<size_t>(w) * h;
    av_image_copy_plane(u, w / 2, f->data[1], f->linesize[1], w / 2, h / 2);
    av_image_copy_plane(u + static_cast<size_t>(w / 2) * (h / 2), w / 2,
                        f->data[2], f->linesize[2], w / 2, h / 2);
  }

  // A frame on a CUDA device: its planes copied as they are, on the device.
  static void cuda_planes(Converter& c, const AVFrame* f, int64_t, int64_t,
                          uint8_t* dst) {
    const AVPixelFormat sw = f->hw_frames_ctx
        ? reinterpret_cast<const AVHWFramesContext*>(f->hw_frames_ctx->data)->sw_format
        : AV_PIX_FMT_NONE;
    if (f->format != AV_PIX_FMT_CUDA || sw != c.format_ || f->width != c.width_ ||
        f->height != c.height_) {
      const char* got = av_get_pix_fmt_name(f->format == AV_PIX_FMT_CUDA
                                                ? sw
                                                : static_cast<AVPixelFormat>(f->format));
      throw Error(ErrorKind::kInvalidData,
                  std::string("the GPU decoder gave a ") + (got ? got : "unknown") +
                      (f->format == AV_PIX_FMT_CUDA ? " CUDA" : " host") + " frame of " +
                      std::to_string(f->width) + "x" + std::to_string(f->height) +
                      ", but the output was set up for " +
                      av_get_pix_fmt_name(c.format_) + " CUDA frames of " +
                      std::to_string(c.width_) + "x" + std::to_string(c.height_) +
                      " (the stream changed its format or size, or the GPU fell "
                      "back to the CPU)");
    }
    c.cuda_->copy_planes(f, c.cuda_planes_, c.cuda_rows_, c.cuda_row_bytes_, dst);
  }

  // Nearest-neighbour upsampling of a subsampled chroma plane into a full-size
  // one. `step`/`offset` pick U or V from an interleaved (NV12) plane.
  template <typename T>
  static void upsample_plane(Converter& c, const uint8_t* src,
                             int linesize, int step, int offset, T* dst) {
    for (int y = 0; y < c.height_; ++y) {
      const T* in =
          reinterpret_cast<const T*>(src + (y >> c.chroma_shift_h_) * linesize);
      T* out = dst + static_cast<int64_t>(y) * c.width_;
      if (y > 0 && (y >> c.chroma_shift_h_) == ((y - 1) >> c.chroma_shift_h_)) {
        std::memcpy(out, out - c.width_, c.width_ * sizeof(T));
        continue;
      }
      if (c.chroma_shift_w_ == 1 && step == 1) {
        // 4:2:0 and 4:2:2 planes: each sample twice. This simple form is
        // what the compiler vectorizes (the general loop below is not).
        const int half = c.width_ / 2;
        for (int x = 0; x < half; ++x) {
          const T v = in[x];
          out[2 * x] = v;
          out[2 * x + 1] = v;
        }
        if (c.width_ % 2 != 0) out[c.width_ - 1] = in[half];
        continue;
      }
      for (int x = 0; x < c.width_; ++x) {
        out[x] = in[(x >> c.chroma_shift_w_) * step + offset];
      }
    }
  }

  template <typename T>
  static void planar_chroma_up(Converter& c, const AVFrame* f, int64_t,
                               int64_t, uint8_t* dst) {
    size_t plane = static_cast<size_t>(c.width_) * c.height_ * sizeof(T);
    av_image_copy_plane(dst, c.width_ * sizeof(T), f->data[0], f->linesize[0],
                        c.width_ * sizeof(T), c.height_);
    for (int p = 1; p <= 2; ++p) {
      upsample_plane<T>(c, f->data[p], f->linesize[p], 1, 0,
                        reinterpret_cast<T*>(dst + p * plane));
    }
  }

  static void nv12_chroma_up(Converter& c, const AVFrame* f, int64_t,
                             int64_t, uint8_t* dst) {
    size_t plane = static_cast<size_t>(c.width_) * c.height_;
    av_image_copy_plane(dst, c.width_, f->data[0], f->linesize[0], c.width_,
                        c.height_);
    for (int p = 1; p <= 2; ++p) {
      upsample_plane<uint8_t>(c, f->data[1], f->linesize[1], 2, p - 1,
                              dst + p * plane);
    }
  }

  // ---- audio ----
  static void interleaved(Converter& c, const AVFrame* f, int64_t first,
                          int64_t count, uint8_t* dst) {
    size_t frame_bytes = c.layout_.bytes();
    std::memcpy(dst, f->extended_data[0] + first * frame_bytes,
                count * frame_bytes);
  }

  // swresample converts the sample format while interleaving into the chunk.
  static void swresample(Converter& c, const AVFrame* f, int64_t first,
                         int64_t count, uint8_t* dst) {
    c.prepare_swr(f);
    const auto in_format = static_cast<AVSampleFormat>(f->format);
    const bool planar = av_sample_fmt_is_planar(in_format);
    const int64_t channels = c.layout_.shape[0];
    const int64_t step = av_get_bytes_per_sample(in_format) * (planar ? 1 : channels);
    c.swr_planes_.resize(planar ? channels : 1);
    for (size_t p = 0; p < c.swr_planes_.size(); ++p) {
      c.swr_planes_[p] = f->extended_data[p] + first * step;
    }
    uint8_t* out[1] = {dst};
    const int n = swr_convert(c.swr_.get(), out, static_cast<int>(count),
                              c.swr_planes_.data(), static_cast<int>(count));
    if (n != count) {
      throw Error(ErrorKind::kGeneric,
                  "swr_convert converted " + std::to_string(n) + " of " +
                      std::to_string(count) + " samples");
    }
  }

  // Planar samples interleaved into (frames, channels) as they are copied.
  template <typename T>
  static void planar_to_interleaved(Converter& c, const AVFrame* f,
                                    int64_t first, int64_t count,
                                    uint8_t* dst) {
    const int64_t channels = c.layout_.shape[0];
    T* out = reinterpret_cast<T*>(dst);
    for (int64_t ch = 0; ch < channels; ++ch) {
      const T* in = reinterpret_cast<const T*>(f->extended_data[ch]) + first;
      for (int64_t i = 0; i < count; ++i) out[i * channels + ch] = in[i];
    }
  }
};

Converter Converter::for_cuda(AVPixelFormat sw_format, int width, int height,
                              std::shared_ptr<CudaDevice> device) {
  const bool semi_planar = sw_format == AV_PIX_FMT_NV12 ||
                           sw_format == AV_PIX_FMT_P010LE ||
                           sw_format == AV_PIX_FMT_P016LE;
  const bool full = sw_format == AV_PIX_FMT_YUV444P || sw_format == AV_PIX_FMT_YUV444P16LE;
  const char* name = av_get_pix_fmt_name(sw_format);
  if (!semi_planar && !full) {
    throw Error(ErrorKind::kInvalidArgument,
                std::string("the GPU decodes this stream into ") + (name ? name : "none") +
                    " frames, which ffstream cannot keep on the GPU (it keeps nv12, "
                    "p010le, p016le, yuv444p and yuv444p16le)");
  }
  if (width <= 0 || height <= 0 || (semi_planar && (width % 2 != 0 || height % 2 != 0))) {
    throw Error(ErrorKind::kInvalidArgument,
                std::string("GPU frames of ") + std::to_string(width) + "x" +
                    std::to_string(height) + " " + name +
                    ": hw_accel needs an even width and height");
  }
  const bool wide = sw_format != AV_PIX_FMT_NV12 && sw_format != AV_PIX_FMT_YUV444P;
  const int64_t W = width, H = height;
  FrameLayout layout;
  layout.dtype = wide ? DType::kUInt16 : DType::kUInt8;
  if (semi_planar) {
    layout.shape = {H * 3 / 2, W};
    layout.strides = {W, 1};
    layout.elements = W * H * 3 / 2;
  } else {
    layout.shape = {3, H, W};
    layout.strides = {H * W, W, 1};
    layout.elements = 3 * H * W;
  }
  Converter c(layout, &Writers::cuda_planes);
  c.format_ = sw_format;
  c.width_ = width;
  c.height_ = height;
  c.cuda_ = std::move(device);
  c.cuda_planes_ = semi_planar ? 2 : 3;
  c.cuda_rows_[0] = height;
  c.cuda_rows_[1] = semi_planar ? height / 2 : height;
  c.cuda_rows_[2] = height;
  c.cuda_row_bytes_ = static_cast<size_t>(width) * dtype_size(layout.dtype);
  return c;
}

bool Converter::can_convert_into(AVPixelFormat format) {
  const PixelFormatSpec* spec = find_pixel_format(format);
  return spec != nullptr && (spec->layout == PixelLayout::kPacked ||
                             spec->layout == PixelLayout::kPlanar);
}

Converter Converter::for_video(AVPixelFormat format, int width, int height,
                               AVPixelFormat input, bool i420) {
  if (i420) {
    if (format != AV_PIX_FMT_YUV420P) {
      const char* name = av_get_pix_fmt_name(format);
      throw Error(ErrorKind::kInvalidArgument,
                  std::string("yuv_layout='i420' needs yuv420p frames, the "
                              "output gives ") +
                      (name ? name : "none"));
    }
    if (width % 2 != 0 || height % 2 != 0) {
      throw Error(ErrorKind::kInvalidArgument,
                  "yuv_layout='i420' needs an even width and height, got " +
                      std::to_string(width) + "x" + std::to_string(height) +
                      " (scale to an even size, or use the full-size layout)");
    }
    FrameLayout layout;
    layout.dtype = DType::kUInt8;
    layout.shape = {int64_t{height} * 3 / 2, width};
    layout.strides = {width, 1};
    layout.elements = int64_t{width} * height * 3 / 2;
    Converter c(layout, &Writers::i420);
    c.format_ = format;
    c.width_ = width;
    c.height_ = height;
    return c;
  }
  const PixelFormatSpec* spec = find_pixel_format(format);
  if (spec == nullptr) {
    const char* name = av_get_pix_fmt_name(format);
    throw Error(ErrorKind::kInvalidArgument,
                std::string("pixel format '") + (name ? name : "none") +
                    "' cannot be converted to a tensor; end the filter with "
                    "format=pix_fmts=<one of: " +
                    supported_pixel_format_names() + ">");
  }
  const int64_t C = spec->channels, H = height, W = width;
  FrameLayout layout;
  layout.dtype = spec->dtype;
  layout.shape = {C, H, W};
  layout.elements = C * H * W;
  WriteFn write = nullptr;
  switch (spec->layout) {
    case PixelLayout::kPacked:
      layout.strides = {1, W * C, C};  // channels_last
      write = &Writers::packed;
      break;
    case PixelLayout::kPlanar:
      layout.strides = {H * W, W, 1};
      write = &Writers::planar;
      break;
    case PixelLayout::kPlanarChromaUp:
      layout.strides = {H * W, W, 1};
      write = dtype_size(spec->dtype) == 1 ? &Writers::planar_chroma_up<uint8_t>
                                           : &Writers::planar_chroma_up<uint16_t>;
      break;
    case PixelLayout::kNV12ChromaUp:
      layout.strides = {H * W, W, 1};
      write = &Writers::nv12_chroma_up;
      break;
  }
  if (input != AV_PIX_FMT_NONE && input != format) {
    if (!can_convert_into(format)) {
      throw Error(ErrorKind::kInvalidArgument,
                  std::string("swscale cannot write ") +
                      av_get_pix_fmt_name(format) + " into a chunk");
    }
    write = &Writers::swscale;
  }
  Converter c(layout, write);
  c.format_ = format;
  c.offset_to_signed_ = spec->offset_to_signed;
  c.width_ = width;
  c.height_ = height;
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
  c.chroma_shift_w_ = desc->log2_chroma_w;
  c.chroma_shift_h_ = desc->log2_chroma_h;
  return c;
}

// FFmpeg 5.1's unscaled YUV-to-RGB converters (libswscale/yuv2rgb.c) work
// on pixel pairs and leave the last pixel of an odd-width row unwritten for
// some outputs (argb, abgr and rgb48le on x86-64; the ffmpeg command's own
// output has zeros there). They serve 8-bit 4:2:0 and 4:2:2 input of an even
// height. Such frames are converted one column wider (the chroma planes are
// as wide either way), which changes no other pixel; the extra column is
// not copied into the chunk.
int Converter::sws_width_for(const AVFrame* f) const {
  const auto in = static_cast<AVPixelFormat>(f->format);
  const bool pairs_converter =
      (in == AV_PIX_FMT_YUV420P || in == AV_PIX_FMT_YUVJ420P ||
       in == AV_PIX_FMT_YUVA420P || in == AV_PIX_FMT_YUV422P ||
       in == AV_PIX_FMT_YUVJ422P) &&
      (av_pix_fmt_desc_get(format_)->flags & AV_PIX_FMT_FLAG_RGB) &&
      height_ % 2 == 0;
  return pairs_converter && width_ % 2 == 1 ? width_ + 1 : width_;
}

void Converter::widen_rows(const AVFrame* f, const uint8_t* src[4],
                           int src_linesize[4]) {
  // The extra column reads one byte past each luma (and alpha) row: the
  // row's padding in a decoder's frame, but the next row, or past the
  // buffer, where rows are packed (the lavfi device's frames). Those
  // planes are copied into rows with room first.
  const size_t stride = static_cast<size_t>(sws_width_);
  for (int p : {0, 3}) {
    if (f->data[p] == nullptr || f->linesize[p] >= sws_width_) continue;
    std::vector<uint8_t>& rows = widened_[p == 0 ? 0 : 1];
    rows.resize(stride * height_);
    for (int y = 0; y < height_; ++y) {
      const uint8_t* in = f->data[p] + static_cast<ptrdiff_t>(y) * f->linesize[p];
      uint8_t* out = rows.data() + y * stride;
      std::memcpy(out, in, width_);
      out[width_] = in[width_ - 1];
    }
    src[p] = rows.data();
    src_linesize[p] = static_cast<int>(stride);
  }
}

void Converter::prepare_sws(const AVFrame* f) {
  const int range = f->color_range;
  const int width = sws_width_for(f);
  if (sws_ && f->format == sws_input_ && f->colorspace == sws_colorspace_ &&
      range == sws_range_ && width == sws_width_) {
    return;
  }
  if (width != sws_width_) padded_.reset();
  sws_width_ = width;
  // Same choices as libavfilter's scale filter with its defaults, so values
  // match those of a "format=pix_fmts=..." filter: bicubic (the scale
  // filter's default in FFmpeg 5.1; the tests compare the two byte for
  // byte), the frame's colour matrix, and its range when the frame states
  // one.
  const auto in = static_cast<AVPixelFormat>(f->format);
  if (in == format_) {
    // Only the range changes (in_output_range). swscale picks a plain copy
    // for one format in and out when it is set up, unless it knows then
    // that the ranges differ.
    sws_.reset(sws_alloc_context());
    SwsContext* s = sws_.get();
    const bool ok =
        s != nullptr && av_opt_set_int(s, "srcw", width, 0) >= 0 &&
        av_opt_set_int(s, "srch", height_, 0) >= 0 &&
        av_opt_set_int(s, "src_format", in, 0) >= 0 &&
        av_opt_set_int(s, "dstw", width, 0) >= 0 &&
        av_opt_set_int(s, "dsth", height_, 0) >= 0 &&
        av_opt_set_int(s, "dst_format", format_, 0) >= 0 &&
        av_opt_set_int(s, "sws_flags", SWS_BICUBIC, 0) >= 0 &&
        av_opt_set_int(s, "src_range", f->color_range == AVCOL_RANGE_JPEG, 0) >= 0 &&
        av_opt_set_int(s, "dst_range", !is_yuv(format_), 0) >= 0 &&
        sws_init_context(s, nullptr, nullptr) >= 0;
    if (!ok) sws_.reset();
  } else {
    sws_.reset(sws_getContext(width, height_, in, width, height_, format_,
                              SWS_BICUBIC, nullptr, nullptr, nullptr));
  }
  if (!sws_) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
    throw Error(ErrorKind::kInvalidArgument,
                std::string("swscale cannot convert ") + (name ? name : "?") +
                    " to " + av_get_pix_fmt_name(format_));
  }
  sws_input_ = f->format;
  sws_colorspace_ = f->colorspace;
  sws_range_ = range;
  // A colour matrix and range apply to YUV input only.
  const AVPixFmtDescriptor* desc =
      av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f->format));
  if (desc == nullptr || (desc->flags & AV_PIX_FMT_FLAG_RGB)) return;
  int *inv_table = nullptr, *table = nullptr;
  int in_full = 0, out_full = 0, brightness = 0, contrast = 0, saturation = 0;
  sws_getColorspaceDetails(sws_.get(), &inv_table, &in_full, &table, &out_full,
                           &brightness, &contrast, &saturation);
  const int* coefficients = sws_getCoefficients(f->colorspace);
  if (f->color_range != AVCOL_RANGE_UNSPECIFIED) {
    in_full = f->color_range == AVCOL_RANGE_JPEG;
  }
  // The colour-range rule (converter.h).
  if (is_yuv(format_)) out_full = 0;
  if (format_ == AV_PIX_FMT_GRAY8) out_full = 1;
  sws_setColorspaceDetails(sws_.get(), coefficients, in_full, coefficients,
                           out_full, brightness, contrast, saturation);
}

const AVFrame* Converter::in_output_range(const AVFrame* f) {
  const auto in = static_cast<AVPixelFormat>(f->format);
  const bool wrong_range =
      (is_yuv(in) && f->color_range == AVCOL_RANGE_JPEG) ||
      (in == AV_PIX_FMT_GRAY8 && f->color_range == AVCOL_RANGE_MPEG);
  if (in != format_ || !wrong_range) return f;
  prepare_sws(f);
  AVFrame* converted = padded_frame();
  sws_scale(sws_.get(), f->data, f->linesize, 0, height_, converted->data,
            converted->linesize);
  converted->color_range = is_yuv(in) ? AVCOL_RANGE_MPEG : AVCOL_RANGE_JPEG;
  return converted;
}

AVFrame* Converter::padded_frame() {
  if (padded_) return padded_.get();
  FramePtr frame(av_frame_alloc());
  if (!frame) throw std::bad_alloc();
  frame->format = format_;
  frame->width = sws_width_;
  frame->height = height_;
  // Rows aligned to whole SIMD blocks, and FFmpeg's own padding after them.
  const int ret = av_frame_get_buffer(frame.get(), Writers::kSimdBlock);
  if (ret < 0) {
    throw Error(ErrorKind::kGeneric,
                "av_frame_get_buffer for a " + std::to_string(width_) + "x" +
                    std::to_string(height_) + " " + av_get_pix_fmt_name(format_) +
                    " frame failed",
                ret);
  }
  padded_ = std::move(frame);
  return padded_.get();
}

Converter Converter::for_audio(AVSampleFormat format, int num_channels,
                               AVSampleFormat input) {
  const SampleFormatSpec* spec = find_sample_format(format);
  if (spec == nullptr) {
    const char* name = av_get_sample_fmt_name(format);
    throw Error(ErrorKind::kInvalidArgument,
                std::string("sample format '") + (name ? name : "none") +
                    "' cannot be converted to a tensor");
  }
  FrameLayout layout;
  layout.dtype = spec->dtype;
  layout.shape = {num_channels};
  layout.strides = {1};
  layout.elements = num_channels;
  WriteFn write = &Writers::interleaved;
  if (spec->planar) {
    switch (dtype_size(spec->dtype)) {
      case 1: write = &Writers::planar_to_interleaved<uint8_t>; break;
      case 2: write = &Writers::planar_to_interleaved<uint16_t>; break;
      case 4: write = &Writers::planar_to_interleaved<uint32_t>; break;
      default: write = &Writers::planar_to_interleaved<uint64_t>; break;
    }
  }
  if (input != AV_SAMPLE_FMT_NONE && input != format) {
    write = &Writers::swresample;
  }
  Converter c(layout, write);
  c.sample_format_ = av_get_packed_sample_fmt(format);
  return c;
}

void Converter::prepare_swr(const AVFrame* f) {
  if (swr_ && f->format == swr_input_) return;
  const auto in_format = static_cast<AVSampleFormat>(f->format);
  SwrContext* swr = nullptr;
  // Same channels and rate on both sides: a pure sample-format conversion.
#if FFSTREAM_HAS_CH_LAYOUT
  // FFmpeg 5.1 takes the layouts as non-const pointers: pass a copy.
  AVChannelLayout layout{};
  int ret = av_channel_layout_copy(&layout, &f->ch_layout);
  if (ret >= 0) {
    ret = swr_alloc_set_opts2(&swr, &layout, sample_format_, f->sample_rate,
                              &layout, in_format, f->sample_rate, 0, nullptr);
  }
  av_channel_layout_uninit(&layout);
#else
  const int64_t layout = f->channel_layout
                             ? f->channel_layout
                             : av_get_default_channel_layout(f->channels);
  swr = swr_alloc_set_opts(nullptr, layout, sample_format_, f->sample_rate,
                           layout, in_format, f->sample_rate, 0, nullptr);
  int ret = swr ? 0 : AVERROR(ENOMEM);
#endif
  swr_.reset(swr);
  if (ret >= 0) ret = swr_init(swr_.get());
  if (ret < 0) {
    throw Error(ErrorKind::kInvalidArgument,
                std::string("swresample cannot convert ") +
                    av_get_sample_fmt_name(in_format) + " to " +
                    av_get_sample_fmt_name(sample_format_),
                ret);
  }
  swr_input_ = f->format;
}

void Converter::convert(const AVFrame* frame, int64_t first, int64_t count,
                        uint8_t* dst) {
  if (width_ != 0 && (frame->width != width_ || frame->height != height_)) {
    throw Error(ErrorKind::kInvalidData,
                "frame size changed mid-stream from " + std::to_string(width_) +
                    "x" + std::to_string(height_) + " to " +
                    std::to_string(frame->width) + "x" +
                    std::to_string(frame->height) +
                    "; add a scale filter to get one size");
  }
  if (width_ == 0 && num_channels(frame) != layout_.shape[0]) {
    throw Error(ErrorKind::kInvalidData,
                "channel count changed mid-stream from " +
                    std::to_string(layout_.shape[0]) + " to " +
                    std::to_string(num_channels(frame)) +
                    "; add aformat=channel_layouts=... to get one count");
  }
  write_(*this, width_ != 0 && !cuda_ ? in_output_range(frame) : frame, first,
         count, dst);
  if (offset_to_signed_) {
    // v - 32768 in two's complement is v with its top bit flipped. The
    // frame was just written, so this pass runs over cached memory.
    auto* values = reinterpret_cast<uint16_t*>(dst);
    const size_t n = count * layout_.bytes() / sizeof(uint16_t);
    for (size_t i = 0; i < n; ++i) values[i] ^= 0x8000u;
  }
}

}  // namespace ffstream::detail
