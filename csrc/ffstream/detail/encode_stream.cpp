#include "ffstream/detail/encode_stream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/ffmpeg_compat.h"
#include "ffstream/error.h"

namespace ffstream::detail {
namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorKind::kInvalidArgument, message);
}

const char* media_name(AVMediaType type) {
  return type == AVMEDIA_TYPE_AUDIO ? "audio" : "video";
}

// The encoder named, or the format's default one for the media.
const AVCodec* find_encoder(const AVFormatContext* format, const std::string& name,
                            AVMediaType type) {
  if (!name.empty()) {
    const AVCodec* codec = avcodec_find_encoder_by_name(name.c_str());
    if (codec == nullptr) {
      invalid("unknown encoder '" + name + "'; ffstream.utils.get_" +
              media_name(type) + "_encoders() lists those this FFmpeg has");
    }
    if (codec->type != type) {
      invalid("encoder '" + name + "' does not encode " + media_name(type));
    }
    return codec;
  }
  const AVCodecID id = av_guess_codec(format->oformat, nullptr, format->url,
                                      nullptr, type);
  if (id == AV_CODEC_ID_NONE) {
    invalid(std::string("format '") + format->oformat->name + "' has no default " +
            media_name(type) + " codec; name an encoder");
  }
  const AVCodec* codec = avcodec_find_encoder(id);
  if (codec == nullptr) {
    invalid(std::string("this FFmpeg has no encoder for '") + avcodec_get_name(id) +
            "', the default " + media_name(type) + " codec of format '" +
            format->oformat->name + "'; name another encoder");
  }
  return codec;
}

bool same(int a, int b) { return a == b; }
bool same(AVRational a, AVRational b) { return av_cmp_q(a, b) == 0; }

template <typename T>
bool contains(const std::vector<T>& list, const T& x) {
  return std::any_of(list.begin(), list.end(), [&](const T& y) { return same(x, y); });
}

// What to encode with: `wanted` when given (it must be supported), else the
// input's value where the encoder takes it, else the encoder's first.
template <typename T, typename Name>
T choose(const std::vector<T>& supported, const T& input, const std::optional<T>& wanted,
         const std::string& what, const std::string& encoder, Name name) {
  if (wanted) {
    if (!supported.empty() && !contains(supported, *wanted)) {
      std::string list;
      for (const T& s : supported) list += (list.empty() ? "" : ", ") + name(s);
      invalid("encoder '" + encoder + "' does not take " + what + " " + name(*wanted) +
              "; it takes " + list);
    }
    return *wanted;
  }
  if (supported.empty() || contains(supported, input)) return input;
  return supported.front();
}

std::string rate_name(AVRational r) {
  return r.den == 1 ? std::to_string(r.num)
                    : std::to_string(r.num) + "/" + std::to_string(r.den);
}

AVRational to_rational(double rate, const char* what) {
  if (!std::isfinite(rate) || rate <= 0) {
    invalid(std::string(what) + " must be a positive number, got " + std::to_string(rate));
  }
  // mpeg4 and others take time bases up to 65535.
  return av_d2q(rate, 65535);
}

int sample_format_of(const std::string& name) {
  static const char* const kPacked[] = {"u8", "s16", "s32", "s64", "flt", "dbl"};
  for (const char* packed : kPacked) {
    if (name == packed) return av_get_sample_fmt(packed);
  }
  invalid("audio format '" + name + "' is not one of u8, s16, s32, s64, flt, dbl");
}

int pixel_format_of(const std::string& name) {
  if (name == "gray8" || name == "gray") return AV_PIX_FMT_GRAY8;
  if (name == "rgb24") return AV_PIX_FMT_RGB24;
  if (name == "bgr24") return AV_PIX_FMT_BGR24;
  if (name == "yuv444p") return AV_PIX_FMT_YUV444P;
  invalid("video format '" + name + "' is not one of rgb24, bgr24, gray8, yuv444p");
}

std::string layout_name(int channels) {
  AVChannelLayout layout{};
  av_channel_layout_default(&layout, channels);
  char text[128] = {0};
  av_channel_layout_describe(&layout, text, sizeof text);
  av_channel_layout_uninit(&layout);
  return text;
}

void apply(const CodecConfig& config, AVCodecContext* ctx) {
  if (config.bit_rate > 0) ctx->bit_rate = config.bit_rate;
  if (config.compression_level != -1) ctx->compression_level = config.compression_level;
  if (config.qscale) {
    ctx->flags |= AV_CODEC_FLAG_QSCALE;
    ctx->global_quality = FF_QP2LAMBDA * *config.qscale;
  }
  if (config.gop_size != -1) ctx->gop_size = config.gop_size;
  if (config.max_b_frames != -1) ctx->max_b_frames = config.max_b_frames;
}

}  // namespace

std::string EncodeStream::name() const {
  return std::string(media_name(input_.media_type)) + " stream " + std::to_string(index_);
}

std::unique_ptr<EncodeStream> EncodeStream::audio(AVFormatContext* format,
                                                  const AudioEncodeOptions& o,
                                                  int index) {
  std::unique_ptr<EncodeStream> s(new EncodeStream(format, index));
  if (o.sample_rate <= 0) invalid("sample_rate must be positive, got " + std::to_string(o.sample_rate));
  if (o.num_channels <= 0 || o.num_channels > 64) {
    invalid("num_channels must be 1 to 64, got " + std::to_string(o.num_channels));
  }
  FilterInput& in = s->input_;
  in.media_type = AVMEDIA_TYPE_AUDIO;
  in.format = sample_format_of(o.format);
  in.sample_rate = o.sample_rate;
  in.num_channels = o.num_channels;
  in.channel_layout = layout_name(o.num_channels);
  in.time_base = AVRational{1, o.sample_rate};
  s->frame_bytes_ = int64_t{o.num_channels} *
                    av_get_bytes_per_sample(static_cast<AVSampleFormat>(in.format));

  const AVCodec* codec = find_encoder(format, o.encoding.encoder, AVMEDIA_TYPE_AUDIO);
  auto fmt_name = [](int f) {
    const char* n = av_get_sample_fmt_name(static_cast<AVSampleFormat>(f));
    return std::string(n ? n : "?");
  };
  std::optional<int> wanted_format;
  if (!o.encoding.encoder_format.empty()) {
    const int f = av_get_sample_fmt(o.encoding.encoder_format.c_str());
    if (f < 0) invalid("unknown encoder_format '" + o.encoding.encoder_format + "'");
    wanted_format = f;
  }
  const int format_out = choose(supported_sample_formats(codec), in.format, wanted_format,
                                "sample format", codec->name, fmt_name);
  auto num = [](int v) { return std::to_string(v); };
  const int rate_out = choose(supported_sample_rates(codec), o.sample_rate,
                              o.encoder_sample_rate, "sample rate", codec->name, num);
  const int channels_out = choose(supported_channel_counts(codec), o.num_channels,
                                  o.encoder_num_channels, "channel count", codec->name, num);
  if (rate_out <= 0) invalid("encoder_sample_rate must be positive, got " + num(rate_out));
  if (channels_out <= 0 || channels_out > 64) {
    invalid("encoder_num_channels must be 1 to 64, got " + num(channels_out));
  }
  s->build_graph(o.encoding.filter_desc,
                 "aformat=sample_fmts=" + fmt_name(format_out) +
                     ":sample_rates=" + num(rate_out) +
                     ":channel_layouts=" + layout_name(channels_out));
  s->open_encoder(codec, o.encoding, AVRational{0, 1});
  return s;
}

std::unique_ptr<EncodeStream> EncodeStream::video(AVFormatContext* format,
                                                  const VideoEncodeOptions& o,
                                                  int index) {
  std::unique_ptr<EncodeStream> s(new EncodeStream(format, index));
  if (!o.hw_accel.empty()) {
    throw Error(ErrorKind::kNotImplemented,
                "hw_accel='" + o.hw_accel +
                    "': encoding from CUDA tensors is not available yet; give CPU "
                    "tensors and a software encoder");
  }
  const AVRational rate_in = to_rational(o.frame_rate, "frame_rate");
  if (o.width <= 0 || o.height <= 0 ||
      av_image_check_size(static_cast<unsigned>(o.width), static_cast<unsigned>(o.height), 0,
                          nullptr) < 0) {
    invalid("width and height must make a valid picture size, got " +
            std::to_string(o.width) + "x" + std::to_string(o.height));
  }
  FilterInput& in = s->input_;
  in.media_type = AVMEDIA_TYPE_VIDEO;
  in.format = pixel_format_of(o.format);
  in.width = o.width;
  in.height = o.height;
  in.sample_aspect_ratio = AVRational{1, 1};
  in.frame_rate = rate_in;
  in.time_base = av_inv_q(rate_in);
  const int planes = in.format == AV_PIX_FMT_GRAY8 ? 1 : 3;
  s->frame_bytes_ = int64_t{o.width} * o.height * planes;

  const AVCodec* codec = find_encoder(format, o.encoding.encoder, AVMEDIA_TYPE_VIDEO);
  auto pix_name = [](int f) {
    const char* n = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f));
    return std::string(n ? n : "?");
  };
  std::optional<int> wanted_format;
  if (!o.encoding.encoder_format.empty()) {
    const int f = av_get_pix_fmt(o.encoding.encoder_format.c_str());
    if (f < 0) invalid("unknown encoder_format '" + o.encoding.encoder_format + "'");
    wanted_format = f;
  }
  const int format_out = choose(supported_pixel_formats(codec), in.format, wanted_format,
                                "pixel format", codec->name, pix_name);
  std::optional<AVRational> wanted_rate;
  if (o.encoder_frame_rate) wanted_rate = to_rational(*o.encoder_frame_rate, "encoder_frame_rate");
  const AVRational rate_out = choose(supported_frame_rates(codec), rate_in, wanted_rate,
                                     "frame rate", codec->name, rate_name);
  std::string conversion;
  if (o.encoder_width || o.encoder_height) {
    const int w = o.encoder_width.value_or(o.width);
    const int h = o.encoder_height.value_or(o.height);
    if (w <= 0 || h <= 0) {
      invalid("encoder_width and encoder_height must be positive, got " +
              std::to_string(w) + "x" + std::to_string(h));
    }
    conversion += "scale=" + std::to_string(w) + ":" + std::to_string(h) + ",";
  }
  if (av_cmp_q(rate_out, rate_in) != 0) conversion += "fps=" + rate_name(rate_out) + ",";
  conversion += "format=pix_fmts=" + pix_name(format_out);
  s->build_graph(o.encoding.filter_desc, conversion);
  s->open_encoder(codec, o.encoding, rate_out);
  return s;
}

void EncodeStream::build_graph(const std::string& user_filter,
                               const std::string& conversion) {
  const std::string description =
      user_filter.empty() ? conversion : user_filter + "," + conversion;
  const std::string context = name() + "'s filter '" + description + "'";
  auto one_input = [&](const std::vector<GraphPad>& pads) {
    if (pads.size() != 1) {
      invalid(context + " has " + std::to_string(pads.size()) +
              " open inputs; a stream's filter takes one");
    }
    return std::vector<FilterInput>{input_};
  };
  graph_.emplace(description, one_input, /*safe=*/false, context);
  if (graph_->num_outputs() != 1) {
    invalid(context + " has " + std::to_string(graph_->num_outputs()) +
            " open outputs; a stream's filter gives one");
  }
  filtered_ = make_frame();
  packet_ = make_packet();
}

void EncodeStream::open_encoder(const AVCodec* codec, const EncoderOptions& o,
                                AVRational frame_rate) {
  const SinkParams sink = graph_->sink(0);
  encoder_.reset(avcodec_alloc_context3(codec));
  if (!encoder_) throw std::bad_alloc();
  AVCodecContext* ctx = encoder_.get();
  if (is_audio()) {
    ctx->sample_fmt = static_cast<AVSampleFormat>(sink.format);
    ctx->sample_rate = sink.sample_rate;
    av_channel_layout_default(&ctx->ch_layout, sink.num_channels);
    ctx->time_base = AVRational{1, sink.sample_rate};
  } else {
    ctx->pix_fmt = static_cast<AVPixelFormat>(sink.format);
    ctx->width = sink.width;
    ctx->height = sink.height;
    const AVRational rate = sink.frame_rate.num > 0 ? sink.frame_rate : frame_rate;
    ctx->framerate = rate;
    ctx->time_base = av_inv_q(rate);
    ctx->sample_aspect_ratio = AVRational{1, 1};
  }
  if (o.codec_config) apply(*o.codec_config, ctx);
  if (format_->oformat->flags & AVFMT_GLOBALHEADER) ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  // One thread unless asked otherwise, as torchaudio did.
  OptionMap options = o.encoder_option;
  options.emplace("threads", "1");
  Dict dict(options);
  const std::string encoder = "encoder '" + std::string(codec->name) + "' of " + name();
  check_av(avcodec_open2(ctx, codec, dict.inout()), "avcodec_open2", encoder);
  dict.reject_unused(encoder);
  if (is_audio() && ctx->frame_size > 0 &&
      !(codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE)) {
    graph_->set_frame_size(0, ctx->frame_size);
  }
  stream_ = avformat_new_stream(format_, nullptr);
  if (stream_ == nullptr) throw std::bad_alloc();
  check_av(avcodec_parameters_from_context(stream_->codecpar, ctx),
           "avcodec_parameters_from_context", name());
  stream_->time_base = ctx->time_base;
  if (!is_audio()) stream_->avg_frame_rate = ctx->framerate;
}

int64_t EncodeStream::first_tick(std::optional<double> pts) const {
  if (!pts) return next_tick_;
  if (!std::isfinite(*pts) || *pts < 0) {
    invalid("pts of " + name() + " must be a finite number of seconds, at least 0; got " +
            std::to_string(*pts));
  }
  const AVRational tick = input_.time_base;  // seconds per tick
  const double ticks = std::round(*pts * tick.den / tick.num);
  if (ticks > static_cast<double>(std::numeric_limits<int64_t>::max() / 2)) {
    invalid("pts " + std::to_string(*pts) + " of " + name() + " is too large");
  }
  const auto t = static_cast<int64_t>(ticks);
  if (t < next_tick_) {
    const double end = static_cast<double>(next_tick_) * tick.num / tick.den;
    invalid("pts " + std::to_string(*pts) + " s of " + name() +
            " comes before the end of what it already holds, " + std::to_string(end) +
            " s; chunks must be written in order");
  }
  return t;
}

void EncodeStream::copy_video_frame(const uint8_t* src, AVFrame* frame) const {
  const int w = input_.width, h = input_.height;
  if (input_.format == AV_PIX_FMT_RGB24 || input_.format == AV_PIX_FMT_BGR24) {
    for (int y = 0; y < h; ++y) {
      std::memcpy(frame->data[0] + int64_t{y} * frame->linesize[0], src + int64_t{y} * w * 3,
                  static_cast<size_t>(w) * 3);
    }
    return;
  }
  const int planes = input_.format == AV_PIX_FMT_GRAY8 ? 1 : 3;
  for (int p = 0; p < planes; ++p) {
    const uint8_t* plane = src + int64_t{p} * w * h;
    for (int y = 0; y < h; ++y) {
      std::memcpy(frame->data[p] + int64_t{y} * frame->linesize[p], plane + int64_t{y} * w,
                  static_cast<size_t>(w));
    }
  }
}

void EncodeStream::write(const uint8_t* data, int64_t count, std::optional<double> pts) {
  if (flushed_) {
    throw Error(ErrorKind::kGeneric, name() + " was flushed and takes no more chunks");
  }
  int64_t tick = first_tick(pts);
  if (count <= 0) return;
  if (is_audio()) {
    if (count > std::numeric_limits<int>::max()) {
      invalid("an audio chunk of " + std::to_string(count) + " frames is too long; split it");
    }
    FramePtr frame = make_frame();
    frame->format = input_.format;
    frame->sample_rate = input_.sample_rate;
    av_channel_layout_default(&frame->ch_layout, input_.num_channels);
    frame->nb_samples = static_cast<int>(count);
    check_av(av_frame_get_buffer(frame.get(), 0), "av_frame_get_buffer", name());
    std::memcpy(frame->data[0], data, static_cast<size_t>(count * frame_bytes_));
    frame->pts = tick;
    graph_->push(0, frame.get());
    pull_and_encode();
    next_tick_ = tick + count;
    return;
  }
  for (int64_t k = 0; k < count; ++k, ++tick) {
    FramePtr frame = make_frame();
    frame->format = input_.format;
    frame->width = input_.width;
    frame->height = input_.height;
    frame->sample_aspect_ratio = input_.sample_aspect_ratio;
    check_av(av_frame_get_buffer(frame.get(), 0), "av_frame_get_buffer", name());
    copy_video_frame(data + k * frame_bytes_, frame.get());
    frame->pts = tick;
    graph_->push(0, frame.get());
    pull_and_encode();
    next_tick_ = tick + 1;
  }
}

void EncodeStream::pull_and_encode() {
  while (graph_->pull(0, filtered_.get()) == ComplexGraph::Pull::kFrame) {
    FrameUnrefGuard unref(filtered_.get());
    encode(filtered_.get());
  }
}

void EncodeStream::encode(AVFrame* frame) {
  AVCodecContext* ctx = encoder_.get();
  if (frame != nullptr) {
    frame->pts = av_rescale_q(frame->pts, graph_->sink(0).time_base, ctx->time_base);
    frame->pict_type = AV_PICTURE_TYPE_NONE;
  }
  check_av(avcodec_send_frame(ctx, frame), "avcodec_send_frame", name());
  while (true) {
    const int ret = avcodec_receive_packet(ctx, packet_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    check_av(ret, "avcodec_receive_packet", name());
    packet_->stream_index = stream_->index;
    av_packet_rescale_ts(packet_.get(), ctx->time_base, stream_->time_base);
    // Takes the packet's reference, and leaves packet_ blank.
    check_av(av_interleaved_write_frame(format_, packet_.get()), "av_interleaved_write_frame",
             name());
  }
}

void EncodeStream::flush() {
  if (flushed_) return;
  flushed_ = true;
  graph_->close(0, /*run=*/true);
  pull_and_encode();
  encode(nullptr);
}

}  // namespace ffstream::detail
