// Facts about the FFmpeg that the core runs on, and its log level.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace ffstream {

using Version = std::tuple<int, int, int>;

// ffstream's own version ("0.1.0"), from CMakeLists.txt.
std::string version();

// Library name ("libavcodec", ...) -> (major, minor, micro).
std::map<std::string, Version> library_versions();
// Name -> long description.
std::map<std::string, std::string> demuxers();
std::map<std::string, std::string> muxers();
std::map<std::string, std::string> audio_decoders();
std::map<std::string, std::string> video_decoders();
// Encoders and output devices exist only to answer what this FFmpeg has:
// ffstream itself decodes.
std::map<std::string, std::string> audio_encoders();
std::map<std::string, std::string> video_encoders();
std::map<std::string, std::string> input_devices();
std::map<std::string, std::string> output_devices();
std::vector<std::string> input_protocols();
std::vector<std::string> output_protocols();
// The ./configure line FFmpeg was built with.
std::string build_config();

// FFmpeg's global log level (AV_LOG_* values: -8 quiet ... 56 trace).
int log_level();
void set_log_level(int level);

}  // namespace ffstream
