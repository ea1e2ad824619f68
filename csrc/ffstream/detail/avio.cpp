#include "ffstream/detail/avio.h"

#include <string>
#include <thread>

#include "ffstream/error.h"

namespace ffstream::detail {

AVIOAdapter::AVIOAdapter(std::unique_ptr<Reader> reader, int buffer_size,
                         const RetryPolicy* retry, InterruptFlag interrupt)
    : reader_(std::move(reader)),
      retry_(retry),
      interrupt_(std::move(interrupt)) {
  if (buffer_size <= 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "buffer_size must be positive, got " +
                    std::to_string(buffer_size));
  }
  // The context takes ownership of the buffer (and may replace it).
  auto* buffer = static_cast<uint8_t*>(av_malloc(buffer_size));
  if (buffer == nullptr) throw std::bad_alloc();
  AVIOContext* ctx =
      avio_alloc_context(buffer, buffer_size, /*write_flag=*/0, this,
                         &AVIOAdapter::read_packet,
                         /*write_packet=*/nullptr,
                         reader_->seekable() ? &AVIOAdapter::seek : nullptr);
  if (ctx == nullptr) {
    av_free(buffer);
    throw std::bad_alloc();
  }
  context_.reset(ctx);
  context_->seekable = reader_->seekable() ? AVIO_SEEKABLE_NORMAL : 0;
}

void AVIOAdapter::rethrow_if_failed() {
  if (error_) {
    std::exception_ptr e = std::move(error_);
    error_ = nullptr;
    // Forget the failure inside the context too, so that a reader whose
    // object recovers can go on (after a seek) instead of failing for good.
    clear_error();
    std::rethrow_exception(e);
  }
}

void AVIOAdapter::clear_error() {
  context_->error = 0;
  context_->eof_reached = 0;
}

int AVIOAdapter::read_packet(void* opaque, uint8_t* buf, int size) {
  auto* self = static_cast<AVIOAdapter*>(opaque);
  if (self->error_) return AVERROR_EXTERNAL;
  try {
    int64_t n = self->read_or_wait(buf, size);
    if (n < 0 || n > size) {
      throw Error(ErrorKind::kInvalidData,
                  "reader returned " + std::to_string(n) +
                      " bytes for a read of at most " + std::to_string(size));
    }
    return n == 0 ? AVERROR_EOF : static_cast<int>(n);
  } catch (...) {
    self->error_ = std::current_exception();
    return AVERROR_EXTERNAL;
  }
}

int64_t AVIOAdapter::read_or_wait(uint8_t* buf, int64_t size) {
  // Waiting happens here rather than by returning EAGAIN to FFmpeg: a
  // demuxer that gets EAGAIN in the middle of a packet keeps a torn packet.
  while (true) {
    int64_t n = reader_->read(buf, size);
    if (n != Reader::kNoDataYet) return n;
    if (interrupt_ && interrupt_->exchange(false)) {
      throw Error(ErrorKind::kInterrupted,
                  "reading was interrupted by StreamReader.interrupt()");
    }
    (retry_ ? *retry_ : RetryPolicy{}).wait_or_throw("the reader");
  }
}

int64_t AVIOAdapter::seek(void* opaque, int64_t offset, int whence) {
  auto* self = static_cast<AVIOAdapter*>(opaque);
  if (self->error_) return AVERROR_EXTERNAL;
  try {
    if (whence & AVSEEK_SIZE) return self->reader_->size();
    return self->reader_->seek(offset, whence & ~AVSEEK_FORCE);
  } catch (...) {
    self->error_ = std::current_exception();
    return AVERROR_EXTERNAL;
  }
}

}  // namespace ffstream::detail
