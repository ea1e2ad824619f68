// Shared helpers of the C++ tests: media locations, the known signals, output
// options and chunk accessors. Header-only; included by every test_*.cpp.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "ffstream/chunk.h"
#include "ffstream/options.h"
#include "ffstream/stream_reader.h"

namespace ffstream::test {

// ---- sources ----

// lavfi sources, opened with format "lavfi" (no file needed).
inline const std::string kSine =
    "sine=frequency=440:sample_rate=8000:duration=1";
inline const std::string kTestsrc = "testsrc2=size=64x48:rate=10:duration=1";
// The same pattern drawn straight as rgb24, equal to video.rgb byte for byte.
inline const std::string kTestsrcRgb = kTestsrc + ",format=rgb24";
// Both at once: stream 0 video, stream 1 audio.
inline const std::string kAudioVideo = kTestsrc + "[out0];" + kSine + "[out1]";

constexpr int kSampleRate = 8000;
constexpr int kNumSamples = 8000;
constexpr int kWidth = 64;
constexpr int kHeight = 48;
constexpr int kNumFrames = 10;
constexpr double kFrameRate = 10.0;
constexpr int64_t kFrameBytes = int64_t{kWidth} * kHeight * 3;

// Sample n of lavfi's sine: a full-scale sine scaled by 1/8 (the source's
// default amplitude), here as a float in [-1, 1].
constexpr double kPi = 3.14159265358979323846;
inline double expected_sine(int64_t n) {
  return std::sin(2.0 * kPi * 440.0 * static_cast<double>(n) / kSampleRate) /
         8.0;
}
constexpr double kSineTolerance = 1e-4;

// ---- media files (made by tests/cpp/CMakeLists.txt with ffmpeg) ----

inline bool have_media() { return std::string(FFSTREAM_TEST_MEDIA_DIR) != ""; }

// av.mkv: ffv1 RGB video (stream 0, 64x48, 10 fps, 10 frames) and flac audio
// (stream 1, 8000 Hz mono, the sine); video.rgb: its frames as raw rgb24;
// gop.mkv: the same video as mpeg4 with a key frame every 5 frames.
inline std::string media(const std::string& name) {
  return std::string(FFSTREAM_TEST_MEDIA_DIR) + "/" + name;
}

#define FFSTREAM_REQUIRE_MEDIA()                                        \
  do {                                                                  \
    if (!::ffstream::test::have_media()) {                              \
      GTEST_SKIP() << "no test media: the ffmpeg command was not found"; \
    }                                                                   \
  } while (0)

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// ---- outputs ----

inline OutputOptions audio_output(int source_index,
                                  int64_t frames_per_chunk = -1,
                                  std::optional<std::string> filter =
                                      std::string("aformat=sample_fmts=flt")) {
  OutputOptions o;
  o.media_type = MediaType::kAudio;
  o.source_index = source_index;
  o.frames_per_chunk = frames_per_chunk;
  o.buffer_chunk_size = -1;
  o.filter_desc = std::move(filter);
  return o;
}

inline OutputOptions video_output(int source_index,
                                  int64_t frames_per_chunk = -1,
                                  std::optional<std::string> filter =
                                      std::string("format=pix_fmts=rgb24")) {
  OutputOptions o;
  o.media_type = MediaType::kVideo;
  o.source_index = source_index;
  o.frames_per_chunk = frames_per_chunk;
  o.buffer_chunk_size = -1;
  o.filter_desc = std::move(filter);
  return o;
}

// Pops until every output is empty; result[i] = the chunks of output i.
inline std::vector<std::vector<Chunk>> pop_all(StreamReader& reader) {
  std::vector<std::vector<Chunk>> out(reader.num_out_streams());
  while (true) {
    bool any = false;
    auto chunks = reader.pop_chunks();
    EXPECT_EQ(chunks.size(), out.size());
    for (size_t i = 0; i < chunks.size() && i < out.size(); ++i) {
      if (chunks[i]) {
        out[i].push_back(std::move(*chunks[i]));
        any = true;
      }
    }
    if (!any) return out;
  }
}

// Decodes everything, then pops everything.
inline std::vector<std::vector<Chunk>> decode_all(StreamReader& reader) {
  reader.process_all_packets();
  return pop_all(reader);
}

// ---- chunk accessors ----

inline int64_t num_elements(const Chunk& c) {
  int64_t n = 1;
  for (int64_t d : c.shape) n *= d;
  return n;
}

// Frames are stored one after another (strides[0] elements apart), so a chunk
// covers num_frames() * strides[0] elements from `data`.
inline std::vector<uint8_t> bytes_of(const Chunk& c) {
  const size_t n = static_cast<size_t>(c.num_frames()) *
                   static_cast<size_t>(c.strides.at(0)) * dtype_size(c.dtype);
  return std::vector<uint8_t>(c.data, c.data + n);
}

// Element at a multi-index, through the strides.
template <typename T>
T at(const Chunk& c, std::initializer_list<int64_t> index) {
  int64_t offset = 0;
  size_t d = 0;
  for (int64_t i : index) offset += i * c.strides.at(d++);
  T value;
  std::memcpy(&value, c.data + offset * sizeof(T), sizeof(T));
  return value;
}

inline std::vector<int64_t> frame_counts(const std::vector<Chunk>& chunks) {
  std::vector<int64_t> counts;
  for (const auto& c : chunks) counts.push_back(c.num_frames());
  return counts;
}

inline int64_t total_frames(const std::vector<Chunk>& chunks) {
  int64_t n = 0;
  for (const auto& c : chunks) n += c.num_frames();
  return n;
}

}  // namespace ffstream::test
