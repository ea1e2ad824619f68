#include "register.h"

PYBIND11_MODULE(_ffstream, m) {
  m.doc() = "ffstream's compiled core (use the ffstream package instead)";
  ffstream::python::register_errors(m);
  ffstream::python::register_chunk(m);
  ffstream::python::register_info(m);
  ffstream::python::register_stream_reader(m);
  ffstream::python::register_frame_filter(m);
  ffstream::python::register_stream_writer(m);
  ffstream::python::register_utils(m);
}
