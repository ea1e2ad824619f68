#include <pybind11/stl.h>

#include "ffstream/utils.h"
#include "py_log.h"
#include "register.h"

namespace py = pybind11;

namespace ffstream::python {

void register_utils(py::module_& m) {
  m.attr("__version__") = version();
  m.def("library_versions", &library_versions);
  m.def("demuxers", &demuxers);
  m.def("muxers", &muxers);
  m.def("audio_decoders", &audio_decoders);
  m.def("video_decoders", &video_decoders);
  m.def("audio_encoders", &audio_encoders);
  m.def("video_encoders", &video_encoders);
  m.def("input_devices", &input_devices);
  m.def("output_devices", &output_devices);
  m.def("input_protocols", &input_protocols);
  m.def("output_protocols", &output_protocols);
  m.def("build_config", &build_config);
  m.def("ffmpeg_version", &ffmpeg_version);
  py::class_<SupportedFFmpeg>(m, "SupportedFFmpeg",
                              "The FFmpeg releases ffstream is tested against.")
      .def_readonly("oldest", &SupportedFFmpeg::oldest)
      .def_readonly("newest", &SupportedFFmpeg::newest)
      .def_readonly("loaded_is_supported", &SupportedFFmpeg::loaded_is_supported);
  m.def("supported_ffmpeg", &supported_ffmpeg);
  py::class_<LibraryInfo>(m, "LibraryInfo",
                          "One FFmpeg library as loaded in this process.")
      .def_readonly("version", &LibraryInfo::version)
      .def_readonly("compiled_version", &LibraryInfo::compiled_version)
      .def_readonly("license", &LibraryInfo::license)
      .def_readonly("configuration", &LibraryInfo::configuration)
      .def_readonly("path", &LibraryInfo::path);
  m.def("libraries", &libraries);
  m.def("hardware_device_types", &hardware_device_types);
  m.def("hardware_decoders", &hardware_decoders);
  // Opening a device can block in a driver; the GIL is not needed for it.
  m.def("probe_hardware_device", &probe_hardware_device, py::arg("type"),
        py::arg("device") = "", py::call_guard<py::gil_scoped_release>());
  m.def("clear_cuda_devices", &clear_cuda_devices);
  m.def("log_level", &log_level);
  m.def("set_log_level", &set_log_level, py::arg("level"));
  m.def("flush_ffmpeg_log", &deliver_log);
  install_log_forwarding();
}

}  // namespace ffstream::python
