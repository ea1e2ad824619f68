// Source: an opened input (path, URL, device or custom Reader). Owns the
// AVFormatContext and, for custom input, the AVIO adapter it reads through.
// Not thread-safe, except interrupt(), which any thread may call.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "ffstream/detail/avio.h"
#include "ffstream/detail/raii.h"
#include "ffstream/options.h"
#include "ffstream/reader.h"

namespace ffstream::detail {

class Source {
 public:
  Source(const std::string& url, const std::optional<std::string>& format,
         const OptionMap& options);
  Source(std::unique_ptr<Reader> reader,
         const std::optional<std::string>& format, const OptionMap& options,
         int buffer_size);

  AVFormatContext* get() const { return format_.get(); }
  // How errors name this source: the URL, or "<custom reader>".
  const std::string& name() const { return name_; }

  // Reads the next packet; returns FFmpeg's code (0, AVERROR_EOF, EAGAIN...)
  // and rethrows an exception raised by a custom reader.
  int read_packet(AVPacket* packet);
  // Seeks to `timestamp_us` (AV_TIME_BASE units) with av seek `flags`.
  // Throws kInvalidArgument for a custom reader that cannot seek.
  void seek(int64_t timestamp_us, int flags);

  // Blocking FFmpeg calls give up (AVERROR_EXIT) once the deadline passes or
  // interrupt() is called.
  void set_deadline(std::optional<std::chrono::steady_clock::time_point> t) {
    deadline_ = t;
  }
  void interrupt() { interrupted_ = true; }

  // Rethrows what a custom reader raised, if anything.
  void rethrow_reader_error();

 private:
  void open(const std::string& url, const std::optional<std::string>& format,
            const OptionMap& options);
  static int interrupt_callback(void* opaque);

  std::string name_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::atomic<bool> interrupted_{false};
  // The format context reads through the adapter: declared first, so that
  // it is destroyed after the context.
  std::unique_ptr<AVIOAdapter> avio_;
  FormatContextPtr format_;
};

}  // namespace ffstream::detail
