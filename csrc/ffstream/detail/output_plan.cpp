#include "ffstream/detail/output_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "ffstream/detail/decoder.h"
#include "ffstream/detail/format_table.h"
#include "ffstream/detail/stream_info.h"
#include "ffstream/error.h"

namespace ffstream::detail {

namespace {

// Caps the up-front size of a frames_per_chunk=-1 chunk (a header may lie
// about the duration); beyond it storage grows by doubling.
constexpr int64_t kMaxHintBytes = int64_t{256} << 20;

bool has_basic_options(const OutputOptions& o) {
  return o.format || o.sample_rate || o.num_channels || o.frame_rate ||
         o.width || o.height || o.rotate;
}

bool has_filter_desc(const OutputOptions& o) {
  return o.filter_desc && !o.filter_desc->empty();
}

ChunkSizing sizing_of(const OutputOptions& o) {
  ChunkSizing sizing;
  sizing.frames_per_chunk = o.frames_per_chunk;
  sizing.buffer_chunk_size = o.buffer_chunk_size;
  if (o.seconds_per_chunk) {
    // 0.5 -> 1/2, 0.1 -> 1/10: the fraction the user meant, so that window
    // edges fall exactly on sample and frame times.
    sizing.seconds_per_chunk = av_d2q(*o.seconds_per_chunk, INT32_MAX);
  }
  return sizing;
}

// A group's video output in a pixel format that has no converter is written
// in the nearest one that has (the converter converts it), as an output
// without a filter is.
std::optional<int> group_direct_format(const SinkParams& sink) {
  if (sink.media_type != AVMEDIA_TYPE_VIDEO) return std::nullopt;
  const auto format = static_cast<AVPixelFormat>(sink.format);
  if (find_pixel_format(format) != nullptr) return std::nullopt;
  const AVPixelFormat nearest = nearest_supported_pixel_format(format);
  if (nearest == AV_PIX_FMT_NONE || !Converter::can_convert_into(nearest)) {
    return std::nullopt;
  }
  return nearest;
}

// Expected number of output frames of the whole stream, to size one chunk
// when frames_per_chunk is -1; 0 when the duration is unknown.
int64_t estimate_total_frames(const AVFormatContext* format,
                              const AVStream* stream, double frames_per_second,
                              size_t frame_bytes) {
  double duration = 0;
  if (stream->duration > 0) {
    duration = stream->duration * av_q2d(stream->time_base);
  } else if (format->duration > 0) {
    duration = static_cast<double>(format->duration) / AV_TIME_BASE;
  }
  if (duration <= 0 || frames_per_second <= 0) return 0;
  // A little extra so that a slightly short header does not cost a copy.
  double frames = duration * frames_per_second * 1.01 + 16;
  double cap = static_cast<double>(kMaxHintBytes) / std::max<size_t>(frame_bytes, 1);
  return static_cast<int64_t>(std::min(frames, cap));
}

}  // namespace

void check_output_options(const OutputOptions& o) {
  if (o.hw_accel) {
    const std::string what = "hw_accel='" + *o.hw_accel + "'";
    if (o.media_type != MediaType::kVideo) {
      throw Error(ErrorKind::kInvalidArgument, what + " is for video outputs");
    }
    if (has_filter_desc(o)) {
      throw Error(ErrorKind::kNotImplemented,
                  what + " with filter_desc: CUDA filters (scale_cuda and others) "
                         "are not supported yet; decoder_option={\"resize\": \"WxH\"} "
                         "or {\"crop\": \"TxBxLxR\"} changes the size on a *_cuvid decoder");
    }
    if (o.frame_rate || o.width || o.height) {
      throw Error(ErrorKind::kInvalidArgument,
                  what + ": frame_rate, width and height run CPU filters; on the GPU "
                         "give a *_cuvid decoder decoder_option={\"resize\": \"WxH\"} "
                         "(or \"crop\") instead");
    }
    if (o.format) {
      throw Error(ErrorKind::kInvalidArgument,
                  what + ": the core gives GPU frames as decoded (their planes); "
                         "format conversion of CUDA frames is done by the caller "
                         "(ffstream's Python layer does it)");
    }
    if (o.yuv_i420) {
      throw Error(ErrorKind::kInvalidArgument,
                  what + ": yuv_layout='i420' is for CPU frames (GPU frames come as NV12)");
    }
    if (o.rotate) {
      throw Error(ErrorKind::kInvalidArgument,
                  what + ": rotate=True runs a CPU filter; turn the GPU chunks "
                         "with torch.rot90(chunk, round(rotation / 90), dims=(-2, -1)), "
                         "rotation being the source stream's");
    }
  }
  if (o.rotate && o.media_type != MediaType::kVideo) {
    throw Error(ErrorKind::kInvalidArgument, "rotate is for video outputs");
  }
  if (o.yuv_i420 && o.media_type != MediaType::kVideo) {
    throw Error(ErrorKind::kInvalidArgument, "yuv_layout is for video outputs");
  }
  if (has_filter_desc(o) && has_basic_options(o)) {
    throw Error(ErrorKind::kInvalidArgument,
                "an output takes either filter_desc or the basic options "
                "(format, sample_rate, num_channels, frame_rate, width, "
                "height, rotate), not both");
  }
  if (o.seconds_per_chunk) {
    if (!(*o.seconds_per_chunk > 0) || !std::isfinite(*o.seconds_per_chunk) ||
        *o.seconds_per_chunk > 1e9) {
      throw Error(ErrorKind::kInvalidArgument,
                  "seconds_per_chunk must be a positive number of seconds, got " +
                      std::to_string(*o.seconds_per_chunk));
    }
    if (o.frames_per_chunk != -1) {
      throw Error(ErrorKind::kInvalidArgument,
                  "give frames_per_chunk or seconds_per_chunk, not both");
    }
  }
  if (o.frames_per_chunk <= 0 && o.frames_per_chunk != -1) {
    throw Error(ErrorKind::kInvalidArgument,
                "frames_per_chunk must be positive or -1, got " +
                    std::to_string(o.frames_per_chunk));
  }
  if (o.buffer_chunk_size <= 0 && o.buffer_chunk_size != -1) {
    throw Error(ErrorKind::kInvalidArgument,
                "buffer_chunk_size must be positive or -1, got " +
                    std::to_string(o.buffer_chunk_size));
  }
}

OutputPlan plan_output(const OutputOptions& o, const AVStream* stream,
                       const AVCodecContext* decoder, const std::string& context) {
  check_output_options(o);
  OutputPlan plan;
  plan.source_index = o.source_index;
  const int turns = o.rotate ? upright_turns(o, display_rotation(stream), context) : 0;
  check_frames_known(decoder, context);
  plan.filter_description = effective_filter(o, decoder->pix_fmt, turns);
  plan.direct_format = direct_format(o, decoder->pix_fmt, turns);
  plan.sizing = sizing_of(o);
  return plan;
}

OutputPlan plan_group_output(const OutputOptions& o, const AVStream* stream,
                             const SinkParams& sink, const std::string& description) {
  // The add call's options, in the media type this output of the group has.
  OutputOptions in_type = o;
  in_type.media_type =
      sink.media_type == AVMEDIA_TYPE_VIDEO ? MediaType::kVideo : MediaType::kAudio;
  check_output_options(in_type);
  OutputPlan plan;
  plan.source_index = stream->index;
  plan.filter_description = description;
  plan.direct_format = group_direct_format(sink);
  plan.sizing = sizing_of(o);
  return plan;
}

// Angles within a degree of a quarter turn count as it, as the ffmpeg
// command's autorotate takes them; others would need the rotate filter's
// interpolation and a larger frame, so they are refused.
int upright_turns(const OutputOptions& o, double degrees, const std::string& context) {
  if (!o.rotate) return 0;
  const double quarters = std::round(degrees / 90);
  if (std::fabs(degrees - 90 * quarters) >= 1) {
    char angle[32];
    std::snprintf(angle, sizeof angle, "%g", degrees);
    throw Error(ErrorKind::kNotImplemented,
                "rotate=True turns by quarter turns, but the display matrix of " +
                    context + " asks for " + angle +
                    " degrees; use add_video_stream with FFmpeg's rotate filter");
  }
  return (static_cast<int>(quarters) % 4 + 4) % 4;
}

// As torchaudio built it: resample, then sample format and channels; or
// frame rate, then size, then pixel format. The turns come last, on the
// frames of the final size and format, so that they are exactly the
// unturned frames turned (the size is asked of the frame before the turn).
std::string basic_filter(const OutputOptions& o, int turns) {
  std::vector<std::string> steps;
  auto join = [](const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
  };
  if (o.media_type == MediaType::kAudio) {
    if (o.sample_rate) steps.push_back("aresample=" + std::to_string(*o.sample_rate));
    std::vector<std::string> options;
    if (o.format) options.push_back("sample_fmts=" + *o.format);
    if (o.num_channels) {
      options.push_back("channel_layouts=" + std::to_string(*o.num_channels) + "c");
    }
    if (!options.empty()) steps.push_back("aformat=" + join(options, ":"));
  } else {
    if (o.frame_rate) steps.push_back("fps=" + *o.frame_rate);
    // A quarter turn swaps the sides: the width asked of the turned frame
    // is the height of the frame before the turn.
    const bool swap = turns % 2 == 1;
    const std::optional<int>& width = swap ? o.height : o.width;
    const std::optional<int>& height = swap ? o.width : o.height;
    std::vector<std::string> size;
    if (width) size.push_back("width=" + std::to_string(*width));
    // "scale=width=W" alone is refused by FFmpeg 5.1's scale filter (it
    // reads it as a size); torchaudio built it and failed. Keep the height.
    if (height) {
      size.push_back("height=" + std::to_string(*height));
    } else if (width) {
      size.push_back("height=ih");
    }
    if (!size.empty()) steps.push_back("scale=" + join(size, ":"));
    if (o.format) steps.push_back("format=pix_fmts=" + *o.format);
    // The turns of the ffmpeg command's autorotate; all move pixels only.
    if (turns == 1) steps.push_back("transpose=cclock");
    if (turns == 2) steps.push_back("hflip,vflip");
    if (turns == 3) steps.push_back("transpose=clock");
  }
  return join(steps, ",");
}

// The user's chain, the basic options' filter, or, with neither, the
// conversion of a pixel format that has no converter into the nearest one
// that has (instead of refusing it).
std::string effective_filter(const OutputOptions& o, int decoded_format, int turns) {
  if (o.hw_accel) return "";  // GPU frames pass through as decoded
  if (has_filter_desc(o)) return *o.filter_desc;
  std::string basic = basic_filter(o, turns);
  if (!basic.empty()) return basic;
  const auto pixels = static_cast<AVPixelFormat>(decoded_format);
  if (o.media_type == MediaType::kVideo && find_pixel_format(pixels) == nullptr) {
    AVPixelFormat best = nearest_supported_pixel_format(pixels);
    return std::string("format=pix_fmts=") + av_get_pix_fmt_name(best);
  }
  return "";
}

// Swscale or swresample writing into the chunk saves the graph's frame
// copy: a basic output asking for a format alone, or the nearest-format
// conversion, when the converter can produce that format.
std::optional<int> direct_format(const OutputOptions& o, int decoded_format, int turns) {
  if (o.hw_accel) return std::nullopt;
  if (has_filter_desc(o) || o.sample_rate || o.num_channels || o.frame_rate ||
      o.width || o.height || turns != 0) {
    return std::nullopt;
  }
  if (o.media_type == MediaType::kVideo) {
    const auto decoded = static_cast<AVPixelFormat>(decoded_format);
    AVPixelFormat format = AV_PIX_FMT_NONE;
    if (o.format) {
      format = av_get_pix_fmt(o.format->c_str());
    } else if (find_pixel_format(decoded) == nullptr) {
      format = nearest_supported_pixel_format(decoded);
    }
    if (format == AV_PIX_FMT_NONE || !Converter::can_convert_into(format)) {
      return std::nullopt;
    }
    return format;
  }
  if (!o.format) return std::nullopt;
  AVSampleFormat format = av_get_sample_fmt(o.format->c_str());
  if (format == AV_SAMPLE_FMT_NONE || find_sample_format(format) == nullptr) {
    return std::nullopt;
  }
  return format;
}

// NVDEC's planes: 8 bits: nv12 or yuv444p; 10: p010le; 12: p016le; 4:4:4
// above 8 bits: yuv444p16le.
GpuFrames gpu_frames(const AVStream* stream, const OptionMap& decoder_options,
                     const std::string& context) {
  const auto source = static_cast<AVPixelFormat>(stream->codecpar->format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(source);
  if (desc == nullptr || desc->nb_components < 3) {
    throw Error(ErrorKind::kInvalidData,
                "cannot decode " + context + " on the GPU: FFmpeg found no YUV pixel "
                "format for it");
  }
  const bool full = desc->log2_chroma_w == 0 && desc->log2_chroma_h == 0;
  const bool half = desc->log2_chroma_w == 1 && desc->log2_chroma_h == 1;
  if (!full && !half) {
    throw Error(ErrorKind::kNotImplemented,
                std::string("cannot decode ") + context + " (" + desc->name +
                    ") on the GPU: NVDEC decodes 4:2:0 and 4:4:4 video, not this "
                    "subsampling; leave hw_accel=None");
  }
  const int depth = desc->comp[0].depth;
  GpuFrames out;
  if (depth <= 8) {
    out.sw_format = full ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_NV12;
  } else {
    out.sw_format = full ? AV_PIX_FMT_YUV444P16LE
                         : (depth <= 10 ? AV_PIX_FMT_P010LE : AV_PIX_FMT_P016LE);
  }
  out.width = stream->codecpar->width;
  out.height = stream->codecpar->height;
  auto option = [&](const char* key) -> const std::string* {
    auto it = decoder_options.find(key);
    return it == decoder_options.end() ? nullptr : &it->second;
  };
  if (const std::string* crop = option("crop")) {
    int top = 0, bottom = 0, left = 0, right = 0;
    if (std::sscanf(crop->c_str(), "%dx%dx%dx%d", &top, &bottom, &left, &right) == 4) {
      out.width -= left + right;
      out.height -= top + bottom;
    }
  }
  if (const std::string* resize = option("resize")) {
    int w = 0, h = 0;
    if (std::sscanf(resize->c_str(), "%dx%d", &w, &h) == 2) {
      out.width = w;
      out.height = h;
    }
  }
  return out;
}

const FrameLayout& check_chunk_bytes(const FrameLayout& layout, const OutputOptions& o) {
  const auto max_frames =
      std::numeric_limits<int64_t>::max() / std::max<int64_t>(layout.bytes(), 1);
  if (o.frames_per_chunk > max_frames) {
    throw Error(ErrorKind::kInvalidArgument,
                "frames_per_chunk=" + std::to_string(o.frames_per_chunk) +
                    " is too large: one chunk would exceed the address space");
  }
  return layout;
}

int64_t capacity_hint(const OutputOptions& o, const AVFormatContext* format,
                      const AVStream* stream, double rate, size_t frame_bytes) {
  if (o.seconds_per_chunk) {
    // One window's frames, and one spare for a window edge that falls
    // between samples; 60 fps where the rate is not known.
    const double frames = *o.seconds_per_chunk * (rate > 0 ? rate : 60.0);
    return static_cast<int64_t>(std::min(std::ceil(frames), 1e9)) + 1;
  }
  if (o.frames_per_chunk != -1) return 0;
  return estimate_total_frames(format, stream, rate, frame_bytes);
}

}  // namespace ffstream::detail
