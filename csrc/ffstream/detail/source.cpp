#include "ffstream/detail/source.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/exact_time.h"
#include "ffstream/detail/ffmpeg_compat.h"
#include "ffstream/detail/ffmpeg_log.h"
#include "ffstream/error.h"

namespace ffstream::detail {

Source::Source(const std::string& url,
               const std::optional<std::string>& format,
               const OptionMap& options, bool safe, InterruptFlag interrupt,
               std::optional<double> timeout)
    : name_("'" + url + "'"), interrupt_(std::move(interrupt)) {
  if (timeout) timeout_ = std::chrono::duration<double>(*timeout);
  open(url, format, options, safe);
}

Source::Source(std::unique_ptr<Reader> reader,
               const std::optional<std::string>& format,
               const OptionMap& options, int buffer_size, bool safe,
               InterruptFlag interrupt, std::optional<double> timeout)
    : name_("<custom reader>"),
      interrupt_(std::move(interrupt)),
      avio_(std::make_unique<AVIOAdapter>(std::move(reader), buffer_size,
                                          &retry_, interrupt_)) {
  if (timeout) timeout_ = std::chrono::duration<double>(*timeout);
  open("", format, options, safe);
}

void Source::arm(const char* waiting_for, const RetryPolicy& base) {
  waiting_for_ = waiting_for;
  retry_ = base;
  if (!timeout_) return;
  deadline_ = RetryPolicy::Clock::now() +
              std::chrono::duration_cast<RetryPolicy::Clock::duration>(*timeout_);
  // A custom reader that has no data yet waits for it, up to the deadline,
  // unless the caller asked for a shorter wait.
  if (!retry_.enabled || !retry_.deadline || *retry_.deadline > *deadline_) {
    retry_.enabled = true;
    retry_.deadline = deadline_;
  }
}

bool Source::past_deadline() const {
  return deadline_ && RetryPolicy::Clock::now() >= *deadline_;
}

namespace {

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

// How much of a WAV file's 16-bit PCM data is probed for other codecs.
constexpr int64_t kWavSecondLookBytes = 16384;

// Demuxers that read other files or the network on their own, through nested
// format contexts that safe mode's io_open does not reach, or that are
// devices rather than media.
constexpr const char* kUnsafeDemuxers[] = {"concat", "lavfi", "sdp", "rtsp",
                                           "rtp", "hls", "dash", "imf"};

// Every demuxer except the unsafe ones, as FFmpeg's format_whitelist wants.
std::string safe_demuxer_list() {
  std::string list;
  void* it = nullptr;
  while (const AVInputFormat* f = av_demuxer_iterate(&it)) {
    bool unsafe = false;
    for (const char* name : kUnsafeDemuxers) {
      if (av_match_name(name, f->name)) unsafe = true;
    }
    if (unsafe) continue;
    if (!list.empty()) list += ",";
    list += f->name;
  }
  return list;
}

}  // namespace

int Source::safe_io_open(AVFormatContext* s, AVIOContext** pb,
                         const char* url, int flags, AVDictionary** options) {
  auto* self = static_cast<Source*>(s->opaque);
  if (self->main_input_opened_ || url == nullptr || self->url_ != url) {
    self->refused_.emplace_back(url ? url : "");
    return AVERROR(EPERM);
  }
  self->main_input_opened_ = true;
  av_dict_set(options, "protocol_whitelist", "file,pipe", 0);
  return avio_open2(pb, url, flags, &s->interrupt_callback, options);
}

int Source::tls_io_open(AVFormatContext* s, AVIOContext** pb,
                        const char* url, int flags, AVDictionary** options) {
  auto* self = static_cast<Source*>(s->opaque);
  AVDictionary* none = nullptr;
  if (options == nullptr) options = &none;
  const int added = self->tls_->add_missing(options);
  int ret = added;
  if (added >= 0) {
    ret = self->default_io_open_(s, pb, url, flags, options);
    // Left over, they are no options of the caller's that FFmpeg ignored.
    self->tls_->remove_unread(options, added);
  }
  av_dict_free(&none);
  if (ret < 0 && !self->tls_failure_ && is_certificate_error(last_log())) {
    try {
      self->tls_failure_ = TlsFailure{url ? url : "", last_log()};
    } catch (...) {  // out of memory: the error just says less
    }
  }
  return ret;
}

void Source::check_tls_failure(int code) {
  // A demuxer's own TLS connection (rtsps://) is not opened through io_open.
  if (!tls_failure_ && tls_ && is_certificate_error(last_log())) {
    tls_failure_ = TlsFailure{url_, last_log()};
  }
  if (!tls_failure_) return;
  const std::string& url = tls_failure_->url;
  throw Error(ErrorKind::kConnection,
              "the TLS certificate of '" + url +
                  "' could not be verified against " +
                  tls_->ca_description() + " (FFmpeg: " +
                  tls_failure_->reason + ")" +
                  (url == url_ ? "" : " while opening " + name_) +
                  "; if you trust the server, give its CA with the ca_file "
                  "option, or turn the check off with tls_verify=0",
              code);
}

std::string Source::refused_note() const {
  if (!safe_) return "";
  if (refused_.empty()) {
    return " (safe mode: the input may need a demuxer that opens other files "
           "or the network, which safe mode does not allow)";
  }
  std::string note = " (safe mode refused to open";
  for (const auto& url : refused_) note += " '" + url + "'";
  return note + ", which the input refers to)";
}

void Source::open(const std::string& url,
                  const std::optional<std::string>& format,
                  const OptionMap& options, bool safe) {
  url_ = url;
  safe_ = safe;
  // A custom reader is the main input already; safe mode opens nothing more.
  main_input_opened_ = avio_ != nullptr;
  // Input devices (lavfi, alsa, v4l2, ...) are found only once registered.
  static std::once_flag devices_registered;
  std::call_once(devices_registered, [] { avdevice_register_all(); });
  install_log_capture();
  clear_last_log();
  FFSTREAM_AVFORMAT_CONST AVInputFormat* input_format = nullptr;
  if (safe && !avio_) {
    const char* protocol = avio_find_protocol_name(url.c_str());
    if (protocol == nullptr || (std::strcmp(protocol, "file") != 0 &&
                                std::strcmp(protocol, "pipe") != 0)) {
      throw Error(ErrorKind::kInvalidArgument,
                  "safe mode reads local files and pipes only; " + name_ +
                      " uses the '" + (protocol ? protocol : "unknown") +
                      "' protocol");
    }
  }
  if (format) {
    for (const char* name : kUnsafeDemuxers) {
      if (safe && av_match_name(format->c_str(), name)) {
        throw Error(ErrorKind::kInvalidArgument,
                    "safe mode does not allow format '" + *format +
                        "': it opens other files, devices or the network");
      }
    }
    input_format = av_find_input_format(format->c_str());
    if (input_format == nullptr) {
      throw Error(ErrorKind::kInvalidArgument,
                  "unknown input format '" + *format + "' for " + name_ +
                      " (see ffstream.utils.get_demuxers() and "
                      "get_input_devices())");
    }
  }
  FormatContextPtr owner(avformat_alloc_context());
  if (!owner) throw std::bad_alloc();
  AVFormatContext* ctx = owner.get();
  ctx->interrupt_callback = {&Source::interrupt_callback, this};
  if (avio_) {
    ctx->pb = avio_->context();
    ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  }
  if (safe) {
    ctx->opaque = this;
    ctx->io_open = &Source::safe_io_open;
    ctx->protocol_whitelist = av_strdup("file,pipe");
    ctx->format_whitelist = av_strdup(safe_demuxer_list().c_str());
    if (!ctx->protocol_whitelist || !ctx->format_whitelist) {
      throw std::bad_alloc();
    }
  }
  OptionMap ffmpeg_options = options;
  if (!safe) {
    tls_.emplace(ffmpeg_options);
    ctx->opaque = this;
    default_io_open_ = ctx->io_open;
    ctx->io_open = &Source::tls_io_open;
  }
  Dict dict(ffmpeg_options);
  // For the main URL too, where a demuxer may read them (RTSP's own TLS
  // options, FFmpeg 8).
  const int tls_added = tls_ ? tls_->add_missing(dict.inout()) : 0;
  if (tls_added < 0) throw std::bad_alloc();
  // Opening and probing may wait for data as long as `timeout` each.
  arm("opening it");
  struct Disarm {
    Source* s;
    ~Disarm() { s->disarm(); }
  } disarm_when_done{this};
  // avformat_open_input frees the context when it fails.
  ctx = owner.release();
  int ret = avformat_open_input(&ctx, url.c_str(), input_format, dict.inout());
  // Owned before anything below can throw: a demuxer may open successfully
  // on the bytes it got although the reader failed (fuzz regression
  // tests/fuzz/regressions/leak-open-after-reader-error).
  if (ret >= 0) format_.reset(ctx);
  rethrow_reader_error();
  check_exit(ret, "avformat_open_input");
  if (ret < 0) {
    check_tls_failure(ret);
    throw_av_error(ret, "avformat_open_input", name_ + refused_note());
  }
  if (tls_) tls_->remove_unread(dict.inout(), tls_added);
  dict.reject_unused("opening " + name_);

  arm("probing its streams");
  // The WAV demuxer asks for a second look at 16-bit PCM, in case the data is
  // really AC-3, DTS or MP3: libavformat then runs every demuxer's probe on
  // the packets at each power of two up to 128 KiB (32 packets). That cost
  // 4.5 ms on a 2-s clip and 10 ms on a 10-s one, where decoding the clip
  // takes 0.1 ms. 16 KiB still finds each of those three codecs stored as
  // PCM (tests/test_probe.py) at about 1 ms; probesize is put back for
  // reading, and an explicit probesize option keeps FFmpeg's own look.
  const int64_t probesize = format_->probesize;
  if (std::strcmp(format_->iformat->name, "wav") == 0 &&
      options.find("probesize") == options.end()) {
    format_->probesize = std::min<int64_t>(probesize, kWavSecondLookBytes);
  }
  ret = avformat_find_stream_info(format_.get(), nullptr);
  format_->probesize = probesize;
  rethrow_reader_error();
  check_exit(ret, "avformat_find_stream_info");
  if (ret < 0) {
    check_tls_failure(ret);
    throw_av_error(ret, "avformat_find_stream_info", name_ + refused_note());
  }
  if (!refused_.empty()) {
    // The media refers to other files: it cannot be decoded in safe mode.
    throw Error(ErrorKind::kInvalidArgument,
                "cannot open " + name_ + " in safe mode" + refused_note());
  }
  if (format_->nb_streams == 0) {
    throw Error(ErrorKind::kInvalidData,
                "no audio or video stream found in " + name_ +
                    ": it is not a media file FFmpeg can read" +
                    refused_note());
  }
  // Only audio and video are decoded: the demuxer drops the packets of the
  // other streams (subtitles, data, attachments) unread, so that, as in
  // torchaudio, process_packet() counts audio and video packets only, and
  // the packets probing read before (the first of each Matroska subtitle
  // stream), which av_read_frame still returns. Their stream infos stay.
  for (unsigned i = 0; i < format_->nb_streams; ++i) {
    const AVMediaType type = format_->streams[i]->codecpar->codec_type;
    if (type != AVMEDIA_TYPE_AUDIO && type != AVMEDIA_TYPE_VIDEO) {
      format_->streams[i]->discard = AVDISCARD_ALL;
    }
  }
}

int Source::read_packet(AVPacket* packet, const RetryPolicy& retry) {
  arm("reading a packet", retry);
  // Back to "fail at once" however this call ends.
  struct Reset {
    Source* s;
    ~Reset() { s->disarm(); }
  } reset{this};
  while (true) {
    const uint64_t protocol_errors = protocol_errors_logged();
    int ret = av_read_frame(format_.get(), packet);
    // Read ahead: an error the protocol logs may surface reads later.
    if (protocol_errors_logged() != protocol_errors) protocol_error_logged_ = true;
    try {
      rethrow_reader_error();
      check_exit(ret, "av_read_frame");
    } catch (...) {
      // The demuxer may have given a packet before the reader failed (read
      // ahead): it is not handed out, and the next read would leak it.
      av_packet_unref(packet);
      throw;
    }
    if (ret == 0) return ret;
    if (is_end_of_input(format_.get(), ret, protocol_error_logged_)) return AVERROR_EOF;
    if (ret != AVERROR(EAGAIN)) check_av(ret, "av_read_frame", name_);
    // A custom reader's EAGAIN is stashed: let the next read try again.
    if (avio_) avio_->clear_error();
    retry_.wait_or_throw(name_);
  }
}

void Source::check_exit(int code, const char* call) {
  if (code != AVERROR_EXIT) return;
  if (interrupt_ && interrupt_->exchange(false)) {
    throw Error(ErrorKind::kInterrupted,
                std::string(call) + " on " + name_ +
                    " was interrupted by StreamReader.interrupt()",
                code);
  }
  if (past_deadline()) {
    throw Error(ErrorKind::kTimeout,
                name_ + " sent no data for " + seconds_text(timeout_->count()) +
                    " s while " + waiting_for_ + " (" + call + ")",
                code);
  }
  if (retry_.expired()) {
    throw Error(ErrorKind::kTimeout,
                std::string(call) + " on " + name_ +
                    " gave up: the timeout passed",
                code);
  }
}

int Source::try_seek(int64_t timestamp_us, int flags) {
  if (avio_ && !(avio_->context()->seekable & AVIO_SEEKABLE_NORMAL)) {
    throw Error(ErrorKind::kInvalidArgument,
                "cannot seek in " + name_ +
                    ": it has no seek() (a stream can only be read forward)");
  }
  arm("seeking");
  int ret = avformat_seek_file(format_.get(), -1, INT64_MIN, timestamp_us,
                               timestamp_us, flags);
  rethrow_reader_error();
  check_exit(ret, "avformat_seek_file");
  disarm();
  return ret;
}

void Source::seek(int64_t timestamp_us, int flags) {
  int ret = try_seek(timestamp_us, flags);
  if (ret < 0) {
    throw_av_error(ret, "avformat_seek_file",
                   name_ + " at " + std::to_string(timestamp_us / 1e6) + " s");
  }
}

void Source::seek_to_start(double at) {
  if (try_seek(to_av_time(std::min(at, start_seconds()) - 1.0), 0) >= 0) return;
  if (try_seek(to_av_time(std::max(at, 0.0)), 0) >= 0) return;
  seek(0, AVSEEK_FLAG_BYTE);
}

double Source::start_seconds() const {
  const AVFormatContext* ctx = format_.get();
  return ctx->start_time != AV_NOPTS_VALUE
             ? std::max(ctx->start_time / double(AV_TIME_BASE), 0.0)
             : 0.0;
}

double Source::end_seconds() const {
  const AVFormatContext* ctx = format_.get();
  return ctx->duration > 0
             ? start_seconds() + ctx->duration / double(AV_TIME_BASE)
             : std::numeric_limits<double>::infinity();
}

void Source::rethrow_reader_error() {
  if (avio_) avio_->rethrow_if_failed();
}

int Source::interrupt_callback(void* opaque) {
  auto* self = static_cast<Source*>(opaque);
  if (self->interrupt_ && self->interrupt_->load()) return 1;
  return self->past_deadline() || self->retry_.expired() ? 1 : 0;
}

}  // namespace ffstream::detail
