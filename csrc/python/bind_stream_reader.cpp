// StreamReader binding. One class for every source kind (path/URL, buffer,
// file object). Every call into the core runs with the GIL released, under a
// per-reader lock: a reader used from two threads at once raises instead of
// corrupting its state.
#include <pybind11/stl.h>

#include <mutex>

#include "ffstream/error.h"
#include "ffstream/stream_reader.h"
#include "guarded.h"
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

std::unique_ptr<StreamReader> open(py::object src,
                                   std::optional<std::string> format,
                                   OptionMap option, int buffer_size,
                                   bool safe, std::optional<double> timeout,
                                   int reconnect) {
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
    return std::make_unique<StreamReader>(path, format, option, safe, timeout,
                                          reconnect);
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
  return std::make_unique<StreamReader>(std::move(reader), format, option,
                                        buffer_size, safe, timeout);
}

// `fpc` is -1 where `spc` (seconds_per_chunk) is given.
OutputOptions output_options(MediaType type, int64_t index, int64_t fpc,
                             std::optional<double> spc, int64_t bcs,
                             std::optional<std::string> filter,
                             std::optional<std::string> decoder,
                             OptionMap decoder_option,
                             std::optional<std::string> hw_accel) {
  OutputOptions o;
  o.media_type = type;
  o.source_index = to_index(index, "source stream index");
  o.frames_per_chunk = fpc;
  o.seconds_per_chunk = spc;
  o.buffer_chunk_size = bcs;
  o.filter_desc = std::move(filter);
  o.decoder = std::move(decoder);
  o.decoder_options = std::move(decoder_option);
  o.hw_accel = std::move(hw_accel);
  return o;
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
  py::enum_<SeekMode>(m, "SeekMode")
      .value("key", SeekMode::kKey)
      .value("any", SeekMode::kAny)
      .value("precise", SeekMode::kPrecise);

  using R = PyStreamReader;
  py::class_<R>(m, "StreamReader")
      .def(py::init([](py::object src, std::optional<std::string> format,
                       std::optional<OptionMap> option, int buffer_size,
                       bool safe, std::optional<double> timeout, int reconnect) {
             return std::make_unique<R>(open(src, format,
                                             option.value_or(OptionMap{}),
                                             buffer_size, safe, timeout,
                                             reconnect));
           }),
           py::arg("src"), py::arg("format") = py::none(),
           py::arg("option") = py::none(), py::arg("buffer_size") = 4096,
           py::arg("safe") = false, py::arg("timeout") = py::none(),
           py::arg("reconnect") = 0)
      .def("close", &R::close)
      .def("interrupt", &R::interrupt)
      .def_property_readonly("closed", locked(&StreamReader::closed))
      .def("num_src_streams", locked(&StreamReader::num_src_streams))
      .def("default_audio_stream", locked(&StreamReader::default_audio_stream))
      .def("default_video_stream", locked(&StreamReader::default_video_stream))
      .def("get_metadata", locked(&StreamReader::metadata))
      .def("get_src_stream_info",
           [](R& r, int64_t index) {
             int i = to_index(index, "source stream index");
             return r.call(
                 [i](StreamReader& s) { return s.src_stream_info(i); });
           })
      .def(
          "add_audio_stream",
          [](R& r, int64_t i, int64_t fpc, std::optional<double> spc, int64_t bcs,
             std::optional<std::string> filter,
             std::optional<std::string> decoder, OptionMap decoder_option) {
            auto o = output_options(MediaType::kAudio, i, fpc, spc, bcs, filter,
                                    decoder, decoder_option, std::nullopt);
            return r.call([&o](StreamReader& s) { return s.add_stream(o); });
          },
          py::arg("stream_index"), py::arg("frames_per_chunk"),
          py::arg("seconds_per_chunk"), py::arg("buffer_chunk_size"), py::arg("filter_desc"),
          py::arg("decoder"), py::arg("decoder_option"))
      .def(
          "add_video_stream",
          [](R& r, int64_t i, int64_t fpc, std::optional<double> spc, int64_t bcs,
             std::optional<std::string> filter,
             std::optional<std::string> decoder, OptionMap decoder_option,
             std::optional<std::string> hw_accel, bool yuv_i420) {
            auto o = output_options(MediaType::kVideo, i, fpc, spc, bcs, filter,
                                    decoder, decoder_option, hw_accel);
            o.yuv_i420 = yuv_i420;
            return r.call([&o](StreamReader& s) { return s.add_stream(o); });
          },
          py::arg("stream_index"), py::arg("frames_per_chunk"),
          py::arg("seconds_per_chunk"), py::arg("buffer_chunk_size"), py::arg("filter_desc"),
          py::arg("decoder"), py::arg("decoder_option"), py::arg("hw_accel"),
          py::arg("yuv_i420"))
      .def(
          "add_basic_audio_stream",
          [](R& r, int64_t i, int64_t fpc, std::optional<double> spc, int64_t bcs,
             std::optional<std::string> decoder, OptionMap decoder_option,
             std::optional<std::string> format, std::optional<int> sample_rate,
             std::optional<int> num_channels) {
            auto o = output_options(MediaType::kAudio, i, fpc, spc, bcs, std::nullopt,
                                    decoder, decoder_option, std::nullopt);
            o.format = std::move(format);
            o.sample_rate = sample_rate;
            o.num_channels = num_channels;
            return r.call([&o](StreamReader& s) { return s.add_stream(o); });
          },
          py::arg("stream_index"), py::arg("frames_per_chunk"),
          py::arg("seconds_per_chunk"), py::arg("buffer_chunk_size"), py::arg("decoder"),
          py::arg("decoder_option"), py::arg("format"),
          py::arg("sample_rate"), py::arg("num_channels"))
      .def(
          "add_basic_video_stream",
          [](R& r, int64_t i, int64_t fpc, std::optional<double> spc, int64_t bcs,
             std::optional<std::string> decoder, OptionMap decoder_option,
             std::optional<std::string> format,
             std::optional<std::string> frame_rate, std::optional<int> width,
             std::optional<int> height, std::optional<std::string> hw_accel,
             bool yuv_i420, bool rotate) {
            auto o = output_options(MediaType::kVideo, i, fpc, spc, bcs, std::nullopt,
                                    decoder, decoder_option, hw_accel);
            o.yuv_i420 = yuv_i420;
            o.rotate = rotate;
            o.format = std::move(format);
            o.frame_rate = std::move(frame_rate);
            o.width = width;
            o.height = height;
            return r.call([&o](StreamReader& s) { return s.add_stream(o); });
          },
          py::arg("stream_index"), py::arg("frames_per_chunk"),
          py::arg("seconds_per_chunk"), py::arg("buffer_chunk_size"), py::arg("decoder"),
          py::arg("decoder_option"), py::arg("format"), py::arg("frame_rate"),
          py::arg("width"), py::arg("height"), py::arg("hw_accel"),
          py::arg("yuv_i420"), py::arg("rotate"))
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
      .def("seek_counters",
           [](R& r) {
             const SeekCounters c = locked(&StreamReader::seek_counters)(r);
             py::dict d;
             d["demuxer_seeks"] = c.demuxer_seeks;
             d["packets_read"] = c.packets_read;
             d["frames_decoded"] = c.frames_decoded;
             d["frames_dropped"] = c.frames_dropped;
             d["invalid_packets_skipped"] = c.invalid_packets_skipped;
             return d;
           })
      .def("frame_index",
           [](R& r, int64_t index) {
             int i = to_index(index, "source stream index");
             const FrameIndexInfo info =
                 r.call([i](StreamReader& s) { return s.frame_index(i); });
             py::dict d;
             d["pts"] = info.pts;
             d["duration"] = info.duration;
             d["key_frame"] = info.key_frame;
             d["decoded"] = info.decoded;
             return d;
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
