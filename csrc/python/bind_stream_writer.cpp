// StreamWriter binding: the core writer over a path/URL or a Python file
// object, taking its chunks as DLPack capsules (CPU, compact, laid out as
// the core expects; the Python layer arranges that). Every call into the
// core runs with the GIL released, under a per-writer lock (see Guarded).
#include <pybind11/stl.h>

#include "dlpack_abi.h"
#include "ffstream/error.h"
#include "ffstream/stream_writer.h"
#include "guarded.h"
#include "register.h"

namespace py = pybind11;

namespace ffstream::python {

namespace {

// A file-like object with write(bytes) and, optionally, seek(offset,
// whence). A Python exception raised by either surfaces, unchanged, from the
// StreamWriter call that caused the write.
class PyFileWriter : public Writer {
 public:
  explicit PyFileWriter(py::object file) : write_(file.attr("write")), seek_(py::none()) {
    if (py::hasattr(file, "seek")) {
      bool can = true;
      if (py::hasattr(file, "seekable")) can = py::bool_(file.attr("seekable")());
      if (can) seek_ = file.attr("seek");
    }
  }
  ~PyFileWriter() override {
    py::gil_scoped_acquire gil;
    write_ = py::object();
    seek_ = py::object();
  }

  void write(const uint8_t* buf, int64_t size) override {
    py::gil_scoped_acquire gil;
    py::bytes data(reinterpret_cast<const char*>(buf), static_cast<size_t>(size));
    py::object written = write_(data);
    // Raw files may write less than asked; buffered ones (and BytesIO) all.
    if (py::isinstance<py::int_>(written) && written.cast<int64_t>() != size) {
      throw Error(ErrorKind::kGeneric, "write() took " +
                                           std::to_string(written.cast<int64_t>()) +
                                           " of " + std::to_string(size) + " bytes");
    }
  }
  bool seekable() const override { return !seek_.is_none(); }
  int64_t seek(int64_t offset, int whence) override {
    py::gil_scoped_acquire gil;
    py::object pos = seek_(offset, whence);
    if (!py::isinstance<py::int_>(pos)) {
      throw py::type_error("seek() must return the new position as an int");
    }
    return pos.cast<int64_t>();
  }

 private:
  py::object write_;
  py::object seek_;  // None when the object cannot seek
};

// The memory of a "dltensor" capsule, consumed: held until this goes.
class DlpackInput {
 public:
  explicit DlpackInput(const py::capsule& capsule) {
    if (std::string(capsule.name() ? capsule.name() : "") != "dltensor") {
      throw Error(ErrorKind::kInvalidArgument, "expected an unused DLPack capsule");
    }
    managed_ = capsule.get_pointer<dlpack::ManagedTensor>();
    PyCapsule_SetName(capsule.ptr(), "used_dltensor");
    const dlpack::Tensor& t = managed_->dl_tensor;
    if (t.device.device_type != dlpack::kCpu) {
      throw Error(ErrorKind::kInvalidArgument, "the chunk must be in CPU memory");
    }
    // Compact row-major: strides absent, or each the product of the dims after it.
    int64_t expected = 1;
    for (int d = t.ndim - 1; d >= 0; --d) {
      if (t.strides != nullptr && t.shape[d] > 1 && t.strides[d] != expected) {
        throw Error(ErrorKind::kInvalidArgument, "the chunk must be contiguous");
      }
      expected *= t.shape[d];
    }
    bytes_ = expected * ((t.dtype.bits * t.dtype.lanes + 7) / 8);
    data_ = static_cast<const uint8_t*>(t.data) + t.byte_offset;
    frames_ = t.ndim > 0 ? t.shape[0] : 0;
  }
  ~DlpackInput() {
    if (managed_ && managed_->deleter) managed_->deleter(managed_);
  }
  DlpackInput(const DlpackInput&) = delete;
  DlpackInput& operator=(const DlpackInput&) = delete;

  const uint8_t* data() const { return data_; }
  int64_t bytes() const { return bytes_; }
  int64_t frames() const { return frames_; }

 private:
  dlpack::ManagedTensor* managed_ = nullptr;
  const uint8_t* data_ = nullptr;
  int64_t bytes_ = 0;
  int64_t frames_ = 0;
};

class PyStreamWriter : public Guarded<StreamWriter> {
 public:
  explicit PyStreamWriter(std::unique_ptr<StreamWriter> w)
      : Guarded(std::move(w), "StreamWriter") {}

  void write(int64_t index, const py::capsule& chunk, std::optional<double> pts, bool audio) {
    const int i = to_index(index, "stream index");
    DlpackInput input(chunk);
    call([&](StreamWriter& w) {
      const int64_t frame = w.input_frame_bytes(i);
      if (input.bytes() != input.frames() * frame) {
        throw Error(ErrorKind::kInvalidArgument,
                    "the chunk of stream " + std::to_string(i) + " has " +
                        std::to_string(input.bytes()) + " bytes for " +
                        std::to_string(input.frames()) + " frames of " +
                        std::to_string(frame) + " bytes");
      }
      if (audio) {
        w.write_audio_chunk(i, input.data(), input.frames(), pts);
      } else {
        w.write_video_chunk(i, input.data(), input.frames(), pts);
      }
    });
  }
};

std::unique_ptr<StreamWriter> open_writer(py::object dst, const std::string& format,
                                          int buffer_size) {
  if (py::hasattr(dst, "__fspath__")) dst = py::module_::import("os").attr("fsdecode")(dst);
  if (py::isinstance<py::str>(dst)) {
    auto path = dst.cast<std::string>();
    py::gil_scoped_release release;
    return std::make_unique<StreamWriter>(path, format);
  }
  if (!py::hasattr(dst, "write")) {
    throw Error(ErrorKind::kInvalidArgument,
                "dst must be a path or URL (str or os.PathLike) or a file-like object "
                "with write(); got " +
                    std::string(py::str(py::type::of(dst).attr("__name__"))));
  }
  auto writer = std::make_unique<PyFileWriter>(dst);
  py::gil_scoped_release release;
  return std::make_unique<StreamWriter>(std::move(writer), format, buffer_size);
}

}  // namespace

void register_stream_writer(py::module_& m) {
  py::class_<CodecConfig>(m, "CodecConfig", "Encoder settings most codecs share.")
      .def(py::init<>())
      .def_readwrite("bit_rate", &CodecConfig::bit_rate)
      .def_readwrite("compression_level", &CodecConfig::compression_level)
      .def_readwrite("qscale", &CodecConfig::qscale)
      .def_readwrite("gop_size", &CodecConfig::gop_size)
      .def_readwrite("max_b_frames", &CodecConfig::max_b_frames);
  using E = EncoderOptions;
  py::class_<E>(m, "EncoderOptions", "A stream's encoder and the filter before it.")
      .def(py::init<>())
      .def_readwrite("encoder", &E::encoder)
      .def_readwrite("encoder_option", &E::encoder_option)
      .def_readwrite("encoder_format", &E::encoder_format)
      .def_readwrite("codec_config", &E::codec_config)
      .def_readwrite("filter_desc", &E::filter_desc);
  using A = AudioEncodeOptions;
  py::class_<A>(m, "AudioEncodeOptions", "One audio stream of a StreamWriter.")
      .def(py::init<>())
      .def_readwrite("sample_rate", &A::sample_rate)
      .def_readwrite("num_channels", &A::num_channels)
      .def_readwrite("format", &A::format)
      .def_readwrite("encoder_sample_rate", &A::encoder_sample_rate)
      .def_readwrite("encoder_num_channels", &A::encoder_num_channels)
      .def_readwrite("encoding", &A::encoding);
  using V = VideoEncodeOptions;
  py::class_<V>(m, "VideoEncodeOptions", "One video stream of a StreamWriter.")
      .def(py::init<>())
      .def_readwrite("frame_rate", &V::frame_rate)
      .def_readwrite("width", &V::width)
      .def_readwrite("height", &V::height)
      .def_readwrite("format", &V::format)
      .def_readwrite("encoder_frame_rate", &V::encoder_frame_rate)
      .def_readwrite("encoder_width", &V::encoder_width)
      .def_readwrite("encoder_height", &V::encoder_height)
      .def_readwrite("hw_accel", &V::hw_accel)
      .def_readwrite("encoding", &V::encoding);

  using W = PyStreamWriter;
  py::class_<W>(m, "StreamWriter")
      .def(py::init([](py::object dst, const std::string& format, int buffer_size) {
             return std::make_unique<W>(open_writer(dst, format, buffer_size));
           }),
           py::arg("dst"), py::arg("format"), py::arg("buffer_size"))
      .def("add_audio_stream",
           [](W& w, const A& o) {
             return w.call([&](StreamWriter& s) { return s.add_audio_stream(o); });
           })
      .def("add_video_stream",
           [](W& w, const V& o) {
             return w.call([&](StreamWriter& s) { return s.add_video_stream(o); });
           })
      .def("set_metadata",
           [](W& w, const OptionMap& metadata) {
             w.call([&](StreamWriter& s) { s.set_metadata(metadata); });
           })
      .def("open",
           [](W& w, const OptionMap& option) {
             w.call([&](StreamWriter& s) { s.open(option); });
           })
      .def("write_audio_chunk",
           [](W& w, int64_t i, const py::capsule& chunk, std::optional<double> pts) {
             w.write(i, chunk, pts, true);
           })
      .def("write_video_chunk",
           [](W& w, int64_t i, const py::capsule& chunk, std::optional<double> pts) {
             w.write(i, chunk, pts, false);
           })
      .def("flush", [](W& w) { w.call([](StreamWriter& s) { s.flush(); }); })
      .def("close", [](W& w) { w.call([](StreamWriter& s) { s.close(); }); })
      .def("num_streams",
           [](W& w) { return w.call([](StreamWriter& s) { return s.num_streams(); }); });
}

}  // namespace ffstream::python
