#include "ffstream/detail/filter_safety.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "ffstream/detail/ffmpeg.h"

namespace ffstream::detail {

namespace {

// Filters that work on their frames alone: no option of theirs names a
// file, a library, a model, a device or a URL. Anything else (movie,
// amovie, subtitles, sendcmd, lut3d, curves with a psfile, drawtext,
// psnr's stats file, ladspa, zmq, dnn_*, ...) is refused in safe mode.
const char* const kAllowed[] = {
    // audio
    "abuffer", "abuffersink", "acompressor", "acrossfade", "acrusher",
    "adeclick", "adeclip", "adelay", "aderivative", "aecho", "aemphasis",
    "aeval", "afade", "afftdn", "aformat", "agate", "aintegral", "alimiter",
    "allpass", "aloop", "amerge", "amix", "anlmdn", "anull", "apad",
    "aphaser", "apulsator", "areverse", "aresample", "asetnsamples",
    "asetpts", "asetrate", "asettb", "ashowinfo", "asplit", "astats",
    "atempo", "atrim", "bandpass", "bandreject", "bass", "biquad", "chorus",
    "channelmap", "channelsplit", "compand", "crystalizer", "dcshift",
    "deesser", "dynaudnorm", "earwax", "equalizer", "extrastereo",
    "flanger", "highpass", "highshelf", "join", "loudnorm",
    "lowpass", "lowshelf", "pan", "silencedetect", "silenceremove",
    "speechnorm", "stereotools", "stereowiden", "superequalizer", "treble",
    "tremolo", "vibrato", "volume", "volumedetect", "anoisesrc", "sine",
    "aevalsrc", "anullsrc", "showspectrum", "showspectrumpic", "showwaves",
    "showwavespic", "showfreqs", "showvolume", "avectorscope",
    // video
    "buffer", "buffersink", "alphaextract", "alphamerge", "avgblur",
    "blend", "boxblur", "chromakey", "colorbalance", "colorchannelmixer",
    "colorkey", "colorlevels", "colorspace", "convolution", "copy", "crop",
    "deband", "deflate", "dilation", "drawbox", "drawgrid", "edgedetect",
    "elbg", "eq", "erosion", "fade", "field", "fieldorder", "format", "fps",
    "framestep", "gblur", "geq", "gradfun", "hflip", "histeq", "hqdn3d",
    "hstack", "hue", "inflate", "interlace", "kerndeint", "lagfun",
    "lenscorrection", "lumakey", "lut", "lutrgb", "lutyuv", "median",
    "negate", "noformat", "noise", "null", "overlay", "pad", "pixelize",
    "rotate", "scale", "scroll", "select", "selectivecolor", "separatefields",
    "setdar", "setfield", "setparams", "setpts", "setrange", "setsar",
    "settb", "showinfo", "shuffleframes", "shuffleplanes", "smartblur",
    "split", "swapuv", "tblend", "telecine", "thumbnail", "tile", "tinterlace",
    "tmix", "tpad", "transpose", "trim", "unsharp", "untile", "vflip",
    "vibrance", "vignette", "vstack", "xfade", "xstack", "yadif", "zoompan",
    "color", "testsrc", "testsrc2", "smptebars", "rgbtestsrc", "nullsrc",
    "mandelbrot", "gradients"};

const char kWhitespace[] = " \n\t\r";

// FFmpeg's av_get_token, returning a std::string.
std::string token(const char** p, const char* terminators) {
  char* raw = av_get_token(p, terminators);
  if (raw == nullptr) throw std::bad_alloc();
  std::string text = raw;
  av_free(raw);
  return text;
}

void skip_space(const char** p) { *p += std::strspn(*p, kWhitespace); }

// "[label]" groups before or after a filter, read as FFmpeg's
// parse_link_name reads them. False when one is malformed.
bool skip_labels(const char** p) {
  while (**p == '[') {
    ++*p;
    if (token(p, "]").empty() || **p != ']') return false;
    ++*p;
    skip_space(p);
  }
  return true;
}

}  // namespace

bool allowed_in_safe_mode(const std::string& name) {
  return std::any_of(std::begin(kAllowed), std::end(kAllowed),
                     [&](const char* k) { return name == k; });
}

// Mirrors avfilter_graph_parse2: optional sws_flags, then chains of
// [in]filter=args[out] separated by ',' and ';'.
std::vector<FilterCall> filter_calls(const std::string& description,
                                     std::string* error) {
  std::vector<FilterCall> calls;
  const char* p = description.c_str();
  skip_space(&p);
  if (std::strncmp(p, "sws_flags=", 10) == 0) {
    const char* end = std::strchr(p, ';');
    if (end == nullptr) {
      if (error) *error = "a sws_flags prefix without ';'";
      return calls;
    }
    p = end + 1;
  }
  char separator = 0;
  do {
    skip_space(&p);
    if (!skip_labels(&p)) {
      if (error) *error = "a malformed pad label";
      return calls;
    }
    FilterCall call;
    call.name = token(&p, "=,;[");
    if (*p == '=') {
      ++p;
      call.args = token(&p, "[],;");
    }
    const size_t at = call.name.find('@');
    if (at != std::string::npos) call.name.resize(at);
    calls.push_back(std::move(call));
    if (!skip_labels(&p)) {
      if (error) *error = "a malformed pad label";
      return calls;
    }
    skip_space(&p);
    separator = *p;
    if (separator != 0) ++p;
  } while (separator == ',' || separator == ';');
  if (separator != 0 && error) *error = "text after the last filter";
  return calls;
}

std::string refused_by_safe_mode(const std::string& description) {
  const char* p = description.c_str();
  p += std::strspn(p, kWhitespace);
  if (std::strncmp(p, "sws_flags=", 10) == 0) {
    return "a sws_flags prefix is not allowed";
  }
  std::string error;
  const std::vector<FilterCall> calls = filter_calls(description, &error);
  if (!error.empty()) return "the description has " + error;
  for (const FilterCall& call : calls) {
    if (!allowed_in_safe_mode(call.name)) {
      return "filter '" + call.name +
             "' is not among the filters that touch nothing but their "
             "frames (see ffstream's README, \"safe mode\")";
    }
  }
  return "";
}

}  // namespace ffstream::detail
