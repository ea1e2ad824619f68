#include "ffstream/detail/filter_safety.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iterator>

namespace ffstream::detail {

namespace {

// Filters whose work reaches outside the frames: they read or write files
// (whatever their options say, often through a positional argument), load
// plugins or models, or talk to the network.
const char* const kRefused[] = {
    "movie", "amovie", "subtitles", "ass", "sendcmd", "asendcmd", "zmq",
    "azmq", "frei0r", "frei0r_src", "ladspa", "lv2", "lut3d", "lut1d",
    "arnndn", "sofalizer", "removelogo", "find_rect", "cover_rect",
    "libvmaf", "vidstabdetect", "vidstabtransform", "signature", "lensfun",
    "ocr", "asr", "whisper", "psnr", "ssim", "vmafmotion", "sr", "derain",
    "coreimage", "coreimagesrc", "openclsrc", "program_opencl", "metadata",
    "ametadata", "drawtext", "qrencode", "qrencodesrc"};

bool refused_name(const std::string& name) {
  return std::any_of(std::begin(kRefused), std::end(kRefused),
                     [&](const char* k) { return name == k; });
}

// An option key that names a file or a model to load.
bool names_a_file(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  auto ends_with = [&key](const char* tail) {
    const size_t n = std::strlen(tail);
    return key.size() >= n && key.compare(key.size() - n, n, tail) == 0;
  };
  return ends_with("file") || ends_with("filename") || ends_with("path") ||
         key == "model" || key == "sofa" || key == "db";
}

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// Splits `text` at unquoted, unescaped occurrences of any of `seps`.
std::vector<std::string> split(const std::string& text, const char* seps) {
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      parts.back() += c;
      parts.back() += text[++i];
      continue;
    }
    if (c == '\'') quoted = !quoted;
    if (!quoted && std::strchr(seps, c) != nullptr) {
      parts.emplace_back();
      continue;
    }
    parts.back() += c;
  }
  return parts;
}

// Removes leading and trailing "[label]" groups.
std::string without_labels(std::string s) {
  s = trim(s);
  while (!s.empty() && s.front() == '[') {
    const size_t end = s.find(']');
    if (end == std::string::npos) break;
    s = trim(s.substr(end + 1));
  }
  while (!s.empty() && s.back() == ']') {
    const size_t start = s.rfind('[');
    if (start == std::string::npos) break;
    s = trim(s.substr(0, start));
  }
  return s;
}

}  // namespace

std::vector<FilterCall> filter_calls(const std::string& description) {
  std::vector<FilterCall> calls;
  for (const std::string& part : split(description, ",;")) {
    const std::string filter = without_labels(part);
    if (filter.empty()) continue;
    FilterCall call;
    const size_t eq = filter.find('=');
    call.name = trim(filter.substr(0, eq));
    if (eq != std::string::npos) call.args = filter.substr(eq + 1);
    const size_t at = call.name.find('@');
    if (at != std::string::npos) call.name.resize(at);
    calls.push_back(std::move(call));
  }
  return calls;
}

std::string refused_by_safe_mode(const std::string& description) {
  for (const FilterCall& call : filter_calls(description)) {
    if (refused_name(call.name) || call.name.rfind("dnn_", 0) == 0) {
      return "filter '" + call.name +
             "' reads or writes files, loads code or uses the network";
    }
    for (const std::string& option : split(call.args, ":")) {
      const size_t eq = option.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = trim(option.substr(0, eq));
      if (names_a_file(key)) {
        return "option '" + key + "' of filter '" + call.name +
               "' names a file";
      }
    }
  }
  return "";
}

}  // namespace ffstream::detail
