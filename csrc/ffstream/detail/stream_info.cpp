#include "ffstream/detail/stream_info.h"

#include <cmath>

#include "ffstream/detail/raii.h"

namespace ffstream::detail {

namespace {

bool valid(AVRational r) { return r.num > 0 && r.den > 0; }

}  // namespace

AVRational stream_frame_rate(const AVStream* stream) {
  if (valid(stream->avg_frame_rate)) return stream->avg_frame_rate;
  if (valid(stream->r_frame_rate)) return stream->r_frame_rate;
  return AVRational{0, 1};
}

double display_rotation(const AVStream* stream) {
  const int32_t* matrix = display_matrix(stream);
  if (matrix == nullptr) return 0;
  double degrees = av_display_rotation_get(matrix);
  // A matrix that scales an axis to nothing has no angle (NaN): no turn.
  if (!std::isfinite(degrees)) return 0;
  // -180 and 180 are the same turn; report one of them, and 0, not -0.
  if (degrees <= -180) degrees += 360;
  return degrees + 0.0;
}

SourceStreamInfo describe_source_stream(const AVStream* stream) {
  const AVCodecParameters* par = stream->codecpar;
  SourceStreamInfo info;
  const char* media_type = av_get_media_type_string(par->codec_type);
  info.media_type = media_type ? media_type : "";
  info.codec_name = avcodec_get_name(par->codec_id);
  if (const AVCodecDescriptor* d = avcodec_descriptor_get(par->codec_id)) {
    info.codec_long_name = d->long_name ? d->long_name : "";
  }
  info.bit_rate = par->bit_rate;
  info.num_frames_from_header = stream->nb_frames;
  info.bits_per_sample = par->bits_per_raw_sample;
  info.metadata = to_map(stream->metadata);

  if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
    const char* fmt =
        av_get_sample_fmt_name(static_cast<AVSampleFormat>(par->format));
    if (fmt) info.format = fmt;
    info.sample_rate = par->sample_rate;
    info.num_channels = num_channels(par);
  } else if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
    const char* fmt =
        av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
    if (fmt) info.format = fmt;
    info.width = par->width;
    info.height = par->height;
    info.frame_rate = av_q2d(stream_frame_rate(stream));
    info.rotation = display_rotation(stream);
    if (par->color_range != AVCOL_RANGE_UNSPECIFIED) {
      if (const char* name = av_color_range_name(par->color_range)) info.color_range = name;
    }
    if (par->color_space != AVCOL_SPC_UNSPECIFIED) {
      if (const char* name = av_color_space_name(par->color_space)) info.color_space = name;
    }
  }
  if (stream->start_time != AV_NOPTS_VALUE) {
    info.start_time = stream->start_time * av_q2d(stream->time_base);
  }
  if (stream->duration != AV_NOPTS_VALUE) {
    info.duration = stream->duration * av_q2d(stream->time_base);
  }
  return info;
}

ContainerInfo describe_container(const AVFormatContext* format) {
  ContainerInfo info;
  if (format->iformat != nullptr) {
    info.format_name = format->iformat->name ? format->iformat->name : "";
    info.format_long_name = format->iformat->long_name ? format->iformat->long_name : "";
  }
  if (format->start_time != AV_NOPTS_VALUE) {
    info.start_time = static_cast<double>(format->start_time) / AV_TIME_BASE;
  }
  if (format->duration != AV_NOPTS_VALUE) {
    info.duration = static_cast<double>(format->duration) / AV_TIME_BASE;
  }
  info.bit_rate = format->bit_rate;
  return info;
}

}  // namespace ffstream::detail
