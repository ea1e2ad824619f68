// AVIOContext over a Writer: the writing counterpart of AVIOAdapter. Owns the
// writer, the IO buffer and the context. The trampolines catch every
// exception and return an error code (no exception unwinds through FFmpeg);
// the caller rethrows it with rethrow_if_failed() after FFmpeg returns.
#pragma once

#include <exception>
#include <memory>

#include "ffstream/detail/ffmpeg_compat.h"
#include "ffstream/detail/raii.h"
#include "ffstream/writer.h"

namespace ffstream::detail {

class AVIOWriter {
 public:
  AVIOWriter(std::unique_ptr<Writer> writer, int buffer_size);
  AVIOWriter(const AVIOWriter&) = delete;
  AVIOWriter& operator=(const AVIOWriter&) = delete;

  AVIOContext* context() { return context_.get(); }
  bool seekable() const { return writer_->seekable(); }
  // Rethrows the exception a callback caught, if any, and forgets it.
  void rethrow_if_failed();

 private:
  static int write_packet(void* opaque, AvioWriteBuffer buf, int size);
  static int64_t seek(void* opaque, int64_t offset, int whence);

  std::unique_ptr<Writer> writer_;
  std::exception_ptr error_;
  AVIOContextPtr context_;  // calls into writer_; declared after it
};

}  // namespace ffstream::detail
