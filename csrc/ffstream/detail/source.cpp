#include "ffstream/detail/source.h"

#include <mutex>

#include "ffstream/detail/av_error.h"
#include "ffstream/error.h"

namespace ffstream::detail {

Source::Source(const std::string& url,
               const std::optional<std::string>& format,
               const OptionMap& options, InterruptFlag interrupt)
    : name_("'" + url + "'"), interrupt_(std::move(interrupt)) {
  open(url, format, options);
}

Source::Source(std::unique_ptr<Reader> reader,
               const std::optional<std::string>& format,
               const OptionMap& options, int buffer_size,
               InterruptFlag interrupt)
    : name_("<custom reader>"),
      interrupt_(std::move(interrupt)),
      avio_(std::make_unique<AVIOAdapter>(std::move(reader), buffer_size,
                                          &retry_, interrupt_)) {
  open("", format, options);
}

void Source::open(const std::string& url,
                  const std::optional<std::string>& format,
                  const OptionMap& options) {
  // Input devices (lavfi, alsa, v4l2, ...) are found only once registered.
  static std::once_flag devices_registered;
  std::call_once(devices_registered, [] { avdevice_register_all(); });
  FFSTREAM_AVFORMAT_CONST AVInputFormat* input_format = nullptr;
  if (format) {
    input_format = av_find_input_format(format->c_str());
    if (input_format == nullptr) {
      throw Error(ErrorKind::kInvalidArgument,
                  "unknown input format '" + *format + "' for " + name_ +
                      " (see ffstream.utils.get_demuxers() and "
                      "get_input_devices())");
    }
  }
  AVFormatContext* ctx = avformat_alloc_context();
  if (ctx == nullptr) throw std::bad_alloc();
  ctx->interrupt_callback = {&Source::interrupt_callback, this};
  if (avio_) {
    ctx->pb = avio_->context();
    ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  }
  Dict dict(options);
  // avformat_open_input frees the context when it fails.
  int ret = avformat_open_input(&ctx, url.c_str(), input_format, dict.inout());
  rethrow_reader_error();
  check_exit(ret, "avformat_open_input");
  if (ret < 0) throw_av_error(ret, "avformat_open_input", name_);
  format_.reset(ctx);
  dict.reject_unused("opening " + name_);

  ret = avformat_find_stream_info(format_.get(), nullptr);
  rethrow_reader_error();
  check_exit(ret, "avformat_find_stream_info");
  if (ret < 0) throw_av_error(ret, "avformat_find_stream_info", name_);
  if (format_->nb_streams == 0) {
    throw Error(ErrorKind::kInvalidData,
                "no audio or video stream found in " + name_ +
                    ": it is not a media file FFmpeg can read");
  }
}

int Source::read_packet(AVPacket* packet) {
  int ret = av_read_frame(format_.get(), packet);
  rethrow_reader_error();
  check_exit(ret, "av_read_frame");
  return ret;
}

void Source::clear_io_error() {
  if (avio_) avio_->clear_error();
}

void Source::check_exit(int code, const char* call) {
  if (code != AVERROR_EXIT) return;
  if (interrupt_ && interrupt_->exchange(false)) {
    throw Error(ErrorKind::kInterrupted,
                std::string(call) + " on " + name_ +
                    " was interrupted by StreamReader.interrupt()",
                code);
  }
  if (retry_.expired()) {
    throw Error(ErrorKind::kTimeout,
                std::string(call) + " on " + name_ +
                    " gave up: the timeout passed",
                code);
  }
}

void Source::seek(int64_t timestamp_us, int flags) {
  if (avio_ && !(avio_->context()->seekable & AVIO_SEEKABLE_NORMAL)) {
    throw Error(ErrorKind::kInvalidArgument,
                "cannot seek in " + name_ +
                    ": it has no seek() (a stream can only be read forward)");
  }
  int ret = avformat_seek_file(format_.get(), -1, INT64_MIN, timestamp_us,
                               timestamp_us, flags);
  rethrow_reader_error();
  if (ret < 0) {
    throw_av_error(ret, "avformat_seek_file",
                   name_ + " at " + std::to_string(timestamp_us / 1e6) + " s");
  }
}

void Source::rethrow_reader_error() {
  if (avio_) avio_->rethrow_if_failed();
}

int Source::interrupt_callback(void* opaque) {
  auto* self = static_cast<Source*>(opaque);
  if (self->interrupt_ && self->interrupt_->load()) return 1;
  return self->retry_.expired() ? 1 : 0;
}

}  // namespace ffstream::detail
