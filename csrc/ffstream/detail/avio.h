// AVIOContext over a Reader. Owns the reader, the IO buffer and the context.
//
// FFmpeg calls the trampolines from C; they catch every exception, keep the
// first one, and return an error code so that no exception unwinds through
// FFmpeg. The caller rethrows it with rethrow_if_failed() after FFmpeg returns.
#pragma once

#include <exception>
#include <memory>

#include "ffstream/detail/raii.h"
#include "ffstream/reader.h"

namespace ffstream::detail {

class AVIOAdapter {
 public:
  AVIOAdapter(std::unique_ptr<Reader> reader, int buffer_size);
  AVIOAdapter(const AVIOAdapter&) = delete;
  AVIOAdapter& operator=(const AVIOAdapter&) = delete;

  AVIOContext* context() { return context_.get(); }

  // Rethrows the exception a callback caught, if any, and forgets it.
  void rethrow_if_failed();

 private:
  static int read_packet(void* opaque, uint8_t* buf, int size);
  static int64_t seek(void* opaque, int64_t offset, int whence);

  std::unique_ptr<Reader> reader_;
  std::exception_ptr error_;
  AVIOContextPtr context_;  // calls into reader_; declared after it
};

}  // namespace ffstream::detail
