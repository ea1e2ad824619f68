// StreamReader binding. One class for every source kind (path/URL, buffer,
// file object). Every call into the core runs with the GIL released, under a
// per-reader lock: a reader used from two threads at once raises instead of
// corrupting its state.
#include <pybind11/stl.h>

#include <mutex>

#include "ffstream/error.h"
#include "ffstream/stream_reader.h"
#include "guarded.h"
#include "py_log.h"
#include "py_readers.h"
#include "register.h"

namespace py = pybind11;

namespace ffstream::python {

namespace {

// A StreamReader that one thread at a time may use (see Guarded), and that
// any thread may interrupt or close.
class PyStreamReader : public Guarded<StreamReader> {
 public:
  explicit PyStreamReader(std::unique_ptr<StreamReader> reader)
      : Guarded(std::move(reader), "StreamReader") {}

  // Needs neither the lock nor the GIL: it only raises a flag.
  void interrupt() { object_->interrupt(); }

  // From any thread: a call in progress on another thread (a wait for
  // data, a reconnect's back-off) is interrupted, and the reader closes as
  // soon as that call has returned.
  void close() {
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) {
      object_->interrupt();
      py::gil_scoped_release release;
      lock.lock();
    }
    py::gil_scoped_release release;
    object_->close();
  }
};

std::unique_ptr<StreamReader> open(py::object src, const OpenOptions& options) {
  if (py::hasattr(src, "__fspath__")) {
    src = py::module_::import("os").attr("fsdecode")(src);
  }
  if (py::isinstance<py::str>(src)) {
    auto path = src.cast<std::string>();
    if (path.find('\0') != std::string::npos) {
      throw Error(ErrorKind::kInvalidArgument,
                  "src contains a NUL character: " + py::repr(src).cast<std::string>());
    }
    py::gil_scoped_release release;
    return std::make_unique<StreamReader>(path, options);
  }
  std::unique_ptr<Reader> reader;
  if (PyObject_CheckBuffer(src.ptr())) {
    reader = PyBufferReader::from(src);
  } else if (py::hasattr(src, "read")) {
    reader = std::make_unique<PyFileReader>(src);
  } else {
    throw Error(ErrorKind::kInvalidArgument,
                "src must be a path or URL (str or os.PathLike), a bytes-like "
                "object or a file-like object with read(); got " +
                    std::string(py::str(py::type::of(src).attr("__name__"))));
  }
  py::gil_scoped_release release;
  return std::make_unique<StreamReader>(std::move(reader), options);
}

// The option structs of options.h as Python classes whose attributes are
// their fields: the Python layer fills one in and passes it whole, so a new
// option is a field there, one line here and one in _ffstream.pyi (which
// CI's stubtest checks against this module).
void register_options(py::module_& m) {
  py::enum_<MediaType>(m, "MediaType")
      .value("audio", MediaType::kAudio)
      .value("video", MediaType::kVideo);

  using O = OpenOptions;
  py::class_<O>(m, "OpenOptions", "How a StreamReader opens its source.")
      .def(py::init<>())
      .def_readwrite("format", &O::format)
      .def_readwrite("option", &O::option)
      .def_readwrite("buffer_size", &O::buffer_size)
      .def_readwrite("safe", &O::safe)
      .def_readwrite("timeout", &O::timeout, "seconds")
      .def_readwrite("reconnect", &O::reconnect);

  using Out = OutputOptions;
  py::class_<Out>(m, "OutputOptions", "One output of a StreamReader.")
      .def(py::init<>())
      .def_readwrite("media_type", &Out::media_type)
      // Checked here: a Python int may not fit the core's int.
      .def_property(
          "source_index", [](const Out& o) { return o.source_index; },
          [](Out& o, int64_t i) { o.source_index = to_index(i, "source stream index"); })
      .def_readwrite("frames_per_chunk", &Out::frames_per_chunk)
      .def_readwrite("seconds_per_chunk", &Out::seconds_per_chunk)
      .def_readwrite("buffer_chunk_size", &Out::buffer_chunk_size)
      .def_readwrite("filter_desc", &Out::filter_desc)
      .def_readwrite("format", &Out::format)
      .def_readwrite("sample_rate", &Out::sample_rate)
      .def_readwrite("num_channels", &Out::num_channels)
      .def_readwrite("frame_rate", &Out::frame_rate)
      .def_readwrite("width", &Out::width)
      .def_readwrite("height", &Out::height)
      .def_readwrite("yuv_i420", &Out::yuv_i420)
      .def_readwrite("rotate", &Out::rotate)
      .def_readwrite("decoder", &Out::decoder)
      .def_readwrite("decoder_options", &Out::decoder_options)
      .def_readwrite("hw_accel", &Out::hw_accel);
}

// Binds a StreamReader method as a call that runs locked, with the GIL
// released (see PyStreamReader::call).
template <typename Ret, typename... Args>
auto locked(Ret (StreamReader::*method)(Args...)) {
  return [method](PyStreamReader& r, Args... args) -> Ret {
    return r.call([&](StreamReader& s) -> Ret { return (s.*method)(args...); });
  };
}

template <typename Ret, typename... Args>
auto locked(Ret (StreamReader::*method)(Args...) const) {
  return [method](PyStreamReader& r, Args... args) -> Ret {
    return r.call([&](StreamReader& s) -> Ret { return (s.*method)(args...); });
  };
}

}  // namespace

void register_stream_reader(py::module_& m) {
  register_options(m);
  py::enum_<SeekMode>(m, "SeekMode")
      .value("key", SeekMode::kKey)
      .value("any", SeekMode::kAny)
      .value("precise", SeekMode::kPrecise);

  using R = PyStreamReader;
  py::class_<R>(m, "StreamReader")
      .def(py::init([](py::object src, const OpenOptions& options) {
             DeliverLogAfter deliver;  // what FFmpeg logged while opening
             return std::make_unique<R>(open(src, options));
           }),
           py::arg("src"), py::arg("options"))
      .def("close", &R::close)
      .def("interrupt", &R::interrupt)
      .def_property_readonly("closed", locked(&StreamReader::closed))
      .def("num_src_streams", locked(&StreamReader::num_src_streams))
      .def("default_audio_stream", locked(&StreamReader::default_audio_stream))
      .def("default_video_stream", locked(&StreamReader::default_video_stream))
      .def("get_metadata", locked(&StreamReader::metadata))
      .def("container_info", locked(&StreamReader::container_info))
      .def("get_src_stream_info",
           [](R& r, int64_t index) {
             int i = to_index(index, "source stream index");
             return r.call(
                 [i](StreamReader& s) { return s.src_stream_info(i); });
           })
      .def("add_stream",
           [](R& r, const OutputOptions& o) {
             return r.call([&o](StreamReader& s) { return s.add_stream(o); });
           },
           py::arg("options"))
      .def("remove_stream",
           [](R& r, int64_t index) {
             int i = to_index(index, "output stream index");
             r.call([i](StreamReader& s) { s.remove_stream(i); });
           })
      .def("num_out_streams", locked(&StreamReader::num_out_streams))
      .def("get_out_stream_info",
           [](R& r, int64_t index) {
             int i = to_index(index, "output stream index");
             return r.call(
                 [i](StreamReader& s) { return s.out_stream_info(i); });
           })
      .def("seek", locked(&StreamReader::seek))
      .def("seek_counters", locked(&StreamReader::seek_counters))
      .def("frame_index",
           [](R& r, int64_t index) {
             int i = to_index(index, "source stream index");
             return r.call([i](StreamReader& s) { return s.frame_index(i); });
           })
      .def("frames_at",
           [](R& r, int64_t output, std::vector<int64_t> indices) {
             int o = to_index(output, "output stream index");
             return r.call([&](StreamReader& s) { return s.frames_at(o, indices); });
           })
      .def("frames_played_at",
           [](R& r, int64_t output, std::vector<double> seconds) {
             int o = to_index(output, "output stream index");
             return r.call(
                 [&](StreamReader& s) { return s.frames_played_at(o, seconds); });
           })
      .def("stats", locked(&StreamReader::stats))
      .def("outputs_that_began_dropping",
           locked(&StreamReader::outputs_that_began_dropping))
      .def("process_packet", locked(&StreamReader::process_packet))
      .def("process_all_packets", locked(&StreamReader::process_all_packets))
      .def("fill_buffer", locked(&StreamReader::fill_buffer))
      .def("is_buffer_ready", locked(&StreamReader::is_buffer_ready))
      .def("pop_chunks", locked(&StreamReader::pop_chunks));
}

}  // namespace ffstream::python
