#include "ffstream/frame_filter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/converter.h"
#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/filter_graph.h"
#include "ffstream/detail/filter_safety.h"
#include "ffstream/detail/format_table.h"
#include "ffstream/detail/raii.h"
#include "ffstream/error.h"

namespace ffstream {

using namespace detail;

namespace {

// Samples per frame handed to the graph: a long waveform goes in as frames
// of this size, as a demuxer would give it, not as one huge frame.
constexpr int64_t kSamplesPerFrame = 4096;

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorKind::kInvalidArgument, message);
}

AVMediaType pad_type(const AVFilterInOut* pad, bool input) {
  const AVFilterContext* f = pad->filter_ctx;
  return avfilter_pad_get_type(input ? f->input_pads : f->output_pads,
                               pad->pad_idx);
}

std::string label(const AVFilterInOut* pad) {
  return pad->name != nullptr ? pad->name : "";
}

std::string names_of(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n.empty() ? "(unlabeled)" : "[" + n + "]";
  }
  return out.empty() ? "none" : out;
}

// The FilterInput (buffer arguments) of an input spec; checks the spec.
FilterInput input_of(const FilterInputSpec& spec, const std::string& where) {
  FilterInput in;
  if (spec.video) {
    in.media_type = AVMEDIA_TYPE_VIDEO;
    const AVPixelFormat fmt = av_get_pix_fmt(spec.format.c_str());
    const PixelFormatSpec* known = find_pixel_format(fmt);
    if (known == nullptr || known->layout != PixelLayout::kPacked ||
        known->dtype != DType::kUInt8) {
      invalid(where + ": pixel format '" + spec.format +
              "' cannot be pushed (packed 8-bit formats only: rgb24, bgr24, "
              "rgba, argb, bgra, abgr, gray)");
    }
    if (spec.width <= 0 || spec.height <= 0) {
      invalid(where + ": width and height must be positive");
    }
    if (spec.frame_rate_num <= 0 || spec.frame_rate_den <= 0) {
      invalid(where + ": frame_rate must be positive");
    }
    in.format = fmt;
    in.width = spec.width;
    in.height = spec.height;
    in.sample_aspect_ratio = {1, 1};
    in.frame_rate = {spec.frame_rate_num, spec.frame_rate_den};
    in.time_base = av_inv_q(in.frame_rate);
    return in;
  }
  in.media_type = AVMEDIA_TYPE_AUDIO;
  const AVSampleFormat fmt = av_get_sample_fmt(spec.format.c_str());
  if (fmt == AV_SAMPLE_FMT_NONE || find_sample_format(fmt) == nullptr) {
    invalid(where + ": unknown sample format '" + spec.format + "'");
  }
  if (spec.sample_rate <= 0) invalid(where + ": sample_rate must be positive");
  if (spec.num_channels <= 0) invalid(where + ": num_channels must be positive");
  in.format = fmt;
  in.sample_rate = spec.sample_rate;
  in.num_channels = spec.num_channels;
  in.time_base = {1, spec.sample_rate};
  in.channel_layout = spec.channel_layout.empty()
                          ? default_channel_layout(spec.num_channels)
                          : spec.channel_layout;
  return in;
}

void set_frame_channels(AVFrame* frame, const FilterInput& in,
                        const std::string& where) {
#if FFSTREAM_HAS_CH_LAYOUT
  if (in.channel_layout.empty()) {
    av_channel_layout_default(&frame->ch_layout, in.num_channels);
  } else if (av_channel_layout_from_string(&frame->ch_layout,
                                           in.channel_layout.c_str()) < 0) {
    invalid(where + ": unknown channel layout '" + in.channel_layout + "'");
  }
  if (frame->ch_layout.nb_channels != in.num_channels) {
    invalid(where + ": channel layout '" + in.channel_layout + "' has " +
            std::to_string(frame->ch_layout.nb_channels) + " channels, not " +
            std::to_string(in.num_channels));
  }
#else
  frame->channels = in.num_channels;
  frame->channel_layout =
      in.channel_layout.empty()
          ? av_get_default_channel_layout(in.num_channels)
          : av_get_channel_layout(in.channel_layout.c_str());
  if (frame->channel_layout == 0 && !in.channel_layout.empty()) {
    invalid(where + ": unknown channel layout '" + in.channel_layout + "'");
  }
#endif
}

}  // namespace

class FrameFilter::Impl {
 public:
  struct Input {
    FilterInputSpec spec;
    FilterInput params;
    AVFilterContext* source = nullptr;  // owned by the graph
    int64_t next_pts = 0;               // in params.time_base
    bool closed = false;
  };
  struct Output {
    std::string name;
    AVFilterContext* sink = nullptr;  // owned by the graph
    std::optional<Converter> converter;
    int chunk_format = -1;  // what the chunks hold
    bool finished = false;
  };

  std::string description;
  FilterGraphPtr graph;
  std::vector<Input> inputs;
  std::vector<Output> outputs;
  FramePtr frame = make_frame();

  std::string context() const { return "filter graph '" + description + "'"; }

  void build(const std::vector<FilterInputSpec>& specs, bool safe);
  void link_inputs(AVFilterInOut* open_inputs,
                   const std::vector<FilterInputSpec>& specs);
  void link_outputs(AVFilterInOut* open_outputs);
  void push_audio(Input& in, const uint8_t* data, int64_t count);
  void push_video(Input& in, const uint8_t* data, int64_t count);
  void send(Input& in, AVFrame* f);
  Converter make_converter(Output& out);
};

void FrameFilter::Impl::build(const std::vector<FilterInputSpec>& specs,
                              bool safe) {
  if (safe) {
    // Before FFmpeg parses it: parsing already opens files (amovie, psnr).
    const std::string why = refused_by_safe_mode(description);
    if (!why.empty()) invalid(context() + " is refused in safe mode: " + why);
  }
  graph.reset(avfilter_graph_alloc());
  if (!graph) throw std::bad_alloc();
  graph->nb_threads = 1;  // filters run in the caller's thread
  AVFilterInOut* open_inputs = nullptr;
  AVFilterInOut* open_outputs = nullptr;
  int ret = avfilter_graph_parse2(graph.get(), description.c_str(),
                                  &open_inputs, &open_outputs);
  FilterInOutPtr in_list(open_inputs), out_list(open_outputs);
  if (ret < 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "invalid " + context() + ": " + av_error_reason(ret), ret);
  }
  if (safe) {
    // The text was checked above; this catches any filter FFmpeg made of
    // it that the check did not see, before anything runs.
    for (unsigned i = 0; i < graph->nb_filters; ++i) {
      const char* name = graph->filters[i]->filter->name;
      if (!allowed_in_safe_mode(name)) {
        invalid(context() + " is refused in safe mode: filter '" + name +
                "' is not allowed");
      }
    }
  }
  link_inputs(in_list.get(), specs);
  link_outputs(out_list.get());
  ret = avfilter_graph_config(graph.get(), nullptr);
  if (ret < 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "cannot configure " + context() + " for the inputs given: " +
                    av_error_reason(ret),
                ret);
  }
}

void FrameFilter::Impl::link_inputs(AVFilterInOut* open,
                                    const std::vector<FilterInputSpec>& specs) {
  std::vector<const AVFilterInOut*> pads;
  std::vector<std::string> pad_names, spec_names;
  for (const AVFilterInOut* p = open; p != nullptr; p = p->next) {
    pads.push_back(p);
    pad_names.push_back(label(p));
  }
  for (const auto& s : specs) spec_names.push_back(s.name);
  auto mismatch = [&] {
    invalid(context() + " has inputs " + names_of(pad_names) +
            ", but inputs " + names_of(spec_names) + " were given");
  };
  if (pads.size() != specs.size()) mismatch();
  for (size_t k = 0; k < specs.size(); ++k) {
    const FilterInputSpec& spec = specs[k];
    // One unlabeled pad takes one spec, whatever its name.
    const AVFilterInOut* pad = nullptr;
    if (pads.size() == 1 && (pad_names[0].empty() || spec.name.empty())) {
      pad = pads[0];
    } else {
      for (size_t p = 0; p < pads.size(); ++p) {
        if (pad_names[p] == spec.name) pad = pads[p];
      }
    }
    if (pad == nullptr) mismatch();
    const std::string where =
        "input " + (spec.name.empty() ? std::to_string(k) : "[" + spec.name + "]") +
        " of " + context();
    Input in{spec, input_of(spec, where)};
    const AVMediaType want = pad_type(pad, true);
    if (want != in.params.media_type) {
      invalid(where + " takes " + av_get_media_type_string(want) +
              ", but " + (spec.video ? "video" : "audio") + " was given");
    }
    const AVFilter* buffer =
        avfilter_get_by_name(spec.video ? "buffer" : "abuffer");
    const std::string name = "ffstream_in" + std::to_string(k);
    check_av(avfilter_graph_create_filter(&in.source, buffer, name.c_str(),
                                          buffer_source_args(in.params).c_str(),
                                          nullptr, graph.get()),
             "avfilter_graph_create_filter(buffer)", where);
    check_av(avfilter_link(in.source, 0, pad->filter_ctx, pad->pad_idx),
             "avfilter_link", where);
    inputs.push_back(std::move(in));
  }
}

void FrameFilter::Impl::link_outputs(AVFilterInOut* open) {
  // Outputs are numbered in the order their labels appear in the
  // description (FFmpeg lists them otherwise); the unlabeled one comes last.
  std::vector<const AVFilterInOut*> pads;
  for (const AVFilterInOut* p = open; p != nullptr; p = p->next) pads.push_back(p);
  auto position = [this](const AVFilterInOut* p) {
    return p->name == nullptr ? std::string::npos
                              : description.find("[" + std::string(p->name) + "]");
  };
  std::stable_sort(pads.begin(), pads.end(),
                   [&](const AVFilterInOut* a, const AVFilterInOut* b) {
                     return position(a) < position(b);
                   });
  int k = 0;
  for (const AVFilterInOut* p : pads) {
    ++k;
    const bool video = pad_type(p, false) == AVMEDIA_TYPE_VIDEO;
    const AVFilter* sink =
        avfilter_get_by_name(video ? "buffersink" : "abuffersink");
    Output out;
    out.name = label(p);
    const std::string name = "ffstream_out" + std::to_string(k - 1);
    check_av(avfilter_graph_create_filter(&out.sink, sink, name.c_str(),
                                          nullptr, nullptr, graph.get()),
             "avfilter_graph_create_filter(buffersink)", context());
    check_av(avfilter_link(p->filter_ctx, p->pad_idx, out.sink, 0),
             "avfilter_link", context());
    outputs.push_back(std::move(out));
  }
  if (outputs.empty()) invalid(context() + " has no open output");
}

void FrameFilter::Impl::send(Input& in, AVFrame* f) {
  const int ret = av_buffersrc_add_frame_flags(in.source, f, 0);
  av_frame_unref(f);
  if (ret < 0) throw_av_error(ret, "av_buffersrc_add_frame", context());
}

void FrameFilter::Impl::push_audio(Input& in, const uint8_t* data,
                                   int64_t count) {
  const auto fmt = static_cast<AVSampleFormat>(in.params.format);
  const int channels = in.params.num_channels;
  const int bytes = av_get_bytes_per_sample(fmt);
  const bool planar = av_sample_fmt_is_planar(fmt) != 0;
  for (int64_t done = 0; done < count;) {
    const int64_t n = std::min(kSamplesPerFrame, count - done);
    AVFrame* f = frame.get();
    f->format = fmt;
    f->sample_rate = in.params.sample_rate;
    f->nb_samples = static_cast<int>(n);
    set_frame_channels(f, in.params, context());
    check_av(av_frame_get_buffer(f, 0), "av_frame_get_buffer", context());
    if (planar) {
      for (int c = 0; c < channels; ++c) {
        std::memcpy(f->extended_data[c],
                    data + (c * count + done) * bytes, n * bytes);
      }
    } else {
      std::memcpy(f->data[0], data + done * channels * bytes,
                  n * channels * bytes);
    }
    f->pts = in.next_pts;
    in.next_pts += n;
    send(in, f);
    done += n;
  }
}

void FrameFilter::Impl::push_video(Input& in, const uint8_t* data,
                                   int64_t count) {
  const auto fmt = static_cast<AVPixelFormat>(in.params.format);
  const int row = in.params.width * find_pixel_format(fmt)->channels;
  const int64_t image = static_cast<int64_t>(row) * in.params.height;
  for (int64_t k = 0; k < count; ++k) {
    AVFrame* f = frame.get();
    f->format = fmt;
    f->width = in.params.width;
    f->height = in.params.height;
    f->sample_aspect_ratio = {1, 1};
    check_av(av_frame_get_buffer(f, 0), "av_frame_get_buffer", context());
    av_image_copy_plane(f->data[0], f->linesize[0], data + k * image, row, row,
                        in.params.height);
    f->pts = in.next_pts++;
#if FFSTREAM_HAS_FRAME_DURATION
    f->duration = 1;
#endif
    send(in, f);
  }
}

Converter FrameFilter::Impl::make_converter(Output& out) {
  const int fmt = av_buffersink_get_format(out.sink);
  if (av_buffersink_get_type(out.sink) == AVMEDIA_TYPE_VIDEO) {
    auto pix = static_cast<AVPixelFormat>(fmt);
    AVPixelFormat target = pix;
    if (find_pixel_format(pix) == nullptr) {
      target = nearest_supported_pixel_format(pix);
      if (target == AV_PIX_FMT_NONE || !Converter::can_convert_into(target)) {
        target = AV_PIX_FMT_RGB24;
      }
    }
    out.chunk_format = target;
    return Converter::for_video(target, av_buffersink_get_w(out.sink),
                                av_buffersink_get_h(out.sink), pix);
  }
  auto sample = static_cast<AVSampleFormat>(fmt);
  const AVSampleFormat packed = av_get_packed_sample_fmt(sample);
  out.chunk_format = packed;
#if FFSTREAM_HAS_CH_LAYOUT
  AVChannelLayout layout{};
  av_buffersink_get_ch_layout(out.sink, &layout);
  const int channels = layout.nb_channels;
  av_channel_layout_uninit(&layout);
#else
  const int channels = av_buffersink_get_channels(out.sink);
#endif
  return Converter::for_audio(packed, channels, sample);
}

FrameFilter::FrameFilter(const std::string& description,
                         const std::vector<FilterInputSpec>& inputs, bool safe)
    : impl_(std::make_unique<Impl>()) {
  impl_->description = description;
  impl_->build(inputs, safe);
  for (auto& out : impl_->outputs) out.converter = impl_->make_converter(out);
}

FrameFilter::~FrameFilter() = default;
FrameFilter::FrameFilter(FrameFilter&&) noexcept = default;
FrameFilter& FrameFilter::operator=(FrameFilter&&) noexcept = default;

int FrameFilter::num_inputs() const {
  return static_cast<int>(impl_->inputs.size());
}
int FrameFilter::num_outputs() const {
  return static_cast<int>(impl_->outputs.size());
}

const FilterInputSpec& FrameFilter::input(int i) const {
  if (i < 0 || i >= num_inputs()) {
    throw Error(ErrorKind::kIndexOutOfRange,
                "input " + std::to_string(i) + " of " + impl_->context() +
                    " does not exist (it has " + std::to_string(num_inputs()) + ")");
  }
  return impl_->inputs[i].spec;
}

int64_t FrameFilter::bytes_per_frame(int i) const {
  input(i);
  const FilterInput& p = impl_->inputs[i].params;
  if (p.media_type == AVMEDIA_TYPE_VIDEO) {
    const auto* known = find_pixel_format(static_cast<AVPixelFormat>(p.format));
    return static_cast<int64_t>(p.width) * p.height * known->channels;
  }
  return static_cast<int64_t>(p.num_channels) *
         av_get_bytes_per_sample(static_cast<AVSampleFormat>(p.format));
}

FilterOutputInfo FrameFilter::output(int j) const {
  if (j < 0 || j >= num_outputs()) {
    throw Error(ErrorKind::kIndexOutOfRange,
                "output " + std::to_string(j) + " of " + impl_->context() +
                    " does not exist (it has " + std::to_string(num_outputs()) + ")");
  }
  const Impl::Output& out = impl_->outputs[j];
  FilterOutputInfo info;
  info.name = out.name;
  info.video = av_buffersink_get_type(out.sink) == AVMEDIA_TYPE_VIDEO;
  info.format = info.video
                    ? av_get_pix_fmt_name(static_cast<AVPixelFormat>(out.chunk_format))
                    : av_get_sample_fmt_name(static_cast<AVSampleFormat>(out.chunk_format));
  if (info.video) {
    info.width = av_buffersink_get_w(out.sink);
    info.height = av_buffersink_get_h(out.sink);
    const AVRational rate = av_buffersink_get_frame_rate(out.sink);
    info.frame_rate = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
  } else {
    info.sample_rate = av_buffersink_get_sample_rate(out.sink);
    info.num_channels = static_cast<int>(out.converter->layout().shape[0]);
  }
  return info;
}

void FrameFilter::push(int i, const uint8_t* data, int64_t count,
                       std::optional<double> pts) {
  input(i);  // checks the index
  Impl::Input& in = impl_->inputs[i];
  if (in.closed) {
    invalid("input " + std::to_string(i) + " of " + impl_->context() +
            " was closed; nothing more can be pushed");
  }
  if (count < 0) invalid("a negative number of frames cannot be pushed");
  if (pts) {
    if (!std::isfinite(*pts)) invalid("pts must be a finite number of seconds");
    in.next_pts = std::llround(*pts / av_q2d(in.params.time_base));
  }
  if (count == 0) return;
  if (in.spec.video) {
    impl_->push_video(in, data, count);
  } else {
    impl_->push_audio(in, data, count);
  }
}

void FrameFilter::close(int i) {
  input(i);
  Impl::Input& in = impl_->inputs[i];
  if (in.closed) return;
  in.closed = true;
  // Without AV_BUFFERSRC_FLAG_PUSH: the graph runs when outputs are pulled,
  // once it knows about every input. Pushing at each close would run a
  // multi-input filter (amix) while the other inputs look unfinished.
  const int ret = av_buffersrc_close(in.source, in.next_pts, 0);
  if (ret < 0) throw_av_error(ret, "av_buffersrc_close", impl_->context());
}

std::optional<Chunk> FrameFilter::pull(int j, int64_t max_frames) {
  output(j);  // checks the index
  Impl::Output& out = impl_->outputs[j];
  std::vector<FramePtr> frames;
  int64_t total = 0;
  while (!out.finished && total < max_frames) {
    FramePtr f = make_frame();
    const int ret = av_buffersink_get_frame(out.sink, f.get());
    if (ret == AVERROR(EAGAIN)) break;
    if (ret == AVERROR_EOF) {
      out.finished = true;
      break;
    }
    check_av(ret, "av_buffersink_get_frame", impl_->context());
    total += av_buffersink_get_type(out.sink) == AVMEDIA_TYPE_VIDEO
                 ? 1
                 : f->nb_samples;
    frames.push_back(std::move(f));
  }
  if (frames.empty()) return std::nullopt;

  const FrameLayout& layout = out.converter->layout();
  Chunk chunk;
  chunk.storage = allocate_storage(std::max<size_t>(1, total * layout.bytes()));
  chunk.data = chunk.storage.get();
  chunk.dtype = layout.dtype;
  chunk.shape = {total};
  chunk.shape.insert(chunk.shape.end(), layout.shape.begin(), layout.shape.end());
  chunk.strides = {layout.elements};
  chunk.strides.insert(chunk.strides.end(), layout.strides.begin(),
                       layout.strides.end());
  const AVRational tb = av_buffersink_get_time_base(out.sink);
  const bool video = av_buffersink_get_type(out.sink) == AVMEDIA_TYPE_VIDEO;
  auto seconds = [tb](int64_t pts) {
    return pts == AV_NOPTS_VALUE ? 0.0 : pts * av_q2d(tb);
  };
  chunk.pts = seconds(frames.front()->pts);
  chunk.has_frame_times = video;
  const AVRational rate = av_buffersink_get_frame_rate(out.sink);
  int64_t at = 0;
  for (const FramePtr& f : frames) {
    const int64_t n = video ? 1 : f->nb_samples;
    out.converter->convert(f.get(), 0, n, chunk.data + at * layout.bytes());
    if (video) {
      chunk.frame_pts.push_back(seconds(f->pts));
      const int64_t d = frame_duration(f.get());
      chunk.frame_duration.push_back(
          d > 0 ? d * av_q2d(tb)
                : (rate.num > 0 && rate.den > 0 ? av_q2d(av_inv_q(rate)) : 0.0));
    }
    at += n;
  }
  return chunk;
}

bool FrameFilter::finished(int j) const {
  output(j);
  return impl_->outputs[j].finished;
}

}  // namespace ffstream
