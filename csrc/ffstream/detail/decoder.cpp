#include "ffstream/detail/decoder.h"

#include <algorithm>

#include "ffstream/detail/av_error.h"
#include "ffstream/error.h"

namespace ffstream::detail {

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
                 const OptionMap& options, const std::string& context)
    : name_(name), options_(options), context_(context), frame_(make_frame()) {
  const AVCodec* codec = nullptr;
  if (name) {
    codec = avcodec_find_decoder_by_name(name->c_str());
    if (codec == nullptr) {
      throw Error(ErrorKind::kInvalidArgument,
                  "unknown decoder '" + *name + "' for " + context +
                      " (see ffstream.utils.get_audio_decoders() and "
                      "get_video_decoders())");
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
  codec_.reset(avcodec_alloc_context3(codec));
  if (!codec_) throw std::bad_alloc();
  check_av(avcodec_parameters_to_context(codec_.get(), stream->codecpar),
           "avcodec_parameters_to_context", context);
  codec_->pkt_timebase = stream->time_base;
  // Single-threaded unless asked otherwise, as the reference API documents.
  if (options.count("threads") == 0) codec_->thread_count = 1;

  Dict dict(options);
  check_av(avcodec_open2(codec_.get(), codec, dict.inout()), "avcodec_open2",
           "decoder '" + std::string(codec->name) + "' of " + context);
  dict.reject_unused("decoder '" + std::string(codec->name) + "' of " +
                     context);
  user_skip_frame_ = codec_->skip_frame;
}

void Decoder::decode(const AVPacket* packet,
                     const std::function<void(AVFrame*)>& on_frame) {
  int ret = avcodec_send_packet(codec_.get(), packet);
  // EOF: the decoder was drained already; nothing new can come out.
  if (ret == AVERROR_EOF) return;
  check_av(ret, "avcodec_send_packet", context_);
  receive_all(on_frame);
}

void Decoder::receive_all(const std::function<void(AVFrame*)>& on_frame) {
  while (true) {
    int ret = avcodec_receive_frame(codec_.get(), frame_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    check_av(ret, "avcodec_receive_frame", context_);
    FrameUnrefGuard guard(frame_.get());
    on_frame(frame_.get());
  }
}

void Decoder::flush() { avcodec_flush_buffers(codec_.get()); }

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
