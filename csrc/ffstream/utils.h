// Facts about the FFmpeg that the core runs on, and its log level.
#pragma once

#include <functional>
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
// What StreamWriter can encode with and write to.
std::map<std::string, std::string> audio_encoders();
std::map<std::string, std::string> video_encoders();
std::map<std::string, std::string> input_devices();
std::map<std::string, std::string> output_devices();
std::vector<std::string> input_protocols();
std::vector<std::string> output_protocols();
// The ./configure line FFmpeg was built with.
std::string build_config();
// FFmpeg's own version string (av_version_info(), e.g. "5.1.9-0+deb12u1").
std::string ffmpeg_version();

// The FFmpeg releases this ffstream is built and tested against, oldest and
// newest ("5.1", "9.0"), and whether the libavutil loaded in this process
// is one of theirs (each FFmpeg release bumps every library's major
// together). The core does not build against an older FFmpeg; a newer one
// may work but is untested (python -m ffstream doctor warns).
struct SupportedFFmpeg {
  std::string oldest;
  std::string newest;
  bool loaded_is_supported;
};
SupportedFFmpeg supported_ffmpeg();

// What one FFmpeg library is, as loaded in this process: the version it
// reports and the one the core was compiled against (a differing major means
// a broken install), its licence and configure line, and the file it was
// loaded from ("" where the platform cannot tell).
struct LibraryInfo {
  Version version;
  Version compiled_version;
  std::string license;
  std::string configuration;
  std::string path;
};
// Library name ("libavcodec", ...) -> what it is.
std::map<std::string, LibraryInfo> libraries();

// Hardware device types this FFmpeg was built with ("cuda", "vaapi", ...).
std::vector<std::string> hardware_device_types();
// Decoders that run on hardware (h264_cuvid, ...) -> description.
std::map<std::string, std::string> hardware_decoders();
// Tries to open hardware device `device` ("0", or "" for the default) of
// `type` and closes it again; returns "" when that works, else FFmpeg's
// reason (no such type in this build, no driver, no device).
std::string probe_hardware_device(const std::string& type,
                                  const std::string& device);
// Forgets the CUDA device contexts that hw_accel readers share (one per
// device, kept for the next reader); each is freed once no reader or chunk
// uses it any more. Returns how many were kept.
int clear_cuda_devices();

// FFmpeg's global log level (AV_LOG_* values: -8 quiet ... 56 trace).
int log_level();
void set_log_level(int level);

// Where FFmpeg's log messages go instead of its own printer (stderr): the
// handler gets every message at or under log_level(), one whole line at a
// time (pieces FFmpeg logs separately are joined), with its level (AV_LOG_*),
// its source (the logging component's name: "h264", "mov,mp4,m4a,3gp,3g2,mj2",
// "http"...; "" when none) and the text without its newline. It runs on the
// thread FFmpeg logs from (decoder and filter threads included), possibly on
// several at once: it must be thread-safe and must not call into FFmpeg. An
// empty handler gives FFmpeg's printer back.
using LogHandler =
    std::function<void(int level, const std::string& source, const std::string& message)>;
void set_log_handler(LogHandler handler);

}  // namespace ffstream
