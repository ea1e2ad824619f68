// FrameFilter binding: filter graphs on frames pushed from Python. Data comes
// in through the buffer protocol (a numpy view of a tensor) and is copied
// into FFmpeg frames with the GIL released; chunks leave as StreamReader's
// do.
#include <pybind11/stl.h>

#include <climits>

#include "ffstream/error.h"
#include "ffstream/frame_filter.h"
#include "register.h"

namespace py = pybind11;

namespace ffstream::python {

namespace {

int index_of(int64_t index, const char* what) {
  if (index < INT_MIN || index > INT_MAX) {
    throw Error(ErrorKind::kIndexOutOfRange,
                std::string(what) + " " + std::to_string(index) + " is out of range");
  }
  return static_cast<int>(index);
}

// One input spec from the dict the Python layer builds.
FilterInputSpec spec_from(const py::dict& d) {
  FilterInputSpec s;
  s.name = d["name"].cast<std::string>();
  s.video = d["video"].cast<bool>();
  s.format = d["format"].cast<std::string>();
  if (s.video) {
    s.width = d["width"].cast<int>();
    s.height = d["height"].cast<int>();
    s.frame_rate_num = d["frame_rate_num"].cast<int>();
    s.frame_rate_den = d["frame_rate_den"].cast<int>();
  } else {
    s.sample_rate = d["sample_rate"].cast<int>();
    s.num_channels = d["num_channels"].cast<int>();
    s.channel_layout = d["channel_layout"].cast<std::string>();
  }
  return s;
}

}  // namespace

void register_frame_filter(py::module_& m) {
  py::class_<FilterOutputInfo>(m, "FilterOutputInfo")
      .def_readonly("name", &FilterOutputInfo::name)
      .def_readonly("video", &FilterOutputInfo::video)
      .def_readonly("format", &FilterOutputInfo::format)
      .def_readonly("sample_rate", &FilterOutputInfo::sample_rate)
      .def_readonly("num_channels", &FilterOutputInfo::num_channels)
      .def_readonly("width", &FilterOutputInfo::width)
      .def_readonly("height", &FilterOutputInfo::height)
      .def_readonly("frame_rate", &FilterOutputInfo::frame_rate);

  py::class_<FrameFilter>(m, "FrameFilter")
      .def(py::init([](const std::string& description, const py::list& inputs,
                       bool safe) {
             std::vector<FilterInputSpec> specs;
             for (const auto& d : inputs) specs.push_back(spec_from(d.cast<py::dict>()));
             py::gil_scoped_release release;
             return std::make_unique<FrameFilter>(description, specs, safe);
           }),
           py::arg("description"), py::arg("inputs"), py::arg("safe"))
      .def("num_inputs", &FrameFilter::num_inputs)
      .def("num_outputs", &FrameFilter::num_outputs)
      .def("input_name", [](const FrameFilter& f, int64_t i) {
        return f.input(index_of(i, "input")).name;
      })
      .def("output", [](const FrameFilter& f, int64_t j) {
        return f.output(index_of(j, "output"));
      })
      .def("push",
           [](FrameFilter& f, int64_t i, py::buffer data, int64_t count,
              std::optional<double> pts) {
             py::buffer_info info = data.request();
             // The core reads count * bytes_per_frame contiguous bytes.
             const int input = index_of(i, "input");
             const int64_t need = count * f.bytes_per_frame(input);
             int64_t expected_stride = info.itemsize;
             for (int k = info.ndim - 1; k >= 0; --k) {
               if (info.shape[k] > 1 && info.strides[k] != expected_stride) {
                 throw Error(ErrorKind::kInvalidArgument, "pushed data must be contiguous");
               }
               expected_stride *= info.shape[k];
             }
             if (count < 0 || info.size * info.itemsize < need) {
               throw Error(ErrorKind::kInvalidArgument,
                           "pushed data holds " + std::to_string(info.size * info.itemsize) +
                               " bytes, " + std::to_string(need) + " are needed");
             }
             const auto* bytes = static_cast<const uint8_t*>(info.ptr);
             py::gil_scoped_release release;
             f.push(input, bytes, count, pts);
           })
      .def("close", [](FrameFilter& f, int64_t i) {
        py::gil_scoped_release release;
        f.close(index_of(i, "input"));
      })
      .def("pull", [](FrameFilter& f, int64_t j) {
        py::gil_scoped_release release;
        return f.pull(index_of(j, "output"));
      })
      .def("finished", [](const FrameFilter& f, int64_t j) {
        return f.finished(index_of(j, "output"));
      });
}

}  // namespace ffstream::python
