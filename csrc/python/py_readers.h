// Readers over Python objects, for the core's custom-input path.
//
// Both take the GIL only inside their own calls (the core runs with the GIL
// released) and drop their Python references with the GIL held.
#pragma once

#include <Python.h>
#include <pybind11/pybind11.h>

#include "ffstream/bytes_reader.h"
#include "ffstream/reader.h"

namespace ffstream::python {

// A file-like object with read(size) -> bytes and, optionally,
// seek(offset, whence) -> int. A Python exception raised by either surfaces,
// unchanged, from the StreamReader call that caused the read.
class PyFileReader : public Reader {
 public:
  explicit PyFileReader(pybind11::object file);
  ~PyFileReader() override;

  int64_t read(uint8_t* buf, int64_t size) override;
  bool seekable() const override { return seekable_; }
  int64_t seek(int64_t offset, int whence) override;
  int64_t size() override;

 private:
  // The int a seek() call returned; TypeError for anything else.
  static int64_t position(const pybind11::object& result);

  pybind11::object read_;
  pybind11::object seek_;  // None when the object cannot seek
  bool seekable_ = false;
};

// Any object exporting a contiguous buffer (bytes, bytearray, memoryview, a
// uint8 numpy array), read in place without copying it first.
class PyBufferReader : public BytesReader {
 public:
  static std::unique_ptr<PyBufferReader> from(pybind11::handle obj);
  ~PyBufferReader() override;

 private:
  explicit PyBufferReader(const Py_buffer& view);
  Py_buffer view_;
};

}  // namespace ffstream::python
