#include "ffstream/detail/ffmpeg_compat.h"

#include <cstring>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/format_table.h"

namespace ffstream::detail {

bool is_supported_avutil(unsigned version) {
  return version >= kOldestAvutil &&
         static_cast<int>(AV_VERSION_MAJOR(version)) <= kNewestAvutilMajor;
}

bool is_end_of_input(AVFormatContext* format, int code, bool error_logged) {
  if (code == AVERROR_EOF) return true;
  if (code != AVERROR(EIO) || error_logged || format == nullptr ||
      format->pb == nullptr || format->url == nullptr) {
    return false;
  }
  const char* protocol = avio_find_protocol_name(format->url);
  if (protocol == nullptr ||
      (std::strcmp(protocol, "http") != 0 && std::strcmp(protocol, "https") != 0)) {
    return false;
  }
  // The http protocol answers a size query with ENOSYS when the response
  // named none (chunked transfer, or a live server that closes at the end).
  return avio_size(format->pb) < 0;
}

void ask_stated_range(AVFilterContext* sink, bool limited) {
  const int stated[] = {AVCOL_RANGE_MPEG, AVCOL_RANGE_JPEG};
  const int count = limited ? 1 : 2;
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(59, 36, 100)
  // FFmpeg 8.0 and later: an array option (9.0 has only this one).
  // The options are the filter's own: AV_OPT_SEARCH_CHILDREN reaches them.
  constexpr int kChildren = AV_OPT_SEARCH_CHILDREN;
  if (av_opt_find(sink, "colorranges", nullptr, 0, kChildren) != nullptr) {
    check_av(av_opt_set_array(sink, "colorranges", kChildren, 0, count, AV_OPT_TYPE_INT, stated),
             "av_opt_set_array(colorranges)", "a buffersink");
    return;
  }
#endif
  // FFmpeg 7.1: a binary list.
  if (av_opt_find(sink, "color_ranges", nullptr, 0, AV_OPT_SEARCH_CHILDREN) != nullptr) {
    check_av(av_opt_set_bin(sink, "color_ranges", reinterpret_cast<const uint8_t*>(stated),
                            count * sizeof stated[0], AV_OPT_SEARCH_CHILDREN),
             "av_opt_set_bin(color_ranges)", "a buffersink");
  }
}

std::string buffer_source_color_args(int color_space, int color_range) {
  static const bool has_options = [] {
    const AVFilter* buffer = avfilter_get_by_name("buffer");
    const AVClass* cls = buffer ? buffer->priv_class : nullptr;
    return cls != nullptr &&
           av_opt_find(&cls, "range", nullptr, 0, AV_OPT_SEARCH_FAKE_OBJ) != nullptr &&
           av_opt_find(&cls, "colorspace", nullptr, 0, AV_OPT_SEARCH_FAKE_OBJ) != nullptr;
  }();
  if (!has_options) return "";
  return ":colorspace=" + std::to_string(color_space) +
         ":range=" + std::to_string(color_range);
}

bool is_full_range_yuv(const AVFilterContext* sink) {
#if LIBAVFILTER_VERSION_INT >= AV_VERSION_INT(10, 5, 100)
  const auto format = static_cast<AVPixelFormat>(av_buffersink_get_format(sink));
  return is_yuv(format) && av_buffersink_get_color_range(sink) == AVCOL_RANGE_JPEG;
#else
  (void)sink;
  return false;
#endif
}

#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(61, 13, 100)
namespace {
template <typename T>
std::vector<T> supported(const AVCodec* codec, AVCodecConfig what) {
  const void* list = nullptr;
  int count = 0;
  if (avcodec_get_supported_config(nullptr, codec, what, 0, &list, &count) < 0 ||
      list == nullptr) {
    return {};
  }
  const T* items = static_cast<const T*>(list);
  return std::vector<T>(items, items + count);
}
}  // namespace

std::vector<int> supported_sample_formats(const AVCodec* codec) {
  auto v = supported<AVSampleFormat>(codec, AV_CODEC_CONFIG_SAMPLE_FORMAT);
  return std::vector<int>(v.begin(), v.end());
}
std::vector<int> supported_sample_rates(const AVCodec* codec) {
  return supported<int>(codec, AV_CODEC_CONFIG_SAMPLE_RATE);
}
std::vector<int> supported_pixel_formats(const AVCodec* codec) {
  auto v = supported<AVPixelFormat>(codec, AV_CODEC_CONFIG_PIX_FORMAT);
  return std::vector<int>(v.begin(), v.end());
}
std::vector<AVRational> supported_frame_rates(const AVCodec* codec) {
  return supported<AVRational>(codec, AV_CODEC_CONFIG_FRAME_RATE);
}
std::vector<int> supported_channel_counts(const AVCodec* codec) {
  std::vector<int> counts;
  for (const AVChannelLayout& l : supported<AVChannelLayout>(codec, AV_CODEC_CONFIG_CHANNEL_LAYOUT)) {
    counts.push_back(l.nb_channels);
  }
  return counts;
}
#else
// Before 7.1: the lists on AVCodec, each ended by a terminator.
std::vector<int> supported_sample_formats(const AVCodec* codec) {
  std::vector<int> out;
  for (auto* p = codec->sample_fmts; p != nullptr && *p != AV_SAMPLE_FMT_NONE; ++p) out.push_back(*p);
  return out;
}
std::vector<int> supported_sample_rates(const AVCodec* codec) {
  std::vector<int> out;
  for (auto* p = codec->supported_samplerates; p != nullptr && *p != 0; ++p) out.push_back(*p);
  return out;
}
std::vector<int> supported_pixel_formats(const AVCodec* codec) {
  std::vector<int> out;
  for (auto* p = codec->pix_fmts; p != nullptr && *p != AV_PIX_FMT_NONE; ++p) out.push_back(*p);
  return out;
}
std::vector<AVRational> supported_frame_rates(const AVCodec* codec) {
  std::vector<AVRational> out;
  for (auto* p = codec->supported_framerates; p != nullptr && p->den != 0; ++p) out.push_back(*p);
  return out;
}
std::vector<int> supported_channel_counts(const AVCodec* codec) {
  std::vector<int> out;
  for (auto* p = codec->ch_layouts; p != nullptr && p->nb_channels != 0; ++p) out.push_back(p->nb_channels);
  return out;
}
#endif

}  // namespace ffstream::detail
