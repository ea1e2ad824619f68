#include "ffstream/detail/frame_by_frame.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iterator>

namespace ffstream::detail {

namespace {

// The filters that turn each frame into one frame, from that frame alone,
// keeping its pts: format and size conversion, geometry, colour, per-frame
// spatial filters. Every filter not listed is refused, since it may change
// which frames come out or when (fps, select, setpts, trim, tpad, reverse,
// framestep, minterpolate, yadif, telecine, ...) or carry earlier frames
// into later ones (tmix, hqdn3d, fade, deflicker, noise, overlay, ...).
//
// Some of these evaluate expressions per frame, and an expression can count
// the frames the filter has seen (crop=x='n*2'), which restarts at a seek.
// `counter` names that variable where the filter has one.
struct PerFrameFilter {
  const char* name;
  const char* counter;
};
const PerFrameFilter kPerFrame[] = {
    // plumbing and properties
    {"buffer", nullptr}, {"buffersink", nullptr}, {"null", nullptr},
    {"copy", nullptr}, {"format", nullptr}, {"noformat", nullptr},
    {"setsar", nullptr}, {"setdar", nullptr}, {"setrange", nullptr},
    {"setparams", nullptr}, {"setfield", nullptr},
    // size and geometry
    {"scale", "n"}, {"crop", "n"}, {"pad", nullptr}, {"transpose", nullptr},
    {"hflip", nullptr}, {"vflip", nullptr}, {"rotate", "n"},
    {"fillborders", nullptr}, {"lenscorrection", nullptr},
    {"pixelize", nullptr}, {"swaprect", nullptr}, {"swapuv", nullptr},
    {"shuffleplanes", nullptr}, {"alphaextract", nullptr},
    {"super2xsai", nullptr}, {"hqx", nullptr}, {"xbr", nullptr},
    // colour
    {"eq", "n"}, {"hue", "n"}, {"colorbalance", nullptr},
    {"colorchannelmixer", nullptr}, {"colorlevels", nullptr},
    {"colorspace", nullptr}, {"colormatrix", nullptr},
    {"colorcontrast", nullptr}, {"colorcorrect", nullptr},
    {"colorize", nullptr}, {"colortemperature", nullptr},
    {"colorkey", nullptr}, {"chromakey", nullptr}, {"lumakey", nullptr},
    {"curves", nullptr}, {"exposure", nullptr}, {"huesaturation", nullptr},
    {"limiter", nullptr}, {"lut", nullptr}, {"lutrgb", nullptr},
    {"lutyuv", nullptr}, {"monochrome", nullptr}, {"negate", nullptr},
    {"selectivecolor", nullptr}, {"vibrance", nullptr}, {"geq", "N"},
    // spatial
    {"avgblur", nullptr}, {"boxblur", nullptr}, {"gblur", nullptr},
    {"smartblur", nullptr}, {"unsharp", nullptr}, {"cas", nullptr},
    {"convolution", nullptr}, {"edgedetect", nullptr}, {"sobel", nullptr},
    {"prewitt", nullptr}, {"roberts", nullptr}, {"scharr", nullptr},
    {"median", nullptr}, {"deblock", nullptr}, {"deflate", nullptr},
    {"inflate", nullptr}, {"dilation", nullptr}, {"erosion", nullptr},
    {"gradfun", nullptr}, {"removegrain", nullptr}, {"nlmeans", nullptr},
    {"chromanr", nullptr}, {"drawbox", nullptr}, {"drawgrid", nullptr},
};

// Expression functions that keep state from one frame to the next: st()
// and ld() read and write registers that persist, random() advances one.
const char* const kStatefulFunctions[] = {"st", "ld", "random"};

// Whether `text` (an expression, or any option string) names `word`: an
// identifier equal to it, not part of a longer one nor of a number; with
// `call`, only where a '(' follows (a function call).
bool names(const char* text, const char* word, bool call) {
  const auto part = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  };
  const size_t length = std::strlen(word);
  const char* p = text;
  while (*p != '\0') {
    if (!part(*p)) {
      ++p;
      continue;
    }
    const char* start = p;
    while (part(*p)) ++p;
    if (static_cast<size_t>(p - start) != length ||
        std::strncmp(start, word, length) != 0) {
      continue;
    }
    const char* next = p + std::strspn(p, " \t\n\r");
    if (!call || *next == '(') return true;
  }
  return false;
}

// The first string option of `filter` (its expressions among them) that
// uses `counter` or a stateful function, and how: "" when none does.
std::string stateful_option(AVFilterContext* filter, const char* counter) {
  void* priv = filter->priv;
  if (priv == nullptr || filter->filter->priv_class == nullptr) return "";
  for (const AVOption* o = nullptr; (o = av_opt_next(priv, o)) != nullptr;) {
    if (o->type != AV_OPT_TYPE_STRING) continue;
    uint8_t* value = nullptr;
    if (av_opt_get(priv, o->name, 0, &value) < 0 || value == nullptr) continue;
    const std::string text = reinterpret_cast<const char*>(value);
    av_free(value);
    const std::string option = std::string(o->name) + "='" + text + "'";
    if (counter != nullptr && names(text.c_str(), counter, false)) {
      return option + ", whose " + counter + " counts the frames it has seen";
    }
    for (const char* f : kStatefulFunctions) {
      if (names(text.c_str(), f, true)) {
        return option + ", whose " + f + "() keeps state from frame to frame";
      }
    }
  }
  return "";
}

}  // namespace

std::string why_not_frame_by_frame(const AVFilterGraph* graph) {
  for (unsigned i = 0; i < graph->nb_filters; ++i) {
    AVFilterContext* filter = graph->filters[i];
    const char* name = filter->filter->name;
    const auto* entry = std::find_if(
        std::begin(kPerFrame), std::end(kPerFrame),
        [name](const PerFrameFilter& f) { return std::strcmp(f.name, name) == 0; });
    if (entry == std::end(kPerFrame)) {
      return "filter '" + std::string(name) +
             "' may change which frames come out or when, or mix frames "
             "together; only filters that turn each frame into one frame "
             "with its pts are allowed (scale, crop, pad, format, flips, "
             "transpose, colour and per-frame spatial filters)";
    }
    const std::string option = stateful_option(filter, entry->counter);
    if (!option.empty()) {
      return "filter '" + std::string(name) + "' has " + option +
             ": after a seek it would start over";
    }
  }
  return "";
}

}  // namespace ffstream::detail
