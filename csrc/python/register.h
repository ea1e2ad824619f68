// One register_* function per binding topic; module.cpp calls them in order.
#pragma once

#include <pybind11/pybind11.h>

namespace ffstream::python {

void register_errors(pybind11::module_& m);
void register_chunk(pybind11::module_& m);
void register_info(pybind11::module_& m);
void register_stream_reader(pybind11::module_& m);
void register_frame_filter(pybind11::module_& m);
void register_stream_writer(pybind11::module_& m);
void register_utils(pybind11::module_& m);

}  // namespace ffstream::python
