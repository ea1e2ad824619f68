#include "ffstream/chunk.h"

#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(FFSTREAM_GUARD_STORAGE) && defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace ffstream {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kUInt8: return 1;
    case DType::kInt16:
    case DType::kUInt16: return 2;
    case DType::kInt32:
    case DType::kFloat32: return 4;
    case DType::kInt64:
    case DType::kFloat64: return 8;
  }
  return 1;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kUInt8: return "uint8";
    case DType::kInt16: return "int16";
    case DType::kUInt16: return "uint16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
  }
  return "unknown";
}

#if defined(FFSTREAM_GUARD_STORAGE) && defined(__linux__)
namespace {
// Hardening builds (ci/sanitize.sh, ci/fuzz.sh): storage that ends right
// before an inaccessible page, so that a write past it crashes at once,
// whoever makes it. FFmpeg is not instrumented: ASan cannot see its writes.
// Only from 64 KiB on: each guarded block takes two of the 65530 mappings
// the kernel allows a process, and a test holding thousands of small audio
// chunks would run out (tests/cpp/test_converter.cpp guards small frames).
constexpr size_t kGuardFrom = size_t{64} << 10;

Storage allocate_guarded(size_t bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t body = (bytes + page - 1) / page * page;
  void* mapped = mmap(nullptr, body + page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  auto* base = static_cast<uint8_t*>(mapped);
  mprotect(base + body, page, PROT_NONE);
  return Storage(base + body - bytes,
                 [base, size = body + page](uint8_t*) { munmap(base, size); });
}
}  // namespace
#endif

Storage allocate_storage(size_t num_bytes) {
  constexpr size_t kAlignment = 64;
  if (num_bytes > SIZE_MAX / 2) throw std::bad_alloc();
  // aligned_alloc wants a multiple of the alignment.
  const size_t rounded =
      (num_bytes + kStorageTailSlack + kAlignment - 1) / kAlignment * kAlignment;
#if defined(FFSTREAM_GUARD_STORAGE) && defined(__linux__)
  if (rounded >= kGuardFrom) return allocate_guarded(rounded);
#endif
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (p == nullptr) throw std::bad_alloc();
  return Storage(static_cast<uint8_t*>(p), [](uint8_t* q) { std::free(q); });
}

}  // namespace ffstream
