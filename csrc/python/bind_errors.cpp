// ffstream::Error -> Python exception classes. Each class derives from
// FFStreamError (itself a RuntimeError, so code written for torchaudio that
// catches RuntimeError keeps working) and from the matching builtin.
#include <Python.h>

#include <map>

#include "ffstream/error.h"
#include "register.h"

namespace py = pybind11;

namespace ffstream::python {

namespace {

struct ErrorClass {
  ErrorKind kind;
  const char* name;
  PyObject* builtin;  // second base, or nullptr
  const char* doc;
};

// ErrorKind -> its class; every kind has one (register_errors checks).
std::map<ErrorKind, PyObject*> g_classes;

PyObject* make_class(py::module_& m, const char* name, PyObject* bases,
                     const char* doc) {
  std::string qualified = std::string("ffstream.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases,
                                            nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.add_object(name, py::handle(cls));
  return cls;
}

}  // namespace

void register_errors(py::module_& m) {
  PyObject* base = make_class(
      m, "FFStreamError", PyExc_RuntimeError,
      "Base class of ffstream's errors; a RuntimeError.");
  g_classes[ErrorKind::kGeneric] = base;

  const ErrorClass classes[] = {
      {ErrorKind::kNotFound, "SourceNotFoundError", PyExc_FileNotFoundError,
       "The source (path or resource) does not exist."},
      {ErrorKind::kInvalidArgument, "InvalidArgumentError", PyExc_ValueError,
       "An argument is invalid: a bad option, filter, decoder or value."},
      {ErrorKind::kIndexOutOfRange, "StreamIndexError", PyExc_IndexError,
       "A source or output stream index is out of range."},
      {ErrorKind::kInvalidData, "InvalidDataError", PyExc_ValueError,
       "The input is not media that FFmpeg can decode."},
      {ErrorKind::kTimeout, "DecodeTimeoutError", PyExc_TimeoutError,
       "The source produced no data before the timeout."},
      {ErrorKind::kNotImplemented, "NotSupportedError",
       PyExc_NotImplementedError,
       "The feature or codec is not available in this build."},
      {ErrorKind::kClosed, "ReaderClosedError", PyExc_ValueError,
       "The StreamReader was closed."},
      {ErrorKind::kInterrupted, "ReaderInterruptedError", PyExc_InterruptedError,
       "StreamReader.interrupt() stopped a blocking call."},
      {ErrorKind::kConnection, "SourceConnectionError", PyExc_ConnectionError,
       "A network source refused the connection, reset it or is unreachable."},
  };
  py::list names;
  names.append("FFStreamError");
  for (const auto& c : classes) {
    py::tuple bases = py::make_tuple(py::handle(base), py::handle(c.builtin));
    g_classes[c.kind] = make_class(m, c.name, bases.ptr(), c.doc);
    names.append(c.name);
  }
  // The Python package re-exports these; a test checks it exports them all.
  m.attr("error_classes") = py::tuple(names);

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      // A kind without a class of its own is still an FFStreamError.
      auto it = g_classes.find(e.kind());
      PyErr_SetString(it != g_classes.end() ? it->second
                                            : g_classes[ErrorKind::kGeneric],
                      e.what());
    }
  });
}

}  // namespace ffstream::python
