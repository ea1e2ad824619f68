#include "ffstream/detail/raii.h"

#include "ffstream/error.h"

namespace ffstream::detail {

FramePtr make_frame() {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw std::bad_alloc();
  return frame;
}

PacketPtr make_packet() {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw std::bad_alloc();
  return packet;
}

Dict::Dict(const OptionMap& options) {
  for (const auto& [key, value] : options) {
    if (av_dict_set(&dict_, key.c_str(), value.c_str(), 0) < 0) {
      throw std::bad_alloc();
    }
  }
}

std::vector<std::string> Dict::keys() const {
  std::vector<std::string> out;
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(dict_, "", e, AV_DICT_IGNORE_SUFFIX)) != nullptr) {
    out.emplace_back(e->key);
  }
  return out;
}

void Dict::reject_unused(const std::string& what) const {
  auto unused = keys();
  if (unused.empty()) return;
  std::string names;
  for (const auto& k : unused) names += (names.empty() ? "'" : ", '") + k + "'";
  throw Error(ErrorKind::kInvalidArgument,
              what + " did not use the option(s) " + names +
                  ": check their names and values");
}

OptionMap to_map(const AVDictionary* dict) {
  OptionMap out;
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX)) != nullptr) {
    out.emplace(e->key, e->value);
  }
  return out;
}

}  // namespace ffstream::detail
