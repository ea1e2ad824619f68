#include "py_readers.h"

#include <cstring>
#include <string>

#include "ffstream/error.h"

namespace py = pybind11;

namespace ffstream::python {

// ---- PyFileReader ----

PyFileReader::PyFileReader(py::object file) : read_(file.attr("read")) {
  if (py::hasattr(file, "seek")) {
    seekable_ = true;
    if (py::hasattr(file, "seekable")) {
      py::object answer = file.attr("seekable")();
      if (!py::isinstance<py::bool_>(answer)) {
        throw py::type_error("seekable() must return a bool, got " +
                             std::string(py::str(py::type::of(answer).attr(
                                 "__name__"))));
      }
      seekable_ = answer.cast<bool>();
    }
  }
  if (seekable_) {
    seek_ = file.attr("seek");
  } else {
    seek_ = py::none();
  }
}

PyFileReader::~PyFileReader() {
  py::gil_scoped_acquire gil;
  read_ = py::object();
  seek_ = py::object();
}

int64_t PyFileReader::read(uint8_t* buf, int64_t size) {
  py::gil_scoped_acquire gil;
  int64_t total = 0;
  // Short reads are not the end: keep reading until full or b"".
  while (total < size) {
    py::object data = read_(size - total);
    if (data.is_none()) {
      // A non-blocking object with nothing yet: hand over what we have, or
      // say that more will come (process_packet's timeout retries).
      return total > 0 ? total : kNoDataYet;
    }
    py::buffer_info info;
    try {
      info = py::reinterpret_borrow<py::buffer>(data).request();
    } catch (const py::error_already_set&) {
      throw py::type_error("read() must return bytes, got " +
                           std::string(py::str(py::type::of(data))));
    }
    const int64_t n = info.size * info.itemsize;
    if (n == 0) break;
    if (n > size - total) {
      throw py::value_error("read(" + std::to_string(size - total) +
                            ") returned " + std::to_string(n) + " bytes");
    }
    std::memcpy(buf + total, info.ptr, n);
    total += n;
  }
  return total;
}

int64_t PyFileReader::seek(int64_t offset, int whence) {
  py::gil_scoped_acquire gil;
  if (seek_.is_none()) return Reader::seek(offset, whence);
  return position(seek_(offset, whence));
}

int64_t PyFileReader::position(const py::object& result) {
  if (!py::isinstance<py::int_>(result)) {
    throw py::type_error(
        "seek() must return the new position as an int, got " +
        std::string(py::str(py::type::of(result).attr("__name__"))));
  }
  return result.cast<int64_t>();
}

int64_t PyFileReader::size() {
  if (!seekable_) return -1;
  py::gil_scoped_acquire gil;
  const int64_t here = position(seek_(0, SEEK_CUR));
  const int64_t end = position(seek_(0, SEEK_END));
  seek_(here, SEEK_SET);
  return end;
}

// ---- PyBufferReader ----

std::unique_ptr<PyBufferReader> PyBufferReader::from(py::handle obj) {
  Py_buffer view;
  if (PyObject_GetBuffer(obj.ptr(), &view, PyBUF_C_CONTIGUOUS) != 0) {
    throw py::error_already_set();
  }
  return std::unique_ptr<PyBufferReader>(new PyBufferReader(view));
}

PyBufferReader::PyBufferReader(const Py_buffer& view)
    : BytesReader(static_cast<const uint8_t*>(view.buf),
                  static_cast<size_t>(view.len)),
      view_(view) {}

PyBufferReader::~PyBufferReader() {
  py::gil_scoped_acquire gil;
  PyBuffer_Release(&view_);
}

}  // namespace ffstream::python
