#include "ffstream/detail/filter_graph.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "ffstream/detail/av_error.h"
#include "ffstream/error.h"

namespace ffstream::detail {

namespace {

// A stream that does not say which channels it has (raw PCM, some WAV) gets
// FFmpeg's default layout for its channel count, as the ffmpeg command does;
// filters such as aformat refuse unknown layouts.
#if FFSTREAM_HAS_CH_LAYOUT
std::string describe_layout(const AVChannelLayout& layout) {
  AVChannelLayout known{};
  if (layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&known, layout.nb_channels);
  } else if (av_channel_layout_copy(&known, &layout) < 0) {
    return "";
  }
  char buf[128] = {};
  int ret = av_channel_layout_describe(&known, buf, sizeof(buf));
  av_channel_layout_uninit(&known);
  return ret < 0 ? "" : buf;
}
#else
std::string describe_layout(uint64_t layout, int channels) {
  if (layout == 0) layout = av_get_default_channel_layout(channels);
  if (layout == 0) return "";
  char buf[128] = {};
  av_get_channel_layout_string(buf, sizeof(buf), channels, layout);
  return buf;
}
#endif

// AVCodecContext and AVFrame name their channel fields alike.
template <typename T>
void set_channels(FilterInput& in, const T* src) {
#if FFSTREAM_HAS_CH_LAYOUT
  in.channel_layout = describe_layout(src->ch_layout);
  in.num_channels = src->ch_layout.nb_channels;
#else
  in.channel_layout = describe_layout(src->channel_layout, src->channels);
  in.num_channels = src->channels;
#endif
}


// Filters whose output frame depends on one input frame only and keeps its
// pts. Anything else (fps, tmix, setpts, ...) may carry what came before a
// seek target into the frames after it, and so may expressions evaluated per
// frame, which can count frames (crop's x and y; scale and pad with
// eval=frame).
bool is_frame_by_frame(const AVFilterGraph* graph) {
  static const char* const kAlways[] = {
      "buffer", "buffersink", "null", "format", "hflip",
      "vflip",  "transpose",  "setsar", "setdar", "copy"};
  static const char* const kWithEvalInit[] = {"scale", "pad"};
  auto listed = [](const char* name, const auto& names) {
    return std::any_of(std::begin(names), std::end(names),
                       [name](const char* k) { return std::strcmp(k, name) == 0; });
  };
  for (unsigned i = 0; i < graph->nb_filters; ++i) {
    AVFilterContext* filter = graph->filters[i];
    const char* name = filter->filter->name;
    if (listed(name, kAlways)) continue;
    int64_t eval = 0;  // 0: expressions evaluated once, at configuration
    if (listed(name, kWithEvalInit) &&
        (av_opt_get_int(filter, "eval", AV_OPT_SEARCH_CHILDREN, &eval) < 0 ||
         eval == 0)) {
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

std::string buffer_source_args(const FilterInput& in) {
  char buf[512];
  if (in.media_type == AVMEDIA_TYPE_VIDEO) {
    AVRational sar = in.sample_aspect_ratio.num > 0 ? in.sample_aspect_ratio
                                                    : AVRational{1, 1};
    std::snprintf(buf, sizeof(buf),
                  "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:"
                  "pixel_aspect=%d/%d",
                  in.width, in.height, in.format, in.time_base.num,
                  in.time_base.den, sar.num, sar.den);
    std::string args = buf;
    if (in.frame_rate.num > 0 && in.frame_rate.den > 0) {
      args += ":frame_rate=" + std::to_string(in.frame_rate.num) + "/" +
              std::to_string(in.frame_rate.den);
    }
    return args;
  }
  std::snprintf(buf, sizeof(buf), "time_base=%d/%d:sample_rate=%d:sample_fmt=%s",
                in.time_base.num, in.time_base.den, in.sample_rate,
                av_get_sample_fmt_name(static_cast<AVSampleFormat>(in.format)));
  std::string args = buf;
  if (!in.channel_layout.empty()) {
    args += ":channel_layout=" + in.channel_layout;
  } else {
    args += ":channels=" + std::to_string(in.num_channels);
  }
  return args;
}

std::string default_channel_layout(int channels) {
#if FFSTREAM_HAS_CH_LAYOUT
  AVChannelLayout layout{};
  layout.order = AV_CHANNEL_ORDER_UNSPEC;
  layout.nb_channels = channels;
  return describe_layout(layout);
#else
  return describe_layout(0, channels);
#endif
}

FilterInput FilterInput::from_codec(const AVCodecContext* ctx,
                                    AVRational time_base,
                                    AVRational frame_rate) {
  FilterInput in;
  in.media_type = ctx->codec_type;
  in.time_base = time_base;
  if (ctx->codec_type == AVMEDIA_TYPE_VIDEO) {
    in.format = ctx->pix_fmt;
    in.width = ctx->width;
    in.height = ctx->height;
    in.sample_aspect_ratio = ctx->sample_aspect_ratio;
    in.frame_rate = frame_rate;
  } else {
    in.format = ctx->sample_fmt;
    in.sample_rate = ctx->sample_rate;
    set_channels(in, ctx);
  }
  return in;
}

FilterInput FilterInput::from_frame(const AVFrame* frame,
                                    const FilterInput& base) {
  FilterInput in = base;
  in.format = frame->format;
  if (base.media_type == AVMEDIA_TYPE_VIDEO) {
    in.width = frame->width;
    in.height = frame->height;
    in.sample_aspect_ratio = frame->sample_aspect_ratio;
  } else {
    in.sample_rate = frame->sample_rate;
    set_channels(in, frame);
  }
  return in;
}

bool FilterInput::same_frames(const FilterInput& o) const {
  return format == o.format && width == o.width && height == o.height &&
         sample_rate == o.sample_rate && num_channels == o.num_channels &&
         channel_layout == o.channel_layout;
}

FilterGraph::FilterGraph(const FilterInput& input,
                         const std::string& description)
    : input_(input), description_(description) {
  const bool video = input.media_type == AVMEDIA_TYPE_VIDEO;
  if (description.empty()) {
    // Nothing to filter: frames pass straight through, without the cost of
    // configuring a graph (which dominates opening many short files).
    passed_ = make_frame();
    frame_by_frame_ = video;
    return;
  }
  graph_.reset(avfilter_graph_alloc());
  if (!graph_) throw std::bad_alloc();
  const std::string context = "filter '" + description + "'";
  // Filters run in the caller's thread; the decoder has its own threads.
  graph_->nb_threads = 1;

  const AVFilter* src = avfilter_get_by_name(video ? "buffer" : "abuffer");
  const AVFilter* sink =
      avfilter_get_by_name(video ? "buffersink" : "abuffersink");
  check_av(avfilter_graph_create_filter(&source_, src, "in",
                                        buffer_source_args(input).c_str(), nullptr,
                                        graph_.get()),
           "avfilter_graph_create_filter(buffer)", context);
  check_av(avfilter_graph_create_filter(&sink_, sink, "out", nullptr, nullptr,
                                        graph_.get()),
           "avfilter_graph_create_filter(buffersink)", context);

  // The parser's "outputs" are our source's pads and vice versa.
  FilterInOutPtr outputs(avfilter_inout_alloc());
  FilterInOutPtr inputs(avfilter_inout_alloc());
  if (!outputs || !inputs) throw std::bad_alloc();
  outputs->name = av_strdup("in");
  outputs->filter_ctx = source_;
  outputs->pad_idx = 0;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = sink_;
  inputs->pad_idx = 0;

  const std::string& desc = description;
  AVFilterInOut* in_raw = inputs.release();
  AVFilterInOut* out_raw = outputs.release();
  int ret = avfilter_graph_parse_ptr(graph_.get(), desc.c_str(), &in_raw,
                                     &out_raw, nullptr);
  inputs.reset(in_raw);
  outputs.reset(out_raw);
  if (ret < 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "invalid filter description '" + description +
                    "': " + av_error_reason(ret) +
                    " (a simple chain with one input and one output is "
                    "expected, e.g. 'scale=320:240,fps=10')",
                ret);
  }
  ret = avfilter_graph_config(graph_.get(), nullptr);
  if (ret < 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "cannot configure filter '" + description +
                    "' for this stream: " + av_error_reason(ret),
                ret);
  }
  frame_by_frame_ = video && is_frame_by_frame(graph_.get());
}

void FilterGraph::push(AVFrame* frame) {
  if (passed_) {
    // Pass-through holds one frame: the caller pulls after every push.
    if (frame == nullptr) {
      ended_ = true;
    } else {
      av_frame_unref(passed_.get());
      check_av(av_frame_ref(passed_.get(), frame), "av_frame_ref", "pass-through");
    }
    return;
  }
  int ret = 0;
  if (frame == nullptr) {
    // Closing at the last frame's start (what a null frame does) would make
    // fps drop that frame; close at its end, as the ffmpeg command does.
    ret = end_pts_ ? av_buffersrc_close(source_, *end_pts_,
                                        AV_BUFFERSRC_FLAG_PUSH)
                   : av_buffersrc_add_frame(source_, nullptr);
  } else {
    if (frame->pts != AV_NOPTS_VALUE) {
      int64_t duration = frame_duration(frame);
      if (duration <= 0 && input_.media_type == AVMEDIA_TYPE_AUDIO &&
          frame->sample_rate > 0) {
        duration = av_rescale_q(frame->nb_samples, {1, frame->sample_rate},
                                input_.time_base);
      } else if (duration <= 0 && input_.frame_rate.num > 0) {
        duration = av_rescale_q(1, av_inv_q(input_.frame_rate),
                                input_.time_base);
      }
      end_pts_ = frame->pts + std::max<int64_t>(duration, 0);
    }
    ret = av_buffersrc_add_frame_flags(source_, frame,
                                       AV_BUFFERSRC_FLAG_KEEP_REF);
  }
  if (ret < 0 && ret != AVERROR_EOF) {
    throw_av_error(ret, "av_buffersrc_add_frame_flags",
                   "filter '" + description_ + "'");
  }
}

FilterGraph::Pull FilterGraph::pull(AVFrame* out) {
  if (passed_) {
    if (passed_->buf[0] != nullptr) {
      av_frame_move_ref(out, passed_.get());
      return Pull::kFrame;
    }
    return ended_ ? Pull::kEnd : Pull::kAgain;
  }
  int ret = av_buffersink_get_frame(sink_, out);
  if (ret == AVERROR(EAGAIN)) return Pull::kAgain;
  if (ret == AVERROR_EOF) return Pull::kEnd;
  check_av(ret, "av_buffersink_get_frame", "filter '" + description_ + "'");
  return Pull::kFrame;
}

// A pass-through graph gives what it takes.
AVRational FilterGraph::output_time_base() const {
  return passed_ ? input_.time_base : av_buffersink_get_time_base(sink_);
}
int FilterGraph::output_format() const {
  return passed_ ? input_.format : av_buffersink_get_format(sink_);
}
int FilterGraph::output_width() const {
  return passed_ ? input_.width : av_buffersink_get_w(sink_);
}
int FilterGraph::output_height() const {
  return passed_ ? input_.height : av_buffersink_get_h(sink_);
}
AVRational FilterGraph::output_frame_rate() const {
  return passed_ ? input_.frame_rate : av_buffersink_get_frame_rate(sink_);
}
int FilterGraph::output_sample_rate() const {
  return passed_ ? input_.sample_rate : av_buffersink_get_sample_rate(sink_);
}
int FilterGraph::output_num_channels() const {
  if (passed_) return input_.num_channels;
#if FFSTREAM_HAS_CH_LAYOUT
  AVChannelLayout layout{};
  if (av_buffersink_get_ch_layout(sink_, &layout) < 0) return 0;
  int n = layout.nb_channels;
  av_channel_layout_uninit(&layout);
  return n;
#else
  return av_buffersink_get_channels(sink_);
#endif
}

}  // namespace ffstream::detail
