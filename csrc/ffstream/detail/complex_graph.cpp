#include "ffstream/detail/complex_graph.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/ffmpeg_compat.h"
#include "ffstream/detail/filter_safety.h"
#include "ffstream/detail/frame_by_frame.h"
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
    return args + buffer_source_color_args(in.color_space, in.color_range);
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
    in.color_space = ctx->colorspace;
    in.color_range = ctx->color_range;
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
    in.color_space = frame->colorspace;
    in.color_range = frame->color_range;
  } else {
    in.sample_rate = frame->sample_rate;
    set_channels(in, frame);
  }
  return in;
}

bool FilterInput::same_frames(const FilterInput& o) const {
  return format == o.format && width == o.width && height == o.height &&
         color_space == o.color_space && color_range == o.color_range &&
         sample_rate == o.sample_rate && num_channels == o.num_channels &&
         channel_layout == o.channel_layout;
}

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorKind::kInvalidArgument, message);
}

AVMediaType pad_type(const AVFilterInOut* pad, bool input) {
  const AVFilterContext* f = pad->filter_ctx;
  return avfilter_pad_get_type(input ? f->input_pads : f->output_pads,
                               pad->pad_idx);
}

GraphPad pad_of(const AVFilterInOut* pad, bool input) {
  return GraphPad{pad->name != nullptr ? pad->name : "", pad_type(pad, input)};
}

const char* type_name(AVMediaType type) {
  const char* name = av_get_media_type_string(type);
  return name != nullptr ? name : "unknown";
}

}  // namespace

ComplexGraph::ComplexGraph(const std::string& description,
                           const InputResolver& resolve, bool safe,
                           const std::string& context)
    : description_(description), context_(context), safe_(safe) {
  if (safe) {
    const std::string why = refused_by_safe_mode(description);
    if (!why.empty()) invalid(context + " is refused in safe mode: " + why);
  }
  // The graph may be built twice (below); the caller's resolver, once.
  std::optional<std::vector<FilterInput>> resolved;
  const InputResolver resolve_once = [&](const std::vector<GraphPad>& pads) {
    if (!resolved) resolved = resolve(pads);
    return *resolved;
  };
  build(resolve_once, {});
  // The colour-range rule (converter.h) in the same conversion as the rest:
  // where FFmpeg (7.1 and later) kept a full range into a YUV output, the
  // graph is built again with that output asking for limited range. Gray
  // and RGB outputs stay as negotiated (the converter expands gray).
  std::vector<bool> limited;
  for (const Output& out : outputs_) limited.push_back(is_full_range_yuv(out.sink));
  if (std::find(limited.begin(), limited.end(), true) != limited.end()) {
    build(resolve_once, limited);
  }
  const auto video = [](auto& pads) {
    return std::all_of(pads.begin(), pads.end(), [](const auto& p) {
      return p.pad.media_type == AVMEDIA_TYPE_VIDEO;
    });
  };
  why_not_frame_by_frame_ = video(inputs_) && video(outputs_)
                               ? detail::why_not_frame_by_frame(graph_.get())
                               : "its inputs and outputs are not all video";
}

void ComplexGraph::build(const InputResolver& resolve,
                         const std::vector<bool>& limited) {
  inputs_.clear();
  outputs_.clear();
  graph_.reset(avfilter_graph_alloc());
  if (!graph_) throw std::bad_alloc();
  // Filters run in the caller's thread; the decoder has its own threads.
  graph_->nb_threads = 1;
  AVFilterInOut* open_inputs = nullptr;
  AVFilterInOut* open_outputs = nullptr;
  int ret = avfilter_graph_parse2(graph_.get(), description_.c_str(),
                                  &open_inputs, &open_outputs);
  FilterInOutPtr in_list(open_inputs), out_list(open_outputs);
  if (ret < 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "invalid " + context_ + ": " + av_error_reason(ret), ret);
  }
  if (safe_) {
    // The text was checked above; this catches any filter FFmpeg made of
    // it that the check did not see, before anything runs.
    for (unsigned i = 0; i < graph_->nb_filters; ++i) {
      const char* name = graph_->filters[i]->filter->name;
      if (!allowed_in_safe_mode(name)) {
        invalid(context_ + " is refused in safe mode: filter '" + name +
                "' is not allowed");
      }
    }
  }
  link_inputs(in_list.get(), resolve);
  link_outputs(out_list.get(), limited);
  ret = avfilter_graph_config(graph_.get(), nullptr);
  if (ret < 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "cannot configure " + context_ + " for the frames given: " +
                    av_error_reason(ret),
                ret);
  }
}

ComplexGraph ComplexGraph::rebuilt() const {
  std::vector<FilterInput> params;
  for (const Input& in : inputs_) params.push_back(in.params);
  return ComplexGraph(
      description_, [&](const std::vector<GraphPad>&) { return params; },
      safe_, context_);
}

void ComplexGraph::link_inputs(AVFilterInOut* open, const InputResolver& resolve) {
  std::vector<const AVFilterInOut*> pads;
  std::vector<GraphPad> described;
  for (const AVFilterInOut* p = open; p != nullptr; p = p->next) {
    pads.push_back(p);
    described.push_back(pad_of(p, true));
  }
  const std::vector<FilterInput> params = resolve(described);
  if (params.size() != pads.size()) {
    invalid(context_ + " has " + std::to_string(pads.size()) +
            " open input(s), but " + std::to_string(params.size()) +
            " were given");
  }
  for (size_t k = 0; k < pads.size(); ++k) {
    Input in;
    in.pad = described[k];
    in.params = params[k];
    const std::string where =
        "input " + (in.pad.label.empty() ? std::to_string(k) : "[" + in.pad.label + "]") +
        " of " + context_;
    if (in.pad.media_type != in.params.media_type) {
      invalid(where + " takes " + type_name(in.pad.media_type) + ", but " +
              type_name(in.params.media_type) + " was given");
    }
    const bool video = in.params.media_type == AVMEDIA_TYPE_VIDEO;
    const AVFilter* buffer = avfilter_get_by_name(video ? "buffer" : "abuffer");
    const std::string name = "ffstream_in" + std::to_string(k);
    check_av(avfilter_graph_create_filter(&in.source, buffer, name.c_str(),
                                          buffer_source_args(in.params).c_str(),
                                          nullptr, graph_.get()),
             "avfilter_graph_create_filter(buffer)", where);
    check_av(avfilter_link(in.source, 0, pads[k]->filter_ctx, pads[k]->pad_idx),
             "avfilter_link", where);
    inputs_.push_back(std::move(in));
  }
}

void ComplexGraph::link_outputs(AVFilterInOut* open, const std::vector<bool>& limited) {
  std::vector<const AVFilterInOut*> pads;
  for (const AVFilterInOut* p = open; p != nullptr; p = p->next) pads.push_back(p);
  auto position = [this](const AVFilterInOut* p) {
    return p->name == nullptr ? std::string::npos
                              : description_.find("[" + std::string(p->name) + "]");
  };
  std::stable_sort(pads.begin(), pads.end(),
                   [&](const AVFilterInOut* a, const AVFilterInOut* b) {
                     return position(a) < position(b);
                   });
  for (const AVFilterInOut* p : pads) {
    Output out;
    out.pad = pad_of(p, false);
    const bool video = out.pad.media_type == AVMEDIA_TYPE_VIDEO;
    const AVFilter* sink = avfilter_get_by_name(video ? "buffersink" : "abuffersink");
    const std::string name = "ffstream_out" + std::to_string(outputs_.size());
    out.sink = avfilter_graph_alloc_filter(graph_.get(), sink, name.c_str());
    if (out.sink == nullptr) throw std::bad_alloc();
    if (video) {
      const size_t j = outputs_.size();
      ask_stated_range(out.sink, j < limited.size() && limited[j]);
    }
    check_av(avfilter_init_str(out.sink, nullptr), "avfilter_init_str(buffersink)",
             context_);
    check_av(avfilter_link(p->filter_ctx, p->pad_idx, out.sink, 0),
             "avfilter_link", context_);
    outputs_.push_back(std::move(out));
  }
  if (outputs_.empty()) invalid(context_ + " has no open output");
}

SinkParams ComplexGraph::sink(int j) const {
  const AVFilterContext* s = outputs_[j].sink;
  SinkParams p;
  p.media_type = av_buffersink_get_type(s);
  p.time_base = av_buffersink_get_time_base(s);
  p.format = av_buffersink_get_format(s);
  p.width = av_buffersink_get_w(s);
  p.height = av_buffersink_get_h(s);
  p.frame_rate = av_buffersink_get_frame_rate(s);
  p.sample_rate = av_buffersink_get_sample_rate(s);
#if FFSTREAM_HAS_CH_LAYOUT
  AVChannelLayout layout{};
  if (av_buffersink_get_ch_layout(s, &layout) >= 0) {
    p.num_channels = layout.nb_channels;
    av_channel_layout_uninit(&layout);
  }
#else
  p.num_channels = av_buffersink_get_channels(s);
#endif
  return p;
}

void ComplexGraph::push(int i, AVFrame* frame) {
  Input& in = inputs_[i];
  if (frame->pts != AV_NOPTS_VALUE) {
    int64_t duration = frame_duration(frame);
    if (duration <= 0 && in.params.media_type == AVMEDIA_TYPE_AUDIO &&
        frame->sample_rate > 0) {
      duration = av_rescale_q(frame->nb_samples, {1, frame->sample_rate},
                              in.params.time_base);
    } else if (duration <= 0 && in.params.frame_rate.num > 0) {
      duration = av_rescale_q(1, av_inv_q(in.params.frame_rate), in.params.time_base);
    }
    in.end_pts = frame->pts + std::max<int64_t>(duration, 0);
  }
  const int ret = av_buffersrc_add_frame_flags(in.source, frame, AV_BUFFERSRC_FLAG_KEEP_REF);
  if (ret < 0 && ret != AVERROR_EOF) {
    throw_av_error(ret, "av_buffersrc_add_frame_flags", context_);
  }
}

void ComplexGraph::close(int i, bool run, std::optional<int64_t> at) {
  Input& in = inputs_[i];
  if (in.closed) return;
  in.closed = true;
  if (!at) at = in.end_pts;
  const int flags = run ? AV_BUFFERSRC_FLAG_PUSH : 0;
  // Closing at the last frame's start (what a null frame does) would make
  // fps drop that frame; close at its end, as the ffmpeg command does.
  const int ret = at ? av_buffersrc_close(in.source, *at, flags)
                     : av_buffersrc_add_frame_flags(in.source, nullptr, flags);
  if (ret < 0 && ret != AVERROR_EOF) throw_av_error(ret, "av_buffersrc_close", context_);
}

bool ComplexGraph::all_closed() const {
  return std::all_of(inputs_.begin(), inputs_.end(),
                     [](const Input& in) { return in.closed; });
}

ComplexGraph::Pull ComplexGraph::pull(int j, AVFrame* out) {
  const int ret = av_buffersink_get_frame(outputs_[j].sink, out);
  if (ret == AVERROR(EAGAIN)) return Pull::kAgain;
  if (ret == AVERROR_EOF) return Pull::kEnd;
  check_av(ret, "av_buffersink_get_frame", context_);
  return Pull::kFrame;
}

void ComplexGraph::set_frame_size(int j, int samples) {
  av_buffersink_set_frame_size(outputs_[j].sink, static_cast<unsigned>(samples));
}

}  // namespace ffstream::detail
