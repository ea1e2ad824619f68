#include "ffstream/detail/output_stream.h"

#include <algorithm>
#include <utility>

#include "ffstream/detail/cuda_device.h"
#include "ffstream/detail/output_group.h"
#include "ffstream/detail/stream_info.h"
#include "ffstream/error.h"

namespace ffstream::detail {

namespace {

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

double to_double(AVRational r) {
  return r.num > 0 && r.den > 0 ? av_q2d(r) : 0.0;
}

// Audio frames of one commit are samples, 1 / rate apart.
AVRational frame_step(bool audio, AVRational rate) {
  return audio ? AVRational{1, std::max(rate.num, 1)} : AVRational{0, 1};
}

}  // namespace

std::unique_ptr<OutputStream> OutputStream::with_own_graph(
    const AVFormatContext* format, const AVStream* stream,
    const AVCodecContext* decoder, const OutputOptions& options,
    const std::string& context, const std::shared_ptr<CudaDevice>& cuda) {
  OutputPlan plan = plan_output(options, stream, decoder, context);
  return std::unique_ptr<OutputStream>(
      new OutputStream(format, stream, decoder, std::move(plan), options, context, cuda));
}

std::unique_ptr<OutputStream> OutputStream::fed_by_group(
    const AVFormatContext* format, const AVStream* stream, OutputGroup* group,
    int sink, const OutputOptions& options, const std::string& context) {
  const SinkParams& params = group->graph().sink(sink);
  OutputPlan plan =
      plan_group_output(options, stream, params, group->graph().description());
  return std::unique_ptr<OutputStream>(
      new OutputStream(format, stream, group, sink, params, std::move(plan), options, context));
}

OutputStream::OutputStream(const AVFormatContext* format,
                           const AVStream* stream,
                           const AVCodecContext* decoder, OutputPlan plan,
                           const OutputOptions& options,
                           const std::string& context,
                           const std::shared_ptr<CudaDevice>& cuda)
    : plan_(std::move(plan)),
      context_(context),
      cuda_(options.hw_accel ? cuda : nullptr),
      color_matrix_(stream->codecpar->color_space),
      color_range_(stream->codecpar->color_range),
      stream_frame_rate_(stream_frame_rate(stream)),
      stream_time_base_(stream->time_base),
      graph_(std::in_place,
             FilterInput::from_codec(
                 decoder, stream->time_base,
                 av_guess_frame_rate(const_cast<AVFormatContext*>(format),
                                     const_cast<AVStream*>(stream), nullptr)),
             plan_.direct_format ? "" : plan_.filter_description),
      sink_(graph_->sink()),
      converter_(cuda_ ? make_gpu_converter(stream, options, context_, cuda_)
                       : make_converter(sink_, plan_.direct_format, options.yuv_i420)),
      buffer_(check_chunk_bytes(converter_.layout(), options), plan_.sizing,
              frame_step(options.media_type == MediaType::kAudio, output_rate()),
              capacity_hint(options, format, stream, to_double(output_rate()),
                            converter_.layout().bytes()),
              cuda_ ? ChunkMemory(cuda_) : ChunkMemory()),
      filtered_(make_frame()) {}

OutputStream::OutputStream(const AVFormatContext* format,
                           const AVStream* stream, OutputGroup* group,
                           int sink, const SinkParams& params, OutputPlan plan,
                           const OutputOptions& options,
                           const std::string& context)
    : plan_(std::move(plan)),
      context_(context),
      stream_frame_rate_(stream_frame_rate(stream)),
      stream_time_base_(stream->time_base),
      group_(group),
      sink_index_(sink),
      sink_(params),
      converter_(make_converter(sink_, plan_.direct_format, options.yuv_i420)),
      buffer_(check_chunk_bytes(converter_.layout(), options), plan_.sizing,
              frame_step(sink_.media_type == AVMEDIA_TYPE_AUDIO, output_rate()),
              capacity_hint(options, format, stream, to_double(output_rate()),
                            converter_.layout().bytes())),
      filtered_(make_frame()) {}

AVRational OutputStream::output_rate() const {
  if (sink_.media_type == AVMEDIA_TYPE_AUDIO) {
    return AVRational{sink_.sample_rate, 1};
  }
  const AVRational rate = sink_.frame_rate;
  return rate.num > 0 && rate.den > 0 ? rate : stream_frame_rate_;
}

void OutputStream::push(AVFrame* decoded) {
  if (decoded != nullptr) {
    ++counters_.frames_decoded;
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
  counters_.frames_delivered += total - verdict.first;
  counters_.newest_pts = std::max(counters_.newest_pts.value_or(pts), pts);
  if (!counters_.first_pts) counters_.first_pts = pts;
}

OutputStreamInfo OutputStream::info() const {
  OutputStreamInfo info;
  info.source_index = plan_.source_index;
  const bool video = sink_.media_type == AVMEDIA_TYPE_VIDEO;
  info.filter_description = plan_.filter_description.empty()
                                ? (video ? "null" : "anull")
                                : plan_.filter_description;
  info.media_type = video ? "video" : "audio";
  if (video) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(
        plan_.direct_format.value_or(sink_.format)));
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
        plan_.direct_format.value_or(sink_.format)));
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
