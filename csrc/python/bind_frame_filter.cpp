// FrameFilter binding: filter graphs on frames pushed from Python. Data comes
// in through the buffer protocol (a numpy view of a tensor) and is copied
// into FFmpeg frames with the GIL released; chunks leave as StreamReader's
// do.
#include <pybind11/stl.h>

#include <memory>

#include "ffstream/error.h"
#include "ffstream/frame_filter.h"
#include "guarded.h"
#include "register.h"

namespace py = pybind11;

namespace ffstream::python {

namespace {

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

void check_contiguous(const py::buffer_info& info) {
  int64_t expected = info.itemsize;
  for (int k = static_cast<int>(info.ndim) - 1; k >= 0; --k) {
    if (info.shape[k] > 1 && info.strides[k] != expected) {
      throw Error(ErrorKind::kInvalidArgument, "pushed data must be contiguous");
    }
    expected *= info.shape[k];
  }
}

// One thread at a time: each call runs with the GIL released.
class PyFrameFilter : public Guarded<FrameFilter> {
 public:
  explicit PyFrameFilter(std::unique_ptr<FrameFilter> filter)
      : Guarded(std::move(filter), "FilterGraph") {}
};

}  // namespace

void register_frame_filter(py::module_& m) {
  m.def("pushable_sample_formats", &pushable_sample_formats);
  m.def("pushable_pixel_formats", &pushable_pixel_formats);
  py::class_<FilterOutputInfo>(m, "FilterOutputInfo")
      .def_readonly("name", &FilterOutputInfo::name)
      .def_readonly("video", &FilterOutputInfo::video)
      .def_readonly("format", &FilterOutputInfo::format)
      .def_readonly("sample_rate", &FilterOutputInfo::sample_rate)
      .def_readonly("num_channels", &FilterOutputInfo::num_channels)
      .def_readonly("width", &FilterOutputInfo::width)
      .def_readonly("height", &FilterOutputInfo::height)
      .def_readonly("frame_rate", &FilterOutputInfo::frame_rate);

  py::class_<PyFrameFilter>(m, "FrameFilter")
      .def(py::init([](const std::string& description, const py::list& inputs,
                       bool safe) {
             std::vector<FilterInputSpec> specs;
             for (const auto& d : inputs) specs.push_back(spec_from(d.cast<py::dict>()));
             py::gil_scoped_release release;
             return std::make_unique<PyFrameFilter>(
                 std::make_unique<FrameFilter>(description, specs, safe));
           }),
           py::arg("description"), py::arg("inputs"), py::arg("safe"))
      .def("num_inputs", [](PyFrameFilter& f) {
        return f.call([](FrameFilter& g) { return g.num_inputs(); });
      })
      .def("num_outputs", [](PyFrameFilter& f) {
        return f.call([](FrameFilter& g) { return g.num_outputs(); });
      })
      .def("input_name", [](PyFrameFilter& f, int64_t i) {
        const int input = to_index(i, "input");
        return f.call([&](FrameFilter& g) { return g.input(input).name; });
      })
      .def("output", [](PyFrameFilter& f, int64_t j) {
        const int output = to_index(j, "output");
        return f.call([&](FrameFilter& g) { return g.output(output); });
      })
      .def("push",
           [](PyFrameFilter& f, int64_t i, py::buffer data, int64_t count,
              std::optional<double> pts) {
             py::buffer_info info = data.request();
             const int input = to_index(i, "input");
             check_contiguous(info);
             const int64_t have = info.size * info.itemsize;
             f.call([&](FrameFilter& g) {
               // The core reads count * bytes_per_frame bytes: check the
               // count against what the buffer holds before multiplying.
               const int64_t per_frame = g.bytes_per_frame(input);
               if (count < 0 || count > have / per_frame) {
                 throw Error(ErrorKind::kInvalidArgument,
                             "pushed data holds " + std::to_string(have) +
                                 " bytes, not " + std::to_string(count) +
                                 " frames of " + std::to_string(per_frame));
               }
               g.push(input, static_cast<const uint8_t*>(info.ptr), count, pts);
             });
           })
      .def("close", [](PyFrameFilter& f, int64_t i) {
        const int input = to_index(i, "input");
        f.call([&](FrameFilter& g) { g.close(input); });
      })
      .def("pull", [](PyFrameFilter& f, int64_t j, int64_t max_frames) {
        const int output = to_index(j, "output");
        if (max_frames <= 0) {
          throw Error(ErrorKind::kInvalidArgument, "max_frames must be positive");
        }
        return f.call([&](FrameFilter& g) { return g.pull(output, max_frames); });
      }, py::arg("j"), py::arg("max_frames") = FrameFilter::kDefaultPullFrames)
      .def("finished", [](PyFrameFilter& f, int64_t j) {
        const int output = to_index(j, "output");
        return f.call([&](FrameFilter& g) { return g.finished(output); });
      });
}

}  // namespace ffstream::python
