// Chunk -> Python. A chunk exports itself through DLPack (__dlpack__ and
// __dlpack_device__), so torch.from_dlpack, numpy.from_dlpack and others wrap
// its memory without copying; the capsule keeps the storage alive.
#include <pybind11/stl.h>

#include "dlpack_abi.h"
#include "ffstream/chunk.h"
#include "register.h"

namespace py = pybind11;

namespace ffstream::python {

namespace {

dlpack::DataType to_dl(DType dtype) {
  dlpack::DataType t;
  t.lanes = 1;
  t.bits = static_cast<uint8_t>(dtype_size(dtype) * 8);
  switch (dtype) {
    case DType::kUInt8:
    case DType::kUInt16: t.code = dlpack::kUInt; break;
    case DType::kFloat32:
    case DType::kFloat64: t.code = dlpack::kFloat; break;
    default: t.code = dlpack::kInt; break;
  }
  return t;
}

dlpack::Device dl_device(const Chunk& chunk) {
  if (chunk.device == DeviceKind::kCuda) return {dlpack::kCuda, chunk.device_index};
  return {dlpack::kCpu, 0};
}

// What a capsule owns: the storage plus the shape/strides arrays it points to.
struct ManagedChunk {
  Chunk chunk;
  dlpack::ManagedTensor tensor;
};

void delete_managed(dlpack::ManagedTensor* t) {
  delete static_cast<ManagedChunk*>(t->manager_ctx);
}

// Called when the capsule dies; frees it unless a consumer took ownership
// (consumers rename the capsule to "used_dltensor").
void capsule_destructor(PyObject* capsule) {
  if (PyCapsule_IsValid(capsule, "dltensor")) {
    auto* t = static_cast<dlpack::ManagedTensor*>(
        PyCapsule_GetPointer(capsule, "dltensor"));
    t->deleter(t);
  }
}

py::capsule to_dlpack(const Chunk& chunk) {
  auto* managed = new ManagedChunk{chunk, {}};
  dlpack::Tensor& t = managed->tensor.dl_tensor;
  t.data = managed->chunk.data;
  t.device = dl_device(chunk);
  t.ndim = static_cast<int32_t>(managed->chunk.shape.size());
  t.dtype = to_dl(chunk.dtype);
  t.shape = managed->chunk.shape.data();
  t.strides = managed->chunk.strides.data();
  t.byte_offset = 0;
  managed->tensor.manager_ctx = managed;
  managed->tensor.deleter = &delete_managed;
  PyObject* capsule =
      PyCapsule_New(&managed->tensor, "dltensor", &capsule_destructor);
  if (capsule == nullptr) {
    delete managed;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(capsule);
}

}  // namespace

void register_chunk(py::module_& m) {
  py::class_<Chunk>(m, "Chunk",
                    "Decoded frames of one output: strided memory plus the "
                    "pts of the first frame. Export with torch.from_dlpack.")
      .def_readonly("pts", &Chunk::pts, "Seconds, of the first frame.")
      .def_property_readonly(
          "frame_pts",
          [](const Chunk& c) -> py::object {
            if (!c.has_frame_times) return py::none();
            return py::cast(c.frame_pts);
          },
          "Video: each frame's pts, seconds (a list); audio: None.")
      .def_property_readonly(
          "frame_duration",
          [](const Chunk& c) -> py::object {
            if (!c.has_frame_times) return py::none();
            return py::cast(c.frame_duration);
          },
          "Video: each frame's duration, seconds (a list); audio: None.")
      .def_readonly("shape", &Chunk::shape)
      .def_readonly("strides", &Chunk::strides, "In elements.")
      .def_property_readonly(
          "dtype", [](const Chunk& c) { return dtype_name(c.dtype); })
      .def(
          "__dlpack__",
          [](const Chunk& c, py::object stream) {
            // A CUDA chunk's copies finished before it left the reader, so
            // it is ready on every stream a consumer names.
            if (!stream.is_none() && c.device != DeviceKind::kCuda) {
              throw py::value_error("a CPU chunk takes no stream");
            }
            return to_dlpack(c);
          },
          py::arg("stream") = py::none())
      .def("__dlpack_device__", [](const Chunk& c) {
        const dlpack::Device d = dl_device(c);
        return py::make_tuple(int(d.device_type), d.device_id);
      });
}

}  // namespace ffstream::python
