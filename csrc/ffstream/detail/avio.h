// AVIOContext over a Reader. Owns the reader, the IO buffer and the context.
//
// FFmpeg calls the trampolines from C; they catch every exception, keep the
// first one, and return an error code so that no exception unwinds through
// FFmpeg. The caller rethrows it with rethrow_if_failed() after FFmpeg returns.
#pragma once

#include <exception>
#include <memory>

#include "ffstream/detail/raii.h"
#include "ffstream/detail/retry.h"
#include "ffstream/reader.h"

namespace ffstream::detail {

class AVIOAdapter {
 public:
  // `retry` and `interrupt` (owned by the Source) decide how long a read
  // waits while the reader has no data yet.
  AVIOAdapter(std::unique_ptr<Reader> reader, int buffer_size,
              const RetryPolicy* retry, InterruptFlag interrupt);
  AVIOAdapter(const AVIOAdapter&) = delete;
  AVIOAdapter& operator=(const AVIOAdapter&) = delete;

  AVIOContext* context() { return context_.get(); }

  // Rethrows the exception a callback caught, if any, and forgets it.
  void rethrow_if_failed();
  // Clears the context's error and end-of-file state so reading can go on.
  void clear_error();

 private:
  static int read_packet(void* opaque, uint8_t* buf, int size);
  static int64_t seek(void* opaque, int64_t offset, int whence);

  // Calls reader_->read(), waiting as the retry policy allows while it has
  // no data yet; throws when the policy gives up.
  int64_t read_or_wait(uint8_t* buf, int64_t size);

  std::unique_ptr<Reader> reader_;
  const RetryPolicy* retry_;
  InterruptFlag interrupt_;
  std::exception_ptr error_;
  AVIOContextPtr context_;  // calls into reader_; declared after it
};

}  // namespace ffstream::detail
