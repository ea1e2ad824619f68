// Time through the public C++ API: every video frame's pts in a chunk,
// chunks cut by seconds (audio and video of one window together), and frames
// on demand (the frame index, frames at indices and at times).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ffstream/error.h"
#include "test_support.h"

namespace ffstream::test {
namespace {

OutputOptions by_seconds(OutputOptions o, double seconds) {
  o.frames_per_chunk = -1;
  o.seconds_per_chunk = seconds;
  return o;
}

TEST(FrameTimes, EveryVideoFrameHasItsPts) {
  StreamReader reader(kTestsrc, "lavfi");
  reader.add_stream(video_output(0, 4));
  auto chunks = decode_all(reader);
  int64_t n = 0;
  for (const Chunk& c : chunks[0]) {
    ASSERT_TRUE(c.has_frame_times);
    ASSERT_EQ(c.frame_pts.size(), static_cast<size_t>(c.num_frames()));
    EXPECT_EQ(c.frame_pts.front(), c.pts);
    for (size_t k = 0; k < c.frame_pts.size(); ++k, ++n) {
      EXPECT_DOUBLE_EQ(c.frame_pts[k], n / kFrameRate);
      EXPECT_DOUBLE_EQ(c.frame_duration[k], 1 / kFrameRate);
    }
  }
  EXPECT_EQ(n, kNumFrames);
}

TEST(SecondsPerChunk, AudioAndVideoOfOneWindowTogether) {
  StreamReader reader(kAudioVideo, "lavfi");
  reader.add_stream(by_seconds(video_output(0), 0.25));
  reader.add_stream(by_seconds(audio_output(1), 0.25));
  int window = 0;
  while (true) {
    const bool ended = reader.fill_buffer() == 1;
    auto chunks = reader.pop_chunks();
    if (!chunks[0] && !chunks[1]) break;
    ASSERT_TRUE(chunks[0] && chunks[1]) << "window " << window;
    // 10 fps: frames at 0.0, 0.1, 0.2 | 0.3, 0.4 | 0.5, 0.6, 0.7 | 0.8, 0.9.
    const int64_t frames = window % 2 == 0 ? 3 : 2;
    EXPECT_EQ(chunks[0]->num_frames(), frames) << "window " << window;
    EXPECT_EQ(chunks[1]->num_frames(), kSampleRate / 4) << "window " << window;
    EXPECT_DOUBLE_EQ(chunks[1]->pts, window * 0.25);
    ++window;
    (void)ended;
  }
  EXPECT_EQ(window, 4);
}

TEST(SecondsPerChunk, FramesPerChunkAndSecondsTogetherAreRefused) {
  StreamReader reader(kSine, "lavfi");
  OutputOptions o = audio_output(0, 100);
  o.seconds_per_chunk = 0.5;
  EXPECT_THROW(reader.add_stream(o), Error);
  o.frames_per_chunk = -1;
  o.seconds_per_chunk = -1.0;
  EXPECT_THROW(reader.add_stream(o), Error);
}

TEST(FramesOnDemand, IndexAndFramesEqualSequentialDecoding) {
  FFSTREAM_REQUIRE_MEDIA();
  // gop.mkv: key frames at 0.0 and 0.5.
  StreamReader reader(media("gop.mkv"));
  reader.add_stream(video_output(0, 1));
  auto full = decode_all(reader);
  ASSERT_EQ(full[0].size(), static_cast<size_t>(kNumFrames));

  const FrameIndexInfo index = reader.frame_index(0);
  ASSERT_EQ(index.pts.size(), static_cast<size_t>(kNumFrames));
  EXPECT_TRUE(index.key_frame[0] && index.key_frame[5] && !index.key_frame[3]);

  const std::vector<int64_t> wanted = {7, 2, 2, 9, 0};
  const Chunk got = reader.frames_at(0, wanted);
  ASSERT_EQ(got.num_frames(), static_cast<int64_t>(wanted.size()));
  const size_t frame_bytes = static_cast<size_t>(got.strides[0]);
  for (size_t k = 0; k < wanted.size(); ++k) {
    SCOPED_TRACE("frame " + std::to_string(wanted[k]));
    EXPECT_DOUBLE_EQ(got.frame_pts[k], wanted[k] / kFrameRate);
    EXPECT_EQ(std::memcmp(got.data + k * frame_bytes, full[0][wanted[k]].data,
                          frame_bytes),
              0);
  }
  // Streaming goes on after the latest frame returned (9): nothing left.
  reader.process_all_packets();
  EXPECT_TRUE(pop_all(reader)[0].empty());

  const Chunk shown = reader.frames_played_at(0, {0.55, 0.1});
  EXPECT_DOUBLE_EQ(shown.frame_pts[0], 0.5);
  EXPECT_DOUBLE_EQ(shown.frame_pts[1], 0.1);
}

TEST(FramesOnDemand, OutOfRangeIsAnIndexError) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(media("gop.mkv"));
  reader.add_stream(video_output(0, 1));
  try {
    reader.frames_at(0, {kNumFrames});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIndexOutOfRange);
    EXPECT_NE(std::string(e.what()).find("has 10 frames (0 to 9)"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(reader.frames_played_at(0, {1.0}), Error);
}

}  // namespace
}  // namespace ffstream::test
