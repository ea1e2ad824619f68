#include "ffstream/utils.h"

#include "ffstream/detail/ffmpeg.h"

namespace ffstream {

namespace {

Version split(unsigned v) {
  return {AV_VERSION_MAJOR(v), AV_VERSION_MINOR(v), AV_VERSION_MICRO(v)};
}

const char* or_empty(const char* s) { return s ? s : ""; }

// Codec name -> description for the decoders (or encoders) of one media type.
std::map<std::string, std::string> codecs_of(AVMediaType type, bool encoders) {
  std::map<std::string, std::string> out;
  void* it = nullptr;
  while (const AVCodec* c = av_codec_iterate(&it)) {
    const bool wanted = encoders ? av_codec_is_encoder(c) : av_codec_is_decoder(c);
    if (wanted && c->type == type) out.emplace(c->name, or_empty(c->long_name));
  }
  return out;
}

std::vector<std::string> protocols(bool output) {
  std::vector<std::string> out;
  void* it = nullptr;
  while (const char* name = avio_enum_protocols(&it, output ? 1 : 0)) {
    out.emplace_back(name);
  }
  return out;
}

}  // namespace

std::string version() { return FFSTREAM_VERSION; }

std::map<std::string, Version> library_versions() {
  return {
      {"libavutil", split(avutil_version())},
      {"libavcodec", split(avcodec_version())},
      {"libavformat", split(avformat_version())},
      {"libavfilter", split(avfilter_version())},
      {"libavdevice", split(avdevice_version())},
      {"libswscale", split(swscale_version())},
      {"libswresample", split(swresample_version())},
  };
}

std::map<std::string, std::string> demuxers() {
  std::map<std::string, std::string> out;
  void* it = nullptr;
  while (const AVInputFormat* f = av_demuxer_iterate(&it)) {
    out.emplace(f->name, or_empty(f->long_name));
  }
  return out;
}

std::map<std::string, std::string> muxers() {
  std::map<std::string, std::string> out;
  void* it = nullptr;
  while (const AVOutputFormat* f = av_muxer_iterate(&it)) {
    out.emplace(f->name, or_empty(f->long_name));
  }
  return out;
}

std::map<std::string, std::string> audio_decoders() {
  return codecs_of(AVMEDIA_TYPE_AUDIO, /*encoders=*/false);
}

std::map<std::string, std::string> video_decoders() {
  return codecs_of(AVMEDIA_TYPE_VIDEO, /*encoders=*/false);
}

std::map<std::string, std::string> audio_encoders() {
  return codecs_of(AVMEDIA_TYPE_AUDIO, /*encoders=*/true);
}

std::map<std::string, std::string> video_encoders() {
  return codecs_of(AVMEDIA_TYPE_VIDEO, /*encoders=*/true);
}

std::map<std::string, std::string> input_devices() {
  avdevice_register_all();
  std::map<std::string, std::string> out;
  FFSTREAM_AVFORMAT_CONST AVInputFormat* f = nullptr;
  while ((f = av_input_audio_device_next(f)) != nullptr) {
    out.emplace(f->name, or_empty(f->long_name));
  }
  while ((f = av_input_video_device_next(f)) != nullptr) {
    out.emplace(f->name, or_empty(f->long_name));
  }
  return out;
}

std::map<std::string, std::string> output_devices() {
  avdevice_register_all();
  std::map<std::string, std::string> out;
  FFSTREAM_AVFORMAT_CONST AVOutputFormat* f = nullptr;
  while ((f = av_output_audio_device_next(f)) != nullptr) {
    out.emplace(f->name, or_empty(f->long_name));
  }
  while ((f = av_output_video_device_next(f)) != nullptr) {
    out.emplace(f->name, or_empty(f->long_name));
  }
  return out;
}

std::vector<std::string> input_protocols() { return protocols(/*output=*/false); }

std::vector<std::string> output_protocols() { return protocols(/*output=*/true); }

std::string build_config() { return avutil_configuration(); }

int log_level() { return av_log_get_level(); }

void set_log_level(int level) { av_log_set_level(level); }

}  // namespace ffstream
