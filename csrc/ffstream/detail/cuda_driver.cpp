#include "ffstream/detail/cuda_driver.h"

#include <dlfcn.h>

#include <mutex>

#include "ffstream/error.h"

namespace ffstream::detail::cuda {

namespace {

struct Loaded {
  Driver driver;
  std::string problem;
};

template <typename Fn>
bool bind(void* lib, const char* name, Fn* fn, std::string* problem) {
  void* symbol = dlsym(lib, name);
  if (symbol == nullptr) {
    *problem = std::string("libcuda.so.1 has no ") + name + " (driver too old)";
    return false;
  }
  *fn = reinterpret_cast<Fn>(symbol);
  return true;
}

Loaded load() {
  Loaded out;
  // Never closed: FFmpeg holds its own handle, and the driver stays loaded
  // for the life of the process anyway.
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    out.problem = std::string("no CUDA driver: libcuda.so.1 could not be loaded (") +
                  (why ? why : "not found") + ")";
    return out;
  }
  Driver& d = out.driver;
  std::string& p = out.problem;
  // The _v2 names are the 64-bit entry points cuda.h maps the plain ones to.
  if (!bind(lib, "cuCtxPushCurrent_v2", &d.ctx_push, &p) ||
      !bind(lib, "cuCtxPopCurrent_v2", &d.ctx_pop, &p) ||
      !bind(lib, "cuMemAlloc_v2", &d.mem_alloc, &p) ||
      !bind(lib, "cuMemFree_v2", &d.mem_free, &p) ||
      !bind(lib, "cuMemcpy2DAsync_v2", &d.copy_2d_async, &p) ||
      !bind(lib, "cuMemcpyDtoDAsync_v2", &d.copy_async, &p) ||
      !bind(lib, "cuStreamSynchronize", &d.stream_sync, &p) ||
      !bind(lib, "cuGetErrorString", &d.error_string, &p)) {
    out.driver = Driver{};
  }
  return out;
}

const Loaded& loaded() {
  static const Loaded instance = load();
  return instance;
}

}  // namespace

const std::string& driver_problem() { return loaded().problem; }

const Driver& driver() {
  const Loaded& l = loaded();
  if (!l.problem.empty()) throw Error(ErrorKind::kNotImplemented, l.problem);
  return l.driver;
}

void check(Result result, const char* call, const std::string& context) {
  if (result == 0) return;
  const char* why = nullptr;
  if (driver().error_string(result, &why) != 0 || why == nullptr) why = "unknown error";
  throw Error(ErrorKind::kGeneric, std::string(call) + " failed for " + context +
                                       ": " + why + " (CUDA error " +
                                       std::to_string(result) + ")");
}

ScopedContext::ScopedContext(Context ctx, const std::string& context) {
  check(driver().ctx_push(ctx), "cuCtxPushCurrent", context);
}

ScopedContext::~ScopedContext() {
  Context ignored = nullptr;
  driver().ctx_pop(&ignored);
}

}  // namespace ffstream::detail::cuda
