#include "ffstream/detail/decoder.h"

#include <algorithm>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/cuda_device.h"
#include "ffstream/error.h"

namespace ffstream::detail {

namespace {

// NVIDIA's cuvid decoders ("h264_cuvid", ...), which need a GPU even
// without hw_accel.
bool is_cuvid(const std::string& name) {
  const std::string suffix = "_cuvid";
  return name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void check_frames_known(const AVCodecContext* decoder, const std::string& context) {
  const bool known = decoder->codec_type == AVMEDIA_TYPE_VIDEO
                         ? decoder->pix_fmt != AV_PIX_FMT_NONE &&
                               decoder->width > 0 && decoder->height > 0
                         : decoder->sample_fmt != AV_SAMPLE_FMT_NONE &&
                               decoder->sample_rate > 0;
  if (!known) {
    throw Error(ErrorKind::kInvalidData,
                "cannot decode " + context +
                    ": FFmpeg found no frame format or size for it (the "
                    "stream is damaged or its codec parameters are missing)");
  }
}

Decoder::Decoder(const AVStream* stream, const std::optional<std::string>& name,
                 const OptionMap& options, const std::string& context,
                 const std::optional<std::string>& hw_accel)
    : name_(name),
      options_(options),
      hw_accel_(hw_accel),
      context_(context),
      frame_(make_frame()) {
  const AVCodec* codec = nullptr;
  if (name) {
    codec = avcodec_find_decoder_by_name(name->c_str());
    if (codec == nullptr) {
      throw Error(ErrorKind::kInvalidArgument,
                  "unknown decoder '" + *name + "' for " + context +
                      (is_cuvid(*name) ? ": this FFmpeg was built without NVIDIA's cuvid decoders "
                               "(the ffstream wheel's FFmpeg has them)"
                             : std::string(" (see ffstream.utils.get_audio_decoders() and "
                                           "get_video_decoders())")));
    }
    if (codec->id != stream->codecpar->codec_id) {
      throw Error(ErrorKind::kInvalidArgument,
                  "decoder '" + *name + "' decodes " +
                      avcodec_get_name(codec->id) + ", but " + context +
                      " is " + avcodec_get_name(stream->codecpar->codec_id));
    }
  } else {
    codec = avcodec_find_decoder(stream->codecpar->codec_id);
    if (codec == nullptr) {
      throw Error(ErrorKind::kNotImplemented,
                  std::string("this FFmpeg has no decoder for codec '") +
                      avcodec_get_name(stream->codecpar->codec_id) + "' of " +
                      context);
    }
  }
  if (hw_accel) {
    const int device_index = parse_hw_accel(*hw_accel);
    // Before the device: a decoder that cannot use one is the plainer cause.
    bool takes_cuda = false;
    for (int i = 0; const AVCodecHWConfig* config = avcodec_get_hw_config(codec, i); ++i) {
      takes_cuda |= config->device_type == AV_HWDEVICE_TYPE_CUDA &&
                    (config->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX);
    }
    if (!takes_cuda) {
      throw Error(ErrorKind::kNotImplemented,
                  "hw_accel='" + *hw_accel + "': decoder '" + codec->name + "' of " +
                      context + " cannot decode on a CUDA device in this FFmpeg "
                      "(NVDEC decodes H.264, HEVC, AV1, VP8, VP9, MPEG-1/2/4, VC-1 "
                      "and MJPEG); leave hw_accel=None to decode on the CPU");
    }
    cuda_ = CudaDevice::get(device_index, context);
  }
  codec_.reset(avcodec_alloc_context3(codec));
  if (!codec_) throw std::bad_alloc();
  check_av(avcodec_parameters_to_context(codec_.get(), stream->codecpar),
           "avcodec_parameters_to_context", context);
  codec_->pkt_timebase = stream->time_base;
  // Single-threaded unless asked otherwise, as the reference API documents.
  if (options.count("threads") == 0) codec_->thread_count = 1;
  if (cuda_) {
    codec_->hw_device_ctx = av_buffer_ref(cuda_->device_ref());
    if (codec_->hw_device_ctx == nullptr) throw std::bad_alloc();
    codec_->opaque = this;
    codec_->get_format = &Decoder::pick_cuda_format;
  }

  Dict dict(options);
  const int opened = avcodec_open2(codec_.get(), codec, dict.inout());
  if (opened < 0 && is_cuvid(codec->name) && !cuda_) {
    // A *_cuvid decoder without hw_accel still needs the GPU (it copies
    // frames back to the host); say so rather than only FFmpeg's reason.
    const std::string& problem = cuda::driver_problem();
    throw Error(ErrorKind::kGeneric,
                "decoder '" + std::string(codec->name) + "' of " + context +
                    " decodes on an NVIDIA GPU and could not start: " +
                    (problem.empty() ? av_error_reason(opened) : problem) +
                    " (leave decoder=None to decode on the CPU)",
                opened);
  }
  if (opened < 0) check_gpu_refusal();
  check_av(opened, "avcodec_open2",
           "decoder '" + std::string(codec->name) + "' of " + context);
  dict.reject_unused("decoder '" + std::string(codec->name) + "' of " +
                     context);
  user_skip_frame_ = codec_->skip_frame;
}

AVPixelFormat Decoder::pick_cuda_format(AVCodecContext* codec,
                                        const AVPixelFormat* offered) {
  for (const AVPixelFormat* f = offered; *f != AV_PIX_FMT_NONE; ++f) {
    if (*f == AV_PIX_FMT_CUDA) return *f;
  }
  // No CUDA format: the GPU cannot decode this stream (codec, profile or
  // size it does not support). Refuse rather than fall back to the CPU
  // unseen: hw_accel promised CUDA tensors.
  static_cast<Decoder*>(codec->opaque)->gpu_refused_ = true;
  return AV_PIX_FMT_NONE;
}

void Decoder::check_gpu_refusal() const {
  if (!gpu_refused_) return;
  throw Error(ErrorKind::kNotImplemented,
              "hw_accel='" + hw_accel_.value_or("") + "': the GPU cannot decode " +
                  context_ + " (" + avcodec_get_name(codec_->codec_id) +
                  ": FFmpeg's NVDEC support offered no CUDA frames for this codec, "
                  "profile or size); decode it on the CPU (hw_accel=None)");
}

void Decoder::decode(const AVPacket* packet,
                     const std::function<void(AVFrame*)>& on_frame) {
  int ret = avcodec_send_packet(codec_.get(), packet);
  // EOF: the decoder was drained already; nothing new can come out.
  if (ret == AVERROR_EOF) return;
  // The decoder took the packet and failed on it: go on to the next one.
  if (skip_while_resyncing(ret)) return;
  if (ret < 0) check_gpu_refusal();
  check_av(ret, "avcodec_send_packet", context_);
  receive_all(on_frame);
}

void Decoder::receive_all(const std::function<void(AVFrame*)>& on_frame) {
  while (true) {
    int ret = avcodec_receive_frame(codec_.get(), frame_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    // Each failure used up a packet, so this loop still ends.
    if (skip_while_resyncing(ret)) continue;
    if (ret < 0) check_gpu_refusal();
    check_av(ret, "avcodec_receive_frame", context_);
    resync_skips_.reset();
    FrameUnrefGuard guard(frame_.get());
    on_frame(frame_.get());
  }
}

bool Decoder::skip_while_resyncing(int code) {
  if (code != AVERROR_INVALIDDATA || !resync_skips_ ||
      *resync_skips_ >= kMaxResyncSkips) {
    return false;
  }
  ++*resync_skips_;
  ++invalid_packets_skipped_;
  return true;
}

void Decoder::flush(bool mid_stream) {
  avcodec_flush_buffers(codec_.get());
  resync_skips_ = mid_stream ? std::optional<int>(0) : std::nullopt;
}

double Decoder::seek_preroll() const {
  const AVCodecContext* c = codec_.get();
  if (c->codec_type != AVMEDIA_TYPE_AUDIO || c->sample_rate <= 0) return 0.0;
  const AVCodecDescriptor* d = avcodec_descriptor_get(c->codec_id);
  if (d == nullptr || !(d->props & AV_CODEC_PROP_LOSSY)) return 0.0;
  // Decoding a little more audio costs little; a generous floor covers
  // every codec's needs (MP3's bit reservoir reaches 511 bytes back, a few
  // frames at low bit rates; Vorbis blocks reach 8192 samples).
  constexpr double kMinimum = 0.5;  // seconds
  return std::max(kMinimum, static_cast<double>(c->seek_preroll) / c->sample_rate);
}

void Decoder::set_show_damaged(bool show) {
  if (show) {
    codec_->flags2 |= AV_CODEC_FLAG2_SHOW_ALL;
  } else {
    codec_->flags2 &= ~AV_CODEC_FLAG2_SHOW_ALL;
  }
}

void Decoder::set_skip_unreferenced(bool skip) {
  codec_->skip_frame = static_cast<AVDiscard>(
      skip ? std::max<int>(user_skip_frame_, AVDISCARD_NONREF)
           : user_skip_frame_);
}

}  // namespace ffstream::detail
