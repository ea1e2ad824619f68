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
#include "ffstream/detail/tls_settings.h"
#include "ffstream/options.h"
#include "ffstream/reader.h"

namespace ffstream::detail {

class Source {
 public:
  // `safe`: see StreamReader; enforced by a protocol whitelist, a demuxer
  // whitelist and an io_open callback that refuses every URL but `url`.
  // `timeout` (seconds): how long opening, and then each packet read or
  // seek, may wait for data before it raises kTimeout; empty waits as long
  // as FFmpeg's protocol options say.
  Source(const std::string& url, const std::optional<std::string>& format,
         const OptionMap& options, bool safe, InterruptFlag interrupt,
         std::optional<double> timeout = std::nullopt);
  Source(std::unique_ptr<Reader> reader,
         const std::optional<std::string>& format, const OptionMap& options,
         int buffer_size, bool safe, InterruptFlag interrupt,
         std::optional<double> timeout = std::nullopt);

  AVFormatContext* get() const { return format_.get(); }
  // How errors name this source: the URL, or "<custom reader>".
  const std::string& name() const { return name_; }
  // Whether the source was opened in safe mode (filters are checked too).
  bool safe() const { return safe_; }

  // Reads the next packet of an audio or video stream (the demuxer drops
  // the others' packets, see open()), waiting as `retry` says while the
  // source has none yet (EAGAIN; blocking FFmpeg calls also give up once its
  // deadline passes or the interrupt flag is raised). Returns 0 or
  // AVERROR_EOF; throws for anything else, rethrowing what a custom reader
  // raised.
  int read_packet(AVPacket* packet, const RetryPolicy& retry);
  // Seeks to `timestamp_us` (AV_TIME_BASE units) with av seek `flags`.
  // Throws kInvalidArgument for a custom reader that cannot seek.
  void seek(int64_t timestamp_us, int flags);
  // The same, returning FFmpeg's code where the demuxer refuses; throws
  // only for a custom reader's own error, an interrupt or a timeout.
  int try_seek(int64_t timestamp_us, int flags);
  // Seeks to the start of the file for a seek to `at` seconds at or before
  // it. It aims a second earlier (MPEG-TS compares with dts, and the first
  // frame's dts may lie before the file's start time); demuxers that refuse
  // a time before the start (MP3, AVI) get `at` itself, or 0, and raw
  // streams (.m4v, .h264), which index only what was read, byte 0.
  void seek_to_start(double at);

  // Where the file starts, in seconds (never below 0), and where it ends if
  // the container says (else infinity).
  double start_seconds() const;
  double end_seconds() const;

  // Rethrows what a custom reader raised, if anything.
  void rethrow_reader_error();

 private:
  void open(const std::string& url, const std::optional<std::string>& format,
            const OptionMap& options, bool safe);
  static int interrupt_callback(void* opaque);
  // Safe mode's AVFormatContext::io_open: opens `url_` once, refuses the rest.
  static int safe_io_open(AVFormatContext* s, AVIOContext** pb,
                          const char* url, int flags, AVDictionary** options);
  // Otherwise AVFormatContext::io_open: FFmpeg's own, with tls_'s settings
  // for every URL, the main one and those a demuxer opens (FFmpeg gives HLS
  // segments none of the caller's TLS options); notes a certificate that
  // failed verification in tls_failure_.
  static int tls_io_open(AVFormatContext* s, AVIOContext** pb,
                         const char* url, int flags, AVDictionary** options);
  // Throws kConnection if opening failed on a certificate.
  void check_tls_failure(int code);
  // Appends what safe mode refused to an error message.
  std::string refused_note() const;
  // Throws kInterrupted/kTimeout if `code` is AVERROR_EXIT caused by them.
  void check_exit(int code, const char* call);

  // The deadline of the blocking call in progress (`timeout` after it
  // began), and what it was waiting for, for the error.
  // `base` is the wait the caller asked for (process_packet's timeout);
  // reads also wait for a custom reader's data up to the deadline.
  void arm(const char* waiting_for, const RetryPolicy& base = RetryPolicy{});
  void disarm() {
    deadline_.reset();
    retry_ = RetryPolicy{};
  }
  bool past_deadline() const;

  std::string name_;
  RetryPolicy retry_;
  std::optional<std::chrono::duration<double>> timeout_;
  std::optional<RetryPolicy::Clock::time_point> deadline_;
  const char* waiting_for_ = "";
  InterruptFlag interrupt_;
  std::string url_;
  // Whether the protocol logged an error while packets were read (see
  // is_end_of_input).
  bool protocol_error_logged_ = false;
  bool safe_ = false;
  bool main_input_opened_ = false;
  std::vector<std::string> refused_;  // URLs safe mode did not open
  std::optional<TlsSettings> tls_;    // empty in safe mode
  struct TlsFailure {
    std::string url;     // the first URL whose certificate failed
    std::string reason;  // what FFmpeg logged
  };
  std::optional<TlsFailure> tls_failure_;
  decltype(AVFormatContext::io_open) default_io_open_ = nullptr;
  // The format context reads through the adapter: declared first, so that
  // it is destroyed after the context.
  std::unique_ptr<AVIOAdapter> avio_;
  FormatContextPtr format_;
};

}  // namespace ffstream::detail
