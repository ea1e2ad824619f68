// What the bindings of stateful core objects share: one caller at a time
// (each call runs with the GIL released, so two Python threads could
// otherwise be inside one object at once), and Python ints turned into the
// core's int indices.
#pragma once

#include <pybind11/pybind11.h>

#include <climits>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "ffstream/error.h"
#include "py_log.h"

namespace ffstream::python {

// A core object and the lock that keeps a second thread out while one is
// using it: the second raises instead of corrupting the object.
template <typename T>
class Guarded {
 public:
  // `what` names the object in the error ("StreamReader").
  Guarded(std::unique_ptr<T> object, const char* what)
      : object_(std::move(object)), what_(what) {}

  // Runs `f(object)` with the GIL released and the object locked.
  template <typename F>
  auto call(F&& f) -> decltype(f(std::declval<T&>())) {
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) {
      throw Error(ErrorKind::kGeneric, std::string("this ") + what_ +
                                           " is in use by another thread; use "
                                           "one per thread");
    }
    DeliverLogAfter deliver;  // destroyed after `release`: the GIL is back
    pybind11::gil_scoped_release release;
    return f(*object_);
  }

 protected:
  std::mutex mutex_;
  std::unique_ptr<T> object_;

 private:
  const char* what_;
};

// Python ints are unbounded; an index beyond int's range is simply out of
// range (not a TypeError from the argument conversion).
inline int to_index(int64_t index, const char* what) {
  if (index < INT_MIN || index > INT_MAX) {
    throw Error(ErrorKind::kIndexOutOfRange,
                std::string(what) + " " + std::to_string(index) +
                    " is out of range");
  }
  return static_cast<int>(index);
}

}  // namespace ffstream::python
