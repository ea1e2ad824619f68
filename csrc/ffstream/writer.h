// An FFmpeg-free byte sink that custom outputs implement (in-memory buffers,
// Python file objects, ...): the writing half of reader.h. The core adapts
// it to an AVIOContext.
//
// Implementations may throw from write() and seek(); the adapter catches the
// exception before it reaches FFmpeg's C code and rethrows it to the caller
// of the StreamWriter method that wrote.
#pragma once

#include <cstdint>

namespace ffstream {

class Writer {
 public:
  virtual ~Writer() = default;

  // Writes all `size` bytes of `buf`.
  virtual void write(const uint8_t* buf, int64_t size) = 0;

  // Whether seek() is supported. Without it, only formats that never go
  // back (streamable ones: wav written once, matroska, ogg, mp3, adts,
  // mpegts...) can be written; mp4 and mov cannot.
  virtual bool seekable() const { return false; }

  // Moves to `offset` relative to `whence` (SEEK_SET, SEEK_CUR, SEEK_END);
  // returns the new absolute position.
  virtual int64_t seek(int64_t offset, int whence);
};

}  // namespace ffstream
