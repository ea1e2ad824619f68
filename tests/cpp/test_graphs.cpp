// filter_desc graphs of several outputs or inputs through the C++ API: one
// add_stream call that splits a stream into two outputs, and one graph that
// reads the video and the audio stream of a source.
#include <cstdint>
#include <string>
#include <vector>

#include "ffstream/error.h"
#include "ffstream/stream_reader.h"
#include "test_support.h"

namespace ffstream::test {
namespace {

TEST(FilterGraphsInReader, SplitGivesTwoOutputsInStep) {
  StreamReader reader(kTestsrc, "lavfi");
  const int first = reader.add_stream(video_output(
      0, 4, std::string("split=2[a][b];[a]format=rgb24[plain];[b]hflip,format=rgb24[flipped]")));
  EXPECT_EQ(first, 0);
  ASSERT_EQ(reader.num_out_streams(), 2);
  EXPECT_EQ(reader.out_stream_info(1).width, kWidth);
  const auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 3u);  // 4 + 4 + 2 frames
  ASSERT_EQ(chunks[1].size(), 3u);
  for (size_t k = 0; k < chunks[0].size(); ++k) {
    const Chunk& plain = chunks[0][k];
    const Chunk& flipped = chunks[1][k];
    EXPECT_EQ(plain.pts, flipped.pts);
    ASSERT_EQ(plain.num_frames(), flipped.num_frames());
    const std::vector<uint8_t> a = bytes_of(plain), b = bytes_of(flipped);
    // Pixel x of a row is pixel W-1-x of the flipped row.
    for (int64_t f = 0; f < plain.num_frames(); ++f) {
      for (int y = 0; y < kHeight; y += 7) {
        for (int x = 0; x < kWidth; x += 5) {
          for (int c = 0; c < 3; ++c) {
            const int64_t row = (f * kHeight + y) * kWidth;
            ASSERT_EQ(a[(row + x) * 3 + c], b[(row + kWidth - 1 - x) * 3 + c]);
          }
        }
      }
    }
  }
}

TEST(FilterGraphsInReader, AGraphReadsVideoAndAudioOfOneSource) {
  StreamReader reader(kAudioVideo, "lavfi");  // stream 0 video, 1 audio
  reader.add_stream(video_output(
      0, -1,
      std::string("[0:v]format=rgb24[v];[0:a]showwaves=s=64x16:rate=10,format=rgb24[w];"
                  "[v][w]vstack")));
  ASSERT_EQ(reader.num_out_streams(), 1);
  const OutputStreamInfo info = reader.out_stream_info(0);
  EXPECT_EQ(info.height, kHeight + 16);
  const auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 1u);
  // vstack gives a frame whenever either input has a new one (lavfi's sine
  // and showwaves do not keep the video's times exactly): at least the
  // video's frames, in time order over its second.
  const Chunk& c = chunks[0][0];
  ASSERT_GE(c.num_frames(), kNumFrames);
  for (size_t k = 1; k < c.frame_pts.size(); ++k) EXPECT_GE(c.frame_pts[k], c.frame_pts[k - 1]);
  EXPECT_NEAR(c.frame_pts.back(), (kNumFrames - 1) / kFrameRate, 0.1);
}

TEST(FilterGraphsInReader, LabelsThatNameNoStreamAreRefused) {
  StreamReader reader(kAudioVideo, "lavfi");
  EXPECT_THROW(reader.add_stream(audio_output(1, -1, std::string("[0:a:3]anull"))), Error);
  EXPECT_THROW(reader.add_stream(audio_output(1, -1, std::string("[x][y]amix"))), Error);
  EXPECT_EQ(reader.num_out_streams(), 0);
}

}  // namespace
}  // namespace ffstream::test
