#include "ffstream/utils.h"

#include <dlfcn.h>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/cuda_device.h"
#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/ffmpeg_compat.h"
#include "ffstream/detail/ffmpeg_log.h"

extern "C" {
#include <libavutil/hwcontext.h>
}

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

// The file that holds `symbol`: the library it belongs to as loaded.
std::string file_of(const void* symbol) {
  Dl_info info{};
  if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "";
  return info.dli_fname;
}

LibraryInfo library(unsigned (*version)(), unsigned compiled,
                    const char* (*license)(), const char* (*configuration)()) {
  return {split(version()), split(compiled), or_empty(license()),
          or_empty(configuration()),
          file_of(reinterpret_cast<const void*>(version))};
}

}  // namespace

std::string version() { return FFSTREAM_VERSION; }

// The one list of libraries is libraries(); this is its version column.
std::map<std::string, Version> library_versions() {
  std::map<std::string, Version> out;
  for (const auto& [name, info] : libraries()) out.emplace(name, info.version);
  return out;
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

std::string ffmpeg_version() { return or_empty(av_version_info()); }

SupportedFFmpeg supported_ffmpeg() {
  return {detail::kOldestFFmpeg, detail::kNewestFFmpeg,
          detail::is_supported_avutil(avutil_version())};
}

std::map<std::string, LibraryInfo> libraries() {
  return {
      {"libavutil", library(avutil_version, LIBAVUTIL_VERSION_INT,
                            avutil_license, avutil_configuration)},
      {"libavcodec", library(avcodec_version, LIBAVCODEC_VERSION_INT,
                             avcodec_license, avcodec_configuration)},
      {"libavformat", library(avformat_version, LIBAVFORMAT_VERSION_INT,
                              avformat_license, avformat_configuration)},
      {"libavfilter", library(avfilter_version, LIBAVFILTER_VERSION_INT,
                              avfilter_license, avfilter_configuration)},
      {"libavdevice", library(avdevice_version, LIBAVDEVICE_VERSION_INT,
                              avdevice_license, avdevice_configuration)},
      {"libswscale", library(swscale_version, LIBSWSCALE_VERSION_INT,
                             swscale_license, swscale_configuration)},
      {"libswresample", library(swresample_version, LIBSWRESAMPLE_VERSION_INT,
                                swresample_license, swresample_configuration)},
  };
}

std::vector<std::string> hardware_device_types() {
  std::vector<std::string> out;
  AVHWDeviceType type = AV_HWDEVICE_TYPE_NONE;
  while ((type = av_hwdevice_iterate_types(type)) != AV_HWDEVICE_TYPE_NONE) {
    out.emplace_back(or_empty(av_hwdevice_get_type_name(type)));
  }
  return out;
}

std::map<std::string, std::string> hardware_decoders() {
  std::map<std::string, std::string> out;
  void* it = nullptr;
  while (const AVCodec* c = av_codec_iterate(&it)) {
    if (av_codec_is_decoder(c) && (c->capabilities & AV_CODEC_CAP_HARDWARE)) {
      out.emplace(c->name, or_empty(c->long_name));
    }
  }
  return out;
}

std::string probe_hardware_device(const std::string& type,
                                  const std::string& device) {
  const AVHWDeviceType t = av_hwdevice_find_type_by_name(type.c_str());
  if (t == AV_HWDEVICE_TYPE_NONE) {
    return "this FFmpeg has no hardware device type '" + type + "'";
  }
  // The reason (no driver, no device) is in FFmpeg's log, not in the code.
  detail::install_log_capture();
  detail::clear_last_log();
  AVBufferRef* ctx = nullptr;
  const int rc = av_hwdevice_ctx_create(
      &ctx, t, device.empty() ? nullptr : device.c_str(), nullptr, 0);
  if (rc < 0) return detail::av_error_reason(rc);
  av_buffer_unref(&ctx);
  return "";
}

int clear_cuda_devices() { return detail::CudaDevice::clear_cache(); }

int log_level() { return av_log_get_level(); }

void set_log_level(int level) { av_log_set_level(level); }

void set_log_handler(LogHandler handler) {
  detail::install_log_capture();
  detail::set_log_handler(std::move(handler));
}

}  // namespace ffstream
