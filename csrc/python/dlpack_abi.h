// The DLPack exchange ABI, as far as ffstream uses it: our own declaration of
// the C structs that torch.from_dlpack and numpy.from_dlpack read out of a
// "dltensor" capsule (the unversioned DLManagedTensor of DLPack 0.x-1.x).
// Field order, types and enum values are the ABI and must not change; the
// names are ours, so no DLPack header is needed to build the bindings.
#pragma once

#include <cstdint>

namespace ffstream::python::dlpack {

// Where the memory lives (DLDeviceType).
enum DeviceType : int32_t {
  kCpu = 1,
  kCuda = 2,
};

struct Device {
  DeviceType device_type;
  int32_t device_id;
};

// What one element is (DLDataTypeCode).
enum TypeCode : uint8_t {
  kInt = 0,
  kUInt = 1,
  kFloat = 2,
};

struct DataType {
  uint8_t code;  // a TypeCode
  uint8_t bits;
  uint16_t lanes;
};

// DLTensor: shape and strides are in elements, strides may be null for a
// compact row-major tensor.
struct Tensor {
  void* data;
  Device device;
  int32_t ndim;
  DataType dtype;
  int64_t* shape;
  int64_t* strides;
  uint64_t byte_offset;
};

// DLManagedTensor: the consumer calls deleter(self) once it is done.
struct ManagedTensor {
  Tensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(ManagedTensor* self);
};

// The ABI is fixed; catch a mistake here rather than in a consumer.
static_assert(sizeof(Device) == 8, "DLDevice is two 32-bit fields");
static_assert(sizeof(DataType) == 4, "DLDataType is 4 bytes");
static_assert(sizeof(Tensor) == 48, "DLTensor is 48 bytes on 64-bit targets");
static_assert(sizeof(ManagedTensor) == 64, "DLManagedTensor is 64 bytes");

}  // namespace ffstream::python::dlpack
