#include "ffstream/detail/avio_writer.h"

#include <string>

#include "ffstream/error.h"

namespace ffstream {

int64_t Writer::seek(int64_t, int) {
  throw Error(ErrorKind::kNotImplemented, "this writer cannot seek");
}

}  // namespace ffstream

namespace ffstream::detail {

AVIOWriter::AVIOWriter(std::unique_ptr<Writer> writer, int buffer_size)
    : writer_(std::move(writer)) {
  if (buffer_size <= 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "buffer_size must be positive, got " + std::to_string(buffer_size));
  }
  auto* buffer = static_cast<uint8_t*>(av_malloc(buffer_size));
  if (buffer == nullptr) throw std::bad_alloc();
  AVIOContext* ctx = avio_alloc_context(
      buffer, buffer_size, /*write_flag=*/1, this, /*read_packet=*/nullptr,
      &AVIOWriter::write_packet, writer_->seekable() ? &AVIOWriter::seek : nullptr);
  if (ctx == nullptr) {
    av_free(buffer);
    throw std::bad_alloc();
  }
  context_.reset(ctx);
  context_->seekable = writer_->seekable() ? AVIO_SEEKABLE_NORMAL : 0;
}

void AVIOWriter::rethrow_if_failed() {
  if (error_) {
    std::exception_ptr e = std::move(error_);
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

int AVIOWriter::write_packet(void* opaque, AvioWriteBuffer buf, int size) {
  auto* self = static_cast<AVIOWriter*>(opaque);
  if (self->error_) return AVERROR_EXTERNAL;
  try {
    self->writer_->write(buf, size);
    return size;
  } catch (...) {
    self->error_ = std::current_exception();
    return AVERROR_EXTERNAL;
  }
}

int64_t AVIOWriter::seek(void* opaque, int64_t offset, int whence) {
  auto* self = static_cast<AVIOWriter*>(opaque);
  if (self->error_) return AVERROR_EXTERNAL;
  // AVSEEK_SIZE asks for the size: unknown for a sink being written.
  if (whence & AVSEEK_SIZE) return AVERROR(ENOSYS);
  try {
    return self->writer_->seek(offset, whence & ~AVSEEK_FORCE);
  } catch (...) {
    self->error_ = std::current_exception();
    return AVERROR_EXTERNAL;
  }
}

}  // namespace ffstream::detail
