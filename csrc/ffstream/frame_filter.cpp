#include "ffstream/frame_filter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/complex_graph.h"
#include "ffstream/detail/converter.h"
#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/output_filter.h"
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

std::string names_of(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n.empty() ? "(unlabeled)" : "[" + n + "]";
  }
  return out.empty() ? "none" : out;
}

// Frames of these are copied row by row into FFmpeg's frames.
bool pushable(AVPixelFormat format) {
  const PixelFormatSpec* known = find_pixel_format(format);
  return known != nullptr && known->layout == PixelLayout::kPacked &&
         known->dtype == DType::kUInt8;
}

// The FilterInput (buffer arguments) of an input spec; checks the spec.
FilterInput input_of(const FilterInputSpec& spec, const std::string& where) {
  FilterInput in;
  if (spec.video) {
    in.media_type = AVMEDIA_TYPE_VIDEO;
    const AVPixelFormat fmt = av_get_pix_fmt(spec.format.c_str());
    if (!pushable(fmt)) {
      std::string names;
      for (const auto& [name, channels] : pushable_pixel_formats()) {
        names += (names.empty() ? "" : ", ") + name;
      }
      invalid(where + ": pixel format '" + spec.format +
              "' cannot be pushed (packed 8-bit formats only: " + names + ")");
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

std::vector<std::pair<std::string, std::string>> pushable_sample_formats() {
  std::vector<std::pair<std::string, std::string>> formats;
  for (int f = 0; f < AV_SAMPLE_FMT_NB; ++f) {
    const auto fmt = static_cast<AVSampleFormat>(f);
    if (const SampleFormatSpec* known = find_sample_format(fmt)) {
      formats.emplace_back(av_get_sample_fmt_name(fmt), dtype_name(known->dtype));
    }
  }
  return formats;
}

std::vector<std::pair<std::string, int>> pushable_pixel_formats() {
  std::vector<std::pair<std::string, int>> formats;
  for (const AVPixFmtDescriptor* d = av_pix_fmt_desc_next(nullptr); d != nullptr;
       d = av_pix_fmt_desc_next(d)) {
    const AVPixelFormat fmt = av_pix_fmt_desc_get_id(d);
    if (pushable(fmt)) formats.emplace_back(d->name, find_pixel_format(fmt)->channels);
  }
  return formats;
}

class FrameFilter::Impl {
 public:
  struct Input {
    FilterInputSpec spec;
    FilterInput params;
    int pad = 0;           // the graph's input that takes it
    int64_t next_pts = 0;  // in params.time_base
    bool closed = false;
  };
  struct Output {
    std::optional<Converter> converter;
    int chunk_format = -1;  // what the chunks hold
    bool finished = false;
  };

  std::string description;
  std::optional<ComplexGraph> graph;
  std::vector<Input> inputs;
  std::vector<Output> outputs;
  FramePtr frame = make_frame();

  std::string context() const { return "filter graph '" + description + "'"; }

  void build(const std::vector<FilterInputSpec>& specs, bool safe);
  // What each of the graph's open inputs takes: the spec of its label.
  std::vector<FilterInput> match_inputs(const std::vector<GraphPad>& pads,
                                        const std::vector<FilterInputSpec>& specs);
  void push_audio(Input& in, const uint8_t* data, int64_t count);
  void push_video(Input& in, const uint8_t* data, int64_t count);
  void send(Input& in, AVFrame* f);
  Converter make_converter(int j, Output& out);
};

void FrameFilter::Impl::build(const std::vector<FilterInputSpec>& specs,
                              bool safe) {
  graph.emplace(
      description,
      [&](const std::vector<GraphPad>& pads) { return match_inputs(pads, specs); },
      safe, context());
  for (int j = 0; j < graph->num_outputs(); ++j) outputs.emplace_back();
}

std::vector<FilterInput> FrameFilter::Impl::match_inputs(
    const std::vector<GraphPad>& pads, const std::vector<FilterInputSpec>& specs) {
  std::vector<std::string> pad_names, spec_names;
  for (const GraphPad& p : pads) pad_names.push_back(p.label);
  for (const auto& s : specs) spec_names.push_back(s.name);
  auto mismatch = [&] {
    invalid(context() + " has inputs " + names_of(pad_names) +
            ", but inputs " + names_of(spec_names) + " were given");
  };
  if (pads.size() != specs.size()) mismatch();
  std::vector<FilterInput> params(pads.size());
  for (size_t k = 0; k < specs.size(); ++k) {
    const FilterInputSpec& spec = specs[k];
    // One unlabeled pad takes one spec, whatever its name.
    std::optional<size_t> pad;
    if (pads.size() == 1 && (pad_names[0].empty() || spec.name.empty())) {
      pad = 0;
    } else {
      for (size_t p = 0; p < pads.size(); ++p) {
        if (pad_names[p] == spec.name) pad = p;
      }
    }
    if (!pad) mismatch();
    const std::string where =
        "input " + (spec.name.empty() ? std::to_string(k) : "[" + spec.name + "]") +
        " of " + context();
    Input in{spec, input_of(spec, where), static_cast<int>(*pad)};
    params[*pad] = in.params;
    inputs.push_back(std::move(in));
  }
  return params;
}

void FrameFilter::Impl::send(Input& in, AVFrame* f) {
  graph->push(in.pad, f);
  av_frame_unref(f);
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

Converter FrameFilter::Impl::make_converter(int j, Output& out) {
  const SinkParams sink = graph->sink(j);
  if (sink.media_type == AVMEDIA_TYPE_VIDEO) {
    auto pix = static_cast<AVPixelFormat>(sink.format);
    AVPixelFormat target = pix;
    if (find_pixel_format(pix) == nullptr) {
      target = nearest_supported_pixel_format(pix);
      if (target == AV_PIX_FMT_NONE || !Converter::can_convert_into(target)) {
        target = AV_PIX_FMT_RGB24;
      }
    }
    out.chunk_format = target;
    return Converter::for_video(target, sink.width, sink.height, pix);
  }
  auto sample = static_cast<AVSampleFormat>(sink.format);
  const AVSampleFormat packed = av_get_packed_sample_fmt(sample);
  out.chunk_format = packed;
  return Converter::for_audio(packed, sink.num_channels, sample);
}

FrameFilter::FrameFilter(const std::string& description,
                         const std::vector<FilterInputSpec>& inputs, bool safe)
    : impl_(std::make_unique<Impl>()) {
  impl_->description = description;
  impl_->build(inputs, safe);
  for (size_t j = 0; j < impl_->outputs.size(); ++j) {
    impl_->outputs[j].converter = impl_->make_converter(static_cast<int>(j), impl_->outputs[j]);
  }
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
  const SinkParams sink = impl_->graph->sink(j);
  FilterOutputInfo info;
  info.name = impl_->graph->output_pad(j).label;
  info.video = sink.media_type == AVMEDIA_TYPE_VIDEO;
  info.format = info.video
                    ? av_get_pix_fmt_name(static_cast<AVPixelFormat>(out.chunk_format))
                    : av_get_sample_fmt_name(static_cast<AVSampleFormat>(out.chunk_format));
  if (info.video) {
    info.width = sink.width;
    info.height = sink.height;
    info.frame_rate = sink.frame_rate.num > 0 && sink.frame_rate.den > 0
                          ? av_q2d(sink.frame_rate)
                          : 0.0;
  } else {
    info.sample_rate = sink.sample_rate;
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
  // Without running the graph: it runs when outputs are pulled, once it
  // knows about every input. Running it at each close would run a
  // multi-input filter (amix) while the other inputs look unfinished.
  impl_->graph->close(in.pad, /*run=*/false, in.next_pts);
}

std::optional<Chunk> FrameFilter::pull(int j, int64_t max_frames) {
  output(j);  // checks the index
  Impl::Output& out = impl_->outputs[j];
  std::vector<FramePtr> frames;
  int64_t total = 0;
  const SinkParams sink = impl_->graph->sink(j);
  const bool video = sink.media_type == AVMEDIA_TYPE_VIDEO;
  while (!out.finished && total < max_frames) {
    FramePtr f = make_frame();
    const ComplexGraph::Pull got = impl_->graph->pull(j, f.get());
    if (got == ComplexGraph::Pull::kAgain) break;
    if (got == ComplexGraph::Pull::kEnd) {
      out.finished = true;
      break;
    }
    total += video ? 1 : f->nb_samples;
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
  const AVRational tb = sink.time_base;
  auto seconds = [tb](int64_t pts) {
    return pts == AV_NOPTS_VALUE ? 0.0 : pts * av_q2d(tb);
  };
  chunk.pts = seconds(frames.front()->pts);
  chunk.has_frame_times = video;
  const AVRational rate = sink.frame_rate;
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
