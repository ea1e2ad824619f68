// An FFmpeg-free byte source that custom inputs implement (in-memory buffers,
// Python file objects, ...). The core adapts it to an AVIOContext.
//
// Implementations may throw from read() and seek(); the adapter catches the
// exception before it reaches FFmpeg's C code and rethrows it to the caller of
// the StreamReader method that triggered the read.
#pragma once

#include <cstdint>

namespace ffstream {

class Reader {
 public:
  virtual ~Reader() = default;

  // Returned by read() when no data is available yet but more will come
  // (a live source); process_packet(timeout) retries.
  static constexpr int64_t kNoDataYet = -1;

  // Reads up to `size` bytes into `buf`; returns the count, 0 at end of data,
  // or kNoDataYet.
  virtual int64_t read(uint8_t* buf, int64_t size) = 0;

  // Whether seek() is supported. Non-seekable readers work for streamable
  // formats only.
  virtual bool seekable() const { return false; }

  // Moves to `offset` relative to `whence` (SEEK_SET, SEEK_CUR, SEEK_END);
  // returns the new absolute position.
  virtual int64_t seek(int64_t offset, int whence);

  // Total size in bytes, or -1 when unknown.
  virtual int64_t size() { return -1; }
};

}  // namespace ffstream
