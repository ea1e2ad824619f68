// Safe mode for filter descriptions: which filters may run on untrusted
// graphs. FFmpeg opens files while it parses a graph (amovie reads its file,
// psnr creates its stats file, lut3d loads its table), so the check reads
// the description's text before FFmpeg sees it.
#pragma once

#include <string>
#include <vector>

namespace ffstream::detail {

// One filter of a description: its name (without "@instance") and the text
// of its arguments, as written.
struct FilterCall {
  std::string name;
  std::string args;
};

// The filters of a graph description, in order: chains split at ';',
// filters at ',', pad labels removed; quotes ('...') and backslash escapes
// are respected.
std::vector<FilterCall> filter_calls(const std::string& description);

// Why safe mode refuses `description` (a filter that reads or writes
// files, loads code or uses the network, or an option naming a file), or
// "" when it may run.
std::string refused_by_safe_mode(const std::string& description);

}  // namespace ffstream::detail
