#include "py_log.h"

#include <pybind11/pybind11.h>

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <utility>

#include "ffstream/utils.h"

namespace py = pybind11;

namespace ffstream::python {

namespace {

struct Line {
  int level;
  std::string source;
  std::string message;
};

// Lines waiting for a thread with the GIL. Bounded: a decoder that logs
// faster than Python takes its lines loses the excess, and says so.
constexpr size_t kMaxQueued = 10000;
std::mutex g_mutex;
std::deque<Line>* g_lines = new std::deque<Line>();  // never freed: FFmpeg may log at exit
size_t g_dropped = 0;

// FFmpeg's level -> logging's.
int python_level(int av_level) {
  if (av_level <= 8) return 50;   // panic, fatal: CRITICAL
  if (av_level <= 16) return 40;  // error: ERROR
  if (av_level <= 24) return 30;  // warning: WARNING
  if (av_level <= 32) return 20;  // info: INFO
  return 10;                      // verbose, debug, trace: DEBUG
}

void queue(int level, const std::string& source, const std::string& message) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_lines->size() >= kMaxQueued) {
    ++g_dropped;
    return;
  }
  g_lines->push_back({level, source, message});
}

}  // namespace

void install_log_forwarding() { set_log_handler(&queue); }

void deliver_log() {
  std::deque<Line> lines;
  size_t dropped = 0;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_lines->empty() && g_dropped == 0) return;  // the usual case: nothing
    lines.swap(*g_lines);
    std::swap(dropped, g_dropped);
  }
  try {
    py::object logger = py::module_::import("logging").attr("getLogger")("ffstream.ffmpeg");
    for (const Line& line : lines) {
      const int level = python_level(line.level);
      if (!logger.attr("isEnabledFor")(level).cast<bool>()) continue;
      py::dict extra;
      extra["ffmpeg_source"] = line.source;
      extra["ffmpeg_level"] = line.level;
      logger.attr("log")(level, "[%s] %s", line.source, line.message, py::arg("extra") = extra);
    }
    if (dropped > 0) {
      logger.attr("warning")("%d FFmpeg log lines were dropped: more came than were delivered",
                             dropped);
    }
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("ffstream: delivering FFmpeg's log lines");
  }
}

}  // namespace ffstream::python
