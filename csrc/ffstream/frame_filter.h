// FrameFilter: an FFmpeg filter graph run on frames held in memory, not on a
// decoded source. Samples or images are pushed into the graph's named inputs
// and come out of its named outputs as chunks, so a waveform can go through
// "atempo=1.25,aecho=..." and two streams through "[a][b]amix". Not
// thread-safe; FFmpeg stays behind the pImpl.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ffstream/chunk.h"

namespace ffstream {

// One input of the graph and the frames that will be pushed into it.
struct FilterInputSpec {
  // The input's label in the description ("a" for "[a]"); empty for the
  // graph's one unlabeled input.
  std::string name;
  bool video = false;
  // Audio: a sample format ("flt", "s16", "fltp", ...). Packed formats take
  // (samples, channels) interleaved; planar ones one plane per channel.
  // Video: a packed 8-bit pixel format ("rgb24", "gray", "rgba", ...),
  // frames as (height, width, channels).
  std::string format;
  int sample_rate = 0;
  int num_channels = 0;
  std::string channel_layout;  // FFmpeg's name ("stereo"); empty: default
  int width = 0, height = 0;
  int frame_rate_num = 0, frame_rate_den = 1;
};

// What one output gives: chunks shaped as StreamReader's (audio (N, C),
// video (N, C, H, W)), in `format`.
struct FilterOutputInfo {
  std::string name;  // its label, or "" for the one unlabeled output
  bool video = false;
  std::string format;  // of the chunks ("flt", "rgb24", ...)
  int sample_rate = 0;
  int num_channels = 0;
  int width = 0, height = 0;
  double frame_rate = 0.0;
};

// The formats an input may take, from the core's format table (the Python
// layer checks tensors against these instead of keeping tables of its own).
// Audio: sample format name -> dtype name ("flt" -> "float32"), packed then
// planar, in FFmpeg's order. Video: packed 8-bit pixel format name ->
// channels of the (height, width, channels) frames ("rgb24" -> 3).
std::vector<std::pair<std::string, std::string>> pushable_sample_formats();
std::vector<std::pair<std::string, int>> pushable_pixel_formats();

class FrameFilter {
 public:
  // Parses and configures the graph. Every unlabeled or labeled input pad
  // that the description leaves open must match one spec (by name; a
  // single unlabeled pad takes a single spec), else kInvalidArgument names
  // what is missing or extra. `safe` refuses filters that read or write
  // files, load libraries or use the network.
  FrameFilter(const std::string& description,
              const std::vector<FilterInputSpec>& inputs, bool safe = false);
  ~FrameFilter();
  FrameFilter(FrameFilter&&) noexcept;
  FrameFilter& operator=(FrameFilter&&) noexcept;

  int num_inputs() const;
  int num_outputs() const;
  const FilterInputSpec& input(int i) const;
  FilterOutputInfo output(int j) const;
  // Bytes of one sample (all channels) or one image of input `i`: what
  // push() reads per frame.
  int64_t bytes_per_frame(int i) const;

  // Pushes `count` samples (audio) or images (video) into input `i`, copied
  // from `data` in the input's layout. `pts` (seconds) sets the time of the
  // first one; without it they follow what was pushed before (from 0).
  void push(int i, const uint8_t* data, int64_t count,
            std::optional<double> pts = std::nullopt);
  // No more frames for input `i`; the graph flushes what it holds.
  void close(int i);
  // What output `j` has ready, as one chunk; nullopt when nothing is. The
  // chunk stops after the frame that reaches `max_frames` (samples for
  // audio), so that a filter whose output never ends (apad, aloop=-1)
  // cannot fill memory in one call.
  std::optional<Chunk> pull(int j, int64_t max_frames = kDefaultPullFrames);
  static constexpr int64_t kDefaultPullFrames = int64_t{1} << 22;
  // Whether output `j` has given its last frame (every input it depends on
  // is closed and drained).
  bool finished(int j) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ffstream
