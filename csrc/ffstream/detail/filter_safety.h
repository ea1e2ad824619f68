// Safe mode for filter descriptions: which filters may run on untrusted
// graphs. FFmpeg opens files while it parses a graph (amovie reads its file,
// psnr creates its stats file, lut3d loads its table), so the description
// is read here first, token by token as FFmpeg's graph parser reads it, and
// only filters on an allow-list of filters that touch nothing but their
// frames may run.
#pragma once

#include <string>
#include <vector>

namespace ffstream::detail {

// One filter of a description: its name as FFmpeg will look it up (quotes
// and escapes removed, without "@instance") and its arguments, unescaped.
struct FilterCall {
  std::string name;
  std::string args;
};

// The filters of a graph description, in order, read with FFmpeg's own
// tokenizer and grammar (chains split at ';', filters at ',', pad labels
// skipped). Sets `error` for text FFmpeg would not parse either.
std::vector<FilterCall> filter_calls(const std::string& description,
                                     std::string* error = nullptr);

// Why safe mode refuses `description` (a filter not on the allow-list, a
// sws_flags prefix, text that does not parse), or "" when it may run.
std::string refused_by_safe_mode(const std::string& description);

// Whether safe mode lets `name` run.
bool allowed_in_safe_mode(const std::string& name);

}  // namespace ffstream::detail
