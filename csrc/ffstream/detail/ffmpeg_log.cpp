#include "ffstream/detail/ffmpeg_log.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "ffstream/detail/ffmpeg.h"

namespace ffstream::detail {

namespace {

thread_local std::string t_last_error;
// FFmpeg logs some messages in pieces; a piece without '\n' continues.
thread_local bool t_line_open = false;
thread_local uint64_t t_protocol_errors = 0;
// The handler's line being assembled on this thread, and its level/source.
thread_local std::string t_pending;
thread_local int t_pending_level = 0;
thread_local std::string t_pending_source;

// The handler, replaced whole under the mutex and copied out to be called
// (messages are rare; the copy keeps a handler alive while it runs).
std::mutex g_handler_mutex;
std::shared_ptr<const LogHandler> g_handler;

std::shared_ptr<const LogHandler> current_handler() {
  std::lock_guard<std::mutex> lock(g_handler_mutex);
  return g_handler;
}

// The logging component's name: the item name of its AVClass ("h264").
std::string source_of(void* avcl) {
  const AVClass* cls = avcl ? *static_cast<const AVClass**>(avcl) : nullptr;
  if (cls == nullptr) return "";
  if (cls->item_name != nullptr) {
    if (const char* name = cls->item_name(avcl)) return name;
  }
  return cls->class_name ? cls->class_name : "";
}

// Joins FFmpeg's pieces into lines and hands each whole line on.
void forward(const LogHandler& handler, void* avcl, int level, const char* fmt,
             va_list args) {
  char text[1024];
  vsnprintf(text, sizeof text, fmt, args);
  if (t_pending.empty()) {
    t_pending_level = level;
    t_pending_source = source_of(avcl);
  }
  t_pending += text;
  size_t end;
  while ((end = t_pending.find('\n')) != std::string::npos) {
    std::string line = t_pending.substr(0, end);
    t_pending.erase(0, end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) handler(t_pending_level, t_pending_source, line);
    t_pending_level = level;
  }
}

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
  if (level > av_log_get_level()) return;  // unwanted: no cost beyond this
  if (auto handler = current_handler()) {
    forward(*handler, avcl, level, fmt, args);
  } else {
    av_log_default_callback(avcl, level, fmt, args);
  }
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

void set_log_handler(LogHandler handler) {
  std::lock_guard<std::mutex> lock(g_handler_mutex);
  g_handler = handler ? std::make_shared<const LogHandler>(std::move(handler)) : nullptr;
}

}  // namespace ffstream::detail
