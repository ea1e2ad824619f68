#include "ffstream/detail/ffmpeg_log.h"

#include <cstdarg>
#include <cstring>
#include <mutex>

#include "ffstream/detail/ffmpeg.h"

namespace ffstream::detail {

namespace {

thread_local std::string t_last_error;
// FFmpeg logs some messages in pieces; a piece without '\n' continues.
thread_local bool t_line_open = false;
thread_local uint64_t t_protocol_errors = 0;

// Whether `avcl` is a protocol's context (file, http, tcp, ...).
bool is_protocol(void* avcl) {
  const AVClass* cls = avcl ? *static_cast<const AVClass**>(avcl) : nullptr;
  return cls != nullptr && cls->class_name != nullptr &&
         std::strcmp(cls->class_name, "URLContext") == 0;
}

void capture(void* avcl, int level, const char* fmt, va_list args) {
  if (level <= AV_LOG_ERROR) {
    if (is_protocol(avcl)) ++t_protocol_errors;
    va_list copy;
    va_copy(copy, args);
    char line[512];
    int print_prefix = 0;
    av_log_format_line2(nullptr, level, fmt, copy, line, sizeof(line),
                        &print_prefix);
    va_end(copy);
    std::string text = line;
    const bool ends_line = !text.empty() && text.back() == '\n';
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
      text.pop_back();
    }
    if (t_line_open) {
      t_last_error += text;
    } else if (!text.empty()) {
      t_last_error = std::move(text);
    }
    t_line_open = !ends_line;
  }
  av_log_default_callback(avcl, level, fmt, args);
}

}  // namespace

void install_log_capture() {
  static std::once_flag installed;
  std::call_once(installed, [] { av_log_set_callback(&capture); });
}

void clear_last_log() {
  t_last_error.clear();
  t_line_open = false;
}

std::string last_log() { return t_last_error; }

uint64_t protocol_errors_logged() { return t_protocol_errors; }

}  // namespace ffstream::detail
