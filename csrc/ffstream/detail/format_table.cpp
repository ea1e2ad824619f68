#include "ffstream/detail/format_table.h"

#include <iterator>
#include <vector>

namespace ffstream::detail {

namespace {

// Packed RGB-like formats are stored packed; the chunk exposes them as
// (C, H, W) through strides (channels_last), so no planar reshuffle is needed.
constexpr PixelFormatSpec kPixelFormats[] = {
    {AV_PIX_FMT_RGB24, DType::kUInt8, 3, PixelLayout::kPacked},
    {AV_PIX_FMT_BGR24, DType::kUInt8, 3, PixelLayout::kPacked},
    {AV_PIX_FMT_ARGB, DType::kUInt8, 4, PixelLayout::kPacked},
    {AV_PIX_FMT_RGBA, DType::kUInt8, 4, PixelLayout::kPacked},
    {AV_PIX_FMT_ABGR, DType::kUInt8, 4, PixelLayout::kPacked},
    {AV_PIX_FMT_BGRA, DType::kUInt8, 4, PixelLayout::kPacked},
    {AV_PIX_FMT_GRAY8, DType::kUInt8, 1, PixelLayout::kPacked},
    {AV_PIX_FMT_RGB48LE, DType::kInt16, 3, PixelLayout::kPacked, true},
    {AV_PIX_FMT_YUV444P, DType::kUInt8, 3, PixelLayout::kPlanar},
    {AV_PIX_FMT_YUV420P, DType::kUInt8, 3, PixelLayout::kPlanarChromaUp},
    {AV_PIX_FMT_YUV420P10LE, DType::kInt16, 3, PixelLayout::kPlanarChromaUp},
    {AV_PIX_FMT_NV12, DType::kUInt8, 3, PixelLayout::kNV12ChromaUp},
};

constexpr SampleFormatSpec kSampleFormats[] = {
    {AV_SAMPLE_FMT_U8, DType::kUInt8, false},
    {AV_SAMPLE_FMT_U8P, DType::kUInt8, true},
    {AV_SAMPLE_FMT_S16, DType::kInt16, false},
    {AV_SAMPLE_FMT_S16P, DType::kInt16, true},
    {AV_SAMPLE_FMT_S32, DType::kInt32, false},
    {AV_SAMPLE_FMT_S32P, DType::kInt32, true},
    {AV_SAMPLE_FMT_S64, DType::kInt64, false},
    {AV_SAMPLE_FMT_S64P, DType::kInt64, true},
    {AV_SAMPLE_FMT_FLT, DType::kFloat32, false},
    {AV_SAMPLE_FMT_FLTP, DType::kFloat32, true},
    {AV_SAMPLE_FMT_DBL, DType::kFloat64, false},
    {AV_SAMPLE_FMT_DBLP, DType::kFloat64, true},
};

}  // namespace

const PixelFormatSpec* find_pixel_format(AVPixelFormat format) {
  for (const auto& spec : kPixelFormats) {
    if (spec.format == format) return &spec;
  }
  return nullptr;
}

const SampleFormatSpec* find_sample_format(AVSampleFormat format) {
  for (const auto& spec : kSampleFormats) {
    if (spec.format == format) return &spec;
  }
  return nullptr;
}

std::string supported_pixel_format_names() {
  std::string names;
  for (const auto& spec : kPixelFormats) {
    if (!names.empty()) names += ", ";
    names += av_get_pix_fmt_name(spec.format);
  }
  return names;
}

bool is_yuv(AVPixelFormat format) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
  return desc != nullptr && desc->nb_components >= 3 &&
         !(desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_HWACCEL |
                          AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_PAL |
                          AV_PIX_FMT_FLAG_BAYER));
}

AVPixelFormat nearest_supported_pixel_format(AVPixelFormat source) {
  std::vector<AVPixelFormat> candidates;
  for (const auto& spec : kPixelFormats) candidates.push_back(spec.format);
  candidates.push_back(AV_PIX_FMT_NONE);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(source);
  int has_alpha = desc && (desc->flags & AV_PIX_FMT_FLAG_ALPHA) ? 1 : 0;
  AVPixelFormat best = avcodec_find_best_pix_fmt_of_list(
      candidates.data(), source, has_alpha, nullptr);
  return best == AV_PIX_FMT_NONE ? AV_PIX_FMT_RGB24 : best;
}

}  // namespace ffstream::detail
