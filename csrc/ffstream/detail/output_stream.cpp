#include "ffstream/detail/output_stream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "ffstream/detail/cuda_device.h"
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

// Checks the arguments that need no FFmpeg state; returns the source index.
int validate(const OutputOptions& o) {
  if (o.hw_accel) {
    const std::string what = "hw_accel='" + *o.hw_accel + "'";
    if (o.media_type != MediaType::kVideo) {
      throw Error(ErrorKind::kInvalidArgument, what + " is for video outputs");
    }
    if (o.filter_desc && !o.filter_desc->empty()) {
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
  if (o.filter_desc && !o.filter_desc->empty() && has_basic_options(o)) {
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
  return o.source_index;
}

// A chunk must be addressable: frames_per_chunk frames of `frame_bytes`.
const FrameLayout& check_chunk_bytes(const FrameLayout& layout,
                                     const OutputOptions& o) {
  const auto max_frames =
      std::numeric_limits<int64_t>::max() / std::max<int64_t>(layout.bytes(), 1);
  if (o.frames_per_chunk > max_frames) {
    throw Error(ErrorKind::kInvalidArgument,
                "frames_per_chunk=" + std::to_string(o.frames_per_chunk) +
                    " is too large: one chunk would exceed the address space");
  }
  return layout;
}

// Quarter turns counter-clockwise (0 to 3) that bring the stream's frames
// upright, when the output asks for it (OutputOptions::rotate). Angles within
// a degree of a quarter turn count as it, as the ffmpeg command's autorotate
// takes them; others would need the rotate filter's interpolation and a
// larger frame, so they are refused.
int upright_turns(const OutputOptions& o, const AVStream* stream,
                  const std::string& context) {
  if (!o.rotate) return 0;
  const double degrees = display_rotation(stream);
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

// The filter string of a basic output, as torchaudio built it: resample,
// then sample format and channels; or frame rate, then size, then pixel
// format. `turns` quarter turns counter-clockwise come last, on the frames
// of the final size and format, so that they are exactly the unturned
// frames turned (the size is asked of the frame before the turn). Empty
// when nothing changes.
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

// The filter the output runs, as its info shows it: the user's chain, the
// basic options' filter, or, with neither, the conversion of a pixel format
// that has no converter into the nearest one that has (instead of refusing
// it).
std::string effective_filter(const OutputOptions& o,
                             const AVCodecContext* decoder, int turns,
                             const std::string& context) {
  check_frames_known(decoder, context);
  if (o.hw_accel) return "";  // GPU frames pass through as decoded
  if (o.filter_desc && !o.filter_desc->empty()) return *o.filter_desc;
  std::string basic = basic_filter(o, turns);
  if (!basic.empty()) return basic;
  if (o.media_type == MediaType::kVideo &&
      find_pixel_format(decoder->pix_fmt) == nullptr) {
    AVPixelFormat best = nearest_supported_pixel_format(decoder->pix_fmt);
    return std::string("format=pix_fmts=") + av_get_pix_fmt_name(best);
  }
  return "";
}

// The format the converter writes straight into the chunk, when nothing but
// the format changes and the converter can produce it (swscale or
// swresample writing into the chunk saves the graph's frame copy): a basic
// output asking for a format alone, or the nearest-format conversion.
std::optional<int> direct_format(const OutputOptions& o,
                                 const AVCodecContext* decoder, int turns) {
  if (o.hw_accel) return std::nullopt;
  if ((o.filter_desc && !o.filter_desc->empty()) || o.sample_rate ||
      o.num_channels || o.frame_rate || o.width || o.height || turns != 0) {
    return std::nullopt;
  }
  if (o.media_type == MediaType::kVideo) {
    AVPixelFormat format = AV_PIX_FMT_NONE;
    if (o.format) {
      format = av_get_pix_fmt(o.format->c_str());
    } else if (find_pixel_format(decoder->pix_fmt) == nullptr) {
      format = nearest_supported_pixel_format(decoder->pix_fmt);
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

// What the GPU decodes `stream` into: the planes' format, which NVDEC picks
// from the stream's bit depth and chroma subsampling (8 bits: nv12 or
// yuv444p; 10: p010le; 12: p016le; 4:4:4 above 8 bits: yuv444p16le), and
// the frame size after a *_cuvid decoder's "crop" and "resize" options.
struct GpuFrames {
  AVPixelFormat sw_format = AV_PIX_FMT_NONE;
  int width = 0, height = 0;
};

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

Converter make_converter(const SinkParams& sink, std::optional<int> direct_format,
                         bool i420) {
  if (sink.media_type == AVMEDIA_TYPE_VIDEO) {
    return Converter::for_video(
        static_cast<AVPixelFormat>(direct_format.value_or(sink.format)),
        sink.width, sink.height, static_cast<AVPixelFormat>(sink.format), i420);
  }
  return Converter::for_audio(
      static_cast<AVSampleFormat>(direct_format.value_or(sink.format)),
      sink.num_channels, static_cast<AVSampleFormat>(sink.format));
}

Converter make_gpu_converter(const AVStream* stream, const OutputOptions& o,
                             const std::string& context,
                             const std::shared_ptr<CudaDevice>& cuda) {
  const GpuFrames frames = gpu_frames(stream, o.decoder_options, context);
  return Converter::for_cuda(frames.sw_format, frames.width, frames.height, cuda);
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

// The options of output `sink` of a group: the add call's, in the media
// type that output has.
OutputOptions group_options(OutputOptions o, const SinkParams& sink) {
  o.media_type = sink.media_type == AVMEDIA_TYPE_VIDEO ? MediaType::kVideo
                                                       : MediaType::kAudio;
  return o;
}

double to_double(AVRational r) {
  return r.num > 0 && r.den > 0 ? av_q2d(r) : 0.0;
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

OutputStream::OutputStream(const AVFormatContext* format,
                           const AVStream* stream,
                           const AVCodecContext* decoder,
                           const OutputOptions& options,
                           const std::string& context,
                           const std::shared_ptr<CudaDevice>& cuda)
    : source_index_(validate(options)),
      context_(context),
      cuda_(options.hw_accel ? cuda : nullptr),
      color_matrix_(stream->codecpar->color_space),
      color_range_(stream->codecpar->color_range),
      stream_frame_rate_(stream_frame_rate(stream)),
      stream_time_base_(stream->time_base),
      turns_(upright_turns(options, stream, context_)),
      filter_description_(effective_filter(options, decoder, turns_, context_)),
      direct_format_(direct_format(options, decoder, turns_)),
      graph_(std::in_place,
             FilterInput::from_codec(
                 decoder, stream->time_base,
                 av_guess_frame_rate(const_cast<AVFormatContext*>(format),
                                     const_cast<AVStream*>(stream), nullptr)),
             direct_format_ ? "" : filter_description_),
      sink_(graph_->sink()),
      converter_(cuda_ ? make_gpu_converter(stream, options, context_, cuda_)
                       : make_converter(sink_, direct_format_, options.yuv_i420)),
      buffer_(check_chunk_bytes(converter_.layout(), options),
              sizing_of(options),
              // Audio frames of one commit are samples, 1 / rate apart.
              options.media_type == MediaType::kAudio
                  ? AVRational{1, std::max(output_rate().num, 1)}
                  : AVRational{0, 1},
              capacity_hint(options, format, stream),
              cuda_ ? ChunkMemory(cuda_) : ChunkMemory()),
      filtered_(make_frame()) {}

OutputStream::OutputStream(const AVFormatContext* format,
                           const AVStream* stream, OutputGroup* group,
                           int sink, const OutputOptions& options,
                           const std::string& context)
    : source_index_((validate(group_options(options, group->graph().sink(sink))),
                     stream->index)),
      context_(context),
      stream_frame_rate_(stream_frame_rate(stream)),
      stream_time_base_(stream->time_base),
      filter_description_(group->graph().description()),
      direct_format_(group_direct_format(group->graph().sink(sink))),
      group_(group),
      sink_index_(sink),
      sink_(group->graph().sink(sink)),
      converter_(make_converter(sink_, direct_format_, options.yuv_i420)),
      buffer_(check_chunk_bytes(converter_.layout(), options),
              sizing_of(options),
              sink_.media_type == AVMEDIA_TYPE_AUDIO
                  ? AVRational{1, std::max(output_rate().num, 1)}
                  : AVRational{0, 1},
              capacity_hint(options, format, stream)),
      filtered_(make_frame()) {}

void OutputStream::check_options(const OutputOptions& options) { validate(options); }

int64_t OutputStream::capacity_hint(const OutputOptions& options,
                                    const AVFormatContext* format,
                                    const AVStream* stream) const {
  const double rate = to_double(output_rate());
  if (options.seconds_per_chunk) {
    // One window's frames, and one spare for a window edge that falls
    // between samples; 60 fps where the rate is not known.
    const double frames = *options.seconds_per_chunk * (rate > 0 ? rate : 60.0);
    return static_cast<int64_t>(std::min(std::ceil(frames), 1e9)) + 1;
  }
  if (options.frames_per_chunk != -1) return 0;
  return estimate_total_frames(format, stream, rate, converter_.layout().bytes());
}

AVRational OutputStream::output_rate() const {
  if (sink_.media_type == AVMEDIA_TYPE_AUDIO) {
    return AVRational{sink_.sample_rate, 1};
  }
  const AVRational rate = sink_.frame_rate;
  return rate.num > 0 && rate.den > 0 ? rate : stream_frame_rate_;
}

void OutputStream::push(AVFrame* decoded) {
  if (decoded != nullptr) {
    ++frames_decoded_;
    decoded->pts = decoded->best_effort_timestamp;
    FilterInput input = FilterInput::from_frame(decoded, graph_->input());
    if (!input.same_frames(graph_->input())) {
      // The stream changed its frames (size, format, layout): drain the old
      // graph and build one for the new frames.
      graph_->push(nullptr);
      pull_all();
      const std::string description = graph_->description();
      graph_.emplace(input, description);
      sink_ = graph_->sink();
    }
  }
  graph_->push(decoded);
  pull_all();
  if (decoded == nullptr) cursor_.end_of_stream();
}

std::optional<Chunk> OutputStream::pop() {
  if (cursor_.holding()) return std::nullopt;
  std::optional<Chunk> chunk = buffer_.pop();
  // The copies into a GPU chunk are queued; it leaves once they are done.
  if (chunk && cuda_) cuda_->synchronize();
  return chunk;
}

void OutputStream::pull_all() {
  while (graph_->pull(filtered_.get()) == OutputFilter::Pull::kFrame) {
    FrameUnrefGuard guard(filtered_.get());
    write(filtered_.get());
  }
}

void OutputStream::write(const AVFrame* frame) {
  const bool audio = frame->nb_samples > 0;
  const double rate = audio ? frame->sample_rate : 0.0;
  const int64_t total = audio ? frame->nb_samples : 1;
  const ExactTime exact_pts =
      frame->pts != AV_NOPTS_VALUE
          ? ExactTime::from_ticks(frame->pts, sink_.time_base)
          : next_pts_;
  const double pts = exact_pts.seconds();
  // A frame without pts gets its time from the frame before: skipping
  // frames would shift it (see skippable_before).
  if (frame->pts == AV_NOPTS_VALUE) frames_need_each_other_ = true;
  // One step of the frame: a sample, or a frame period of the output. The
  // frame lasts `total` steps; a following frame without pts starts there.
  const AVRational video_rate = output_rate();
  const AVRational step =
      audio ? AVRational{1, std::max(frame->sample_rate, 1)}
            : (video_rate.num > 0 ? AVRational{video_rate.den, video_rate.num}
                                  : AVRational{0, 1});
  const ExactTime end_pts = exact_pts.plus(total, step);
  next_pts_ = end_pts;
  last_seen_pts_ = std::max(last_seen_pts_.value_or(pts), pts);
  const SeekCursor::Verdict verdict =
      cursor_.judge(pts, is_key_frame(frame), rate, total);
  if (!verdict.keep) return;
  // How long a video frame is shown: its own duration, else a frame period.
  // A filter that changes the time base (fps) may leave durations in the
  // old one, so they count only where the time base is the stream's.
  double duration = 0;
  if (!audio) {
    const int64_t ticks = frame_duration(frame);
    const bool same_base = av_cmp_q(sink_.time_base, stream_time_base_) == 0;
    duration = ticks > 0 && same_base
                   ? ExactTime::from_ticks(ticks, sink_.time_base).seconds()
                   : ExactTime().plus(1, step).seconds();
  }
  for (int64_t done = verdict.first; done < total;) {
    const ExactTime first = exact_pts.plus(done, step);
    ChunkBuffer::Slot slot = buffer_.reserve(total - done, first);
    converter_.convert(frame, done, slot.count, slot.data);
    buffer_.commit(slot.count, first, duration);
    done += slot.count;
  }
  cursor_.note_written(pts, end_pts.seconds());
  frames_delivered_ += total - verdict.first;
  newest_pts_ = std::max(newest_pts_.value_or(pts), pts);
  if (!first_pts_) first_pts_ = pts;
}

OutputStreamInfo OutputStream::info() const {
  OutputStreamInfo info;
  info.source_index = source_index_;
  const bool video = sink_.media_type == AVMEDIA_TYPE_VIDEO;
  info.filter_description = filter_description_.empty()
                                ? (video ? "null" : "anull")
                                : filter_description_;
  info.media_type = video ? "video" : "audio";
  if (video) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(
        direct_format_.value_or(sink_.format)));
    info.format = cuda_ ? "cuda" : (name ? name : "");
    info.width = cuda_ ? converter_.width() : sink_.width;
    info.height = cuda_ ? converter_.height() : sink_.height;
    if (cuda_) {
      info.device = "cuda:" + std::to_string(cuda_->index());
      info.planes = av_get_pix_fmt_name(converter_.format());
      const char* matrix = av_color_space_name(color_matrix_);
      const char* range = av_color_range_name(color_range_);
      info.color_matrix = matrix ? matrix : "unknown";
      info.color_range = range ? range : "unknown";
    }
    info.frame_rate = to_double(output_rate());
  } else {
    const char* name = av_get_sample_fmt_name(static_cast<AVSampleFormat>(
        direct_format_.value_or(sink_.format)));
    info.format = name ? name : "";
    info.sample_rate = sink_.sample_rate;
    info.num_channels = sink_.num_channels;
  }
  return info;
}

std::string OutputStream::why_frames_not_apart() const {
  return graph_ ? graph_->why_not_frame_by_frame()
                : group_->graph().why_not_frame_by_frame();
}

void OutputStream::rebuild_graph() {
  if (!graph_) return;
  // Copies: emplace destroys the old graph first.
  const FilterInput input = graph_->input();
  const std::string description = graph_->description();
  graph_.emplace(input, description);
  sink_ = graph_->sink();
}

std::optional<double> OutputStream::skippable_before() const {
  const auto before = cursor_.dropping_before();
  if (!before || !keeps_frames_apart() || frames_need_each_other_) {
    return std::nullopt;
  }
  return *before - SeekCursor::kPtsTolerance;
}

void OutputStream::skip_to(double seconds) {
  buffer_.forget_before(seconds - SeekCursor::kPtsTolerance);
  SeekCursor::Start start;
  start.drop_before = seconds;
  cursor_.begin(start);
}

void OutputStream::begin_seek(const SeekCursor::Start& start) {
  last_seen_pts_.reset();
  cursor_.reset_count();
  rebuild_graph();
  buffer_.clear();
  next_pts_ = ExactTime();
  cursor_.begin(start);
}

void OutputStream::resume_seek(const SeekCursor::Start& start) {
  last_seen_pts_.reset();
  if (!cursor_.has_delivered()) {
    buffer_.clear();
    next_pts_ = ExactTime();
  }
  rebuild_graph();
  cursor_.resume(start);
}

void OutputStream::replay_seek() {
  last_seen_pts_.reset();
  // An output that probed starts over from its key frame.
  if (cursor_.probe_done() || !cursor_.has_delivered()) {
    buffer_.clear();
    next_pts_ = ExactTime();
  }
  rebuild_graph();
  cursor_.replay();
}

}  // namespace ffstream::detail
