// Source: an opened input (path, URL, device or custom Reader). Owns the
// AVFormatContext and, for custom input, the AVIO adapter it reads through.
// Not thread-safe; another thread stops a blocking call through the shared
// interrupt flag.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ffstream/detail/avio.h"
#include "ffstream/detail/raii.h"
#include "ffstream/detail/retry.h"
#include "ffstream/options.h"
#include "ffstream/reader.h"

namespace ffstream::detail {

class Source {
 public:
  // `safe`: see StreamReader; enforced by a protocol whitelist, a demuxer
  // whitelist and an io_open callback that refuses every URL but `url`.
  Source(const std::string& url, const std::optional<std::string>& format,
         const OptionMap& options, bool safe, InterruptFlag interrupt);
  Source(std::unique_ptr<Reader> reader,
         const std::optional<std::string>& format, const OptionMap& options,
         int buffer_size, bool safe, InterruptFlag interrupt);

  AVFormatContext* get() const { return format_.get(); }
  // How errors name this source: the URL, or "<custom reader>".
  const std::string& name() const { return name_; }

  // Reads the next packet; returns FFmpeg's code (0, AVERROR_EOF, EAGAIN...)
  // and rethrows an exception raised by a custom reader. Throws kInterrupted
  // or kTimeout when the interrupt flag or the deadline stopped it.
  int read_packet(AVPacket* packet);
  // After EAGAIN from a custom reader: let the next read try again.
  void clear_io_error();
  // Seeks to `timestamp_us` (AV_TIME_BASE units) with av seek `flags`.
  // Throws kInvalidArgument for a custom reader that cannot seek.
  void seek(int64_t timestamp_us, int flags);

  // How long reads may wait for data. Blocking FFmpeg calls also give up
  // (AVERROR_EXIT) once its deadline passes or the interrupt flag is raised.
  void set_retry(const RetryPolicy& retry) { retry_ = retry; }

  // Rethrows what a custom reader raised, if anything.
  void rethrow_reader_error();

 private:
  void open(const std::string& url, const std::optional<std::string>& format,
            const OptionMap& options, bool safe);
  static int interrupt_callback(void* opaque);
  // Safe mode's AVFormatContext::io_open: opens `url_` once, refuses the rest.
  static int safe_io_open(AVFormatContext* s, AVIOContext** pb,
                          const char* url, int flags, AVDictionary** options);
  // Appends what safe mode refused to an error message.
  std::string refused_note() const;
  // Throws kInterrupted/kTimeout if `code` is AVERROR_EXIT caused by them.
  void check_exit(int code, const char* call);

  std::string name_;
  RetryPolicy retry_;
  InterruptFlag interrupt_;
  std::string url_;
  bool safe_ = false;
  bool main_input_opened_ = false;
  std::vector<std::string> refused_;  // URLs safe mode did not open
  // The format context reads through the adapter: declared first, so that
  // it is destroyed after the context.
  std::unique_ptr<AVIOAdapter> avio_;
  FormatContextPtr format_;
};

}  // namespace ffstream::detail
