// Decoding through the public C++ API: source stream info, audio and video
// outputs (dtype, shape, strides, pts, values), chunking and seeking. Values
// are checked against the known sine and against reference frames made by the
// ffmpeg command (see tests/cpp/CMakeLists.txt).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "ffstream/chunk.h"
#include "ffstream/error.h"
#include "ffstream/stream_reader.h"
#include "ffstream/utils.h"
#include "test_support.h"

namespace ffstream::test {
namespace {

// Reference rgb24 frames of the test pattern, as made by the ffmpeg command.
std::vector<uint8_t> reference_frames() {
  auto frames = read_file(media("video.rgb"));
  EXPECT_EQ(static_cast<int64_t>(frames.size()), kNumFrames * kFrameBytes);
  return frames;
}

// Bytes of frames [first, first + count) of a packed rgb24 frame sequence.
std::vector<uint8_t> frames_slice(const std::vector<uint8_t>& frames,
                                  int64_t first, int64_t count) {
  return std::vector<uint8_t>(frames.begin() + first * kFrameBytes,
                              frames.begin() + (first + count) * kFrameBytes);
}

// Checks a float32 (frames, 1) chunk against the sine from sample `first` on.
void expect_sine(const Chunk& chunk, int64_t first) {
  ASSERT_EQ(chunk.dtype, DType::kFloat32);
  ASSERT_EQ(chunk.shape.size(), 2u);
  ASSERT_EQ(chunk.shape[1], 1);
  int64_t bad = 0;
  for (int64_t i = 0; i < chunk.num_frames(); ++i) {
    const double got = at<float>(chunk, {i, 0});
    const double want = expected_sine(first + i);
    if (std::abs(got - want) > kSineTolerance && bad++ < 5) {
      ADD_FAILURE() << "sample " << first + i << ": got " << got
                    << ", expected " << want;
    }
  }
  EXPECT_EQ(bad, 0) << "samples off the sine in a chunk starting at sample "
                    << first;
}

// ---------------------------------------------------------------------------
// Source stream info
// ---------------------------------------------------------------------------

TEST(SourceInfo, LavfiSine) {
  StreamReader reader(kSine, "lavfi");
  EXPECT_FALSE(reader.closed());
  ASSERT_EQ(reader.num_src_streams(), 1);
  EXPECT_EQ(reader.default_audio_stream(), std::optional<int>(0));
  EXPECT_EQ(reader.default_video_stream(), std::nullopt);

  const SourceStreamInfo info = reader.src_stream_info(0);
  EXPECT_EQ(info.media_type, "audio");
  EXPECT_EQ(info.codec_name, "pcm_s16le");
  EXPECT_FALSE(info.codec_long_name.empty());
  EXPECT_EQ(info.format, std::optional<std::string>("s16"));
  EXPECT_DOUBLE_EQ(info.sample_rate, 8000.0);
  EXPECT_EQ(info.num_channels, 1);
  EXPECT_EQ(info.width, 0);
  EXPECT_EQ(info.height, 0);
}

TEST(SourceInfo, OpenOptionsOpenAsTheSeparateArgumentsDo) {
  OpenOptions options;
  options.format = "lavfi";
  StreamReader reader(kSine, options);
  ASSERT_EQ(reader.num_src_streams(), 1);
  EXPECT_EQ(reader.src_stream_info(0).codec_name, "pcm_s16le");

  // An option FFmpeg does not use is still refused.
  options.option = {{"no_such_option", "1"}};
  EXPECT_THROW({ StreamReader refused(kSine, options); }, Error);
}

TEST(SourceInfo, LavfiTestsrc) {
  StreamReader reader(kTestsrc, "lavfi");
  ASSERT_EQ(reader.num_src_streams(), 1);
  EXPECT_EQ(reader.default_video_stream(), std::optional<int>(0));
  EXPECT_EQ(reader.default_audio_stream(), std::nullopt);

  const SourceStreamInfo info = reader.src_stream_info(0);
  EXPECT_EQ(info.media_type, "video");
  // The lavfi device hands over its frames as they are in FFmpeg 7.1
  // (libavdevice 61) and later; 5.1 copied them into rawvideo packets.
  EXPECT_EQ(info.codec_name,
            std::get<0>(library_versions().at("libavdevice")) >= 61 ? "wrapped_avframe"
                                                                    : "rawvideo");
  EXPECT_TRUE(info.format.has_value());
  EXPECT_EQ(info.width, kWidth);
  EXPECT_EQ(info.height, kHeight);
  EXPECT_DOUBLE_EQ(info.frame_rate, kFrameRate);
  EXPECT_DOUBLE_EQ(info.sample_rate, 0.0);
  EXPECT_EQ(info.num_channels, 0);
}

TEST(SourceInfo, LavfiAudioAndVideo) {
  StreamReader reader(kAudioVideo, "lavfi");
  ASSERT_EQ(reader.num_src_streams(), 2);
  EXPECT_EQ(reader.default_video_stream(), std::optional<int>(0));
  EXPECT_EQ(reader.default_audio_stream(), std::optional<int>(1));
  EXPECT_EQ(reader.src_stream_info(0).media_type, "video");
  EXPECT_EQ(reader.src_stream_info(1).media_type, "audio");
}

TEST(SourceInfo, File) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(media("av.mkv"));
  ASSERT_EQ(reader.num_src_streams(), 2);
  EXPECT_EQ(reader.default_video_stream(), std::optional<int>(0));
  EXPECT_EQ(reader.default_audio_stream(), std::optional<int>(1));
  // The muxer writes its own name into the container's tags.
  EXPECT_EQ(reader.metadata().count("ENCODER"), 1u);

  const SourceStreamInfo video = reader.src_stream_info(0);
  EXPECT_EQ(video.media_type, "video");
  EXPECT_EQ(video.codec_name, "ffv1");
  EXPECT_FALSE(video.codec_long_name.empty());
  EXPECT_TRUE(video.format.has_value());
  EXPECT_EQ(video.width, kWidth);
  EXPECT_EQ(video.height, kHeight);
  EXPECT_DOUBLE_EQ(video.frame_rate, kFrameRate);

  const SourceStreamInfo audio = reader.src_stream_info(1);
  EXPECT_EQ(audio.media_type, "audio");
  EXPECT_EQ(audio.codec_name, "flac");
  EXPECT_EQ(audio.format, std::optional<std::string>("s16"));
  EXPECT_DOUBLE_EQ(audio.sample_rate, 8000.0);
  EXPECT_EQ(audio.num_channels, 1);
  EXPECT_EQ(audio.bits_per_sample, 16);
}

// ---------------------------------------------------------------------------
// Audio
// ---------------------------------------------------------------------------

TEST(Audio, LavfiSineAsFloat) {
  StreamReader reader(kSine, "lavfi");
  EXPECT_EQ(reader.add_stream(audio_output(0)), 0);
  ASSERT_EQ(reader.num_out_streams(), 1);

  const OutputStreamInfo info = reader.out_stream_info(0);
  EXPECT_EQ(info.source_index, 0);
  EXPECT_EQ(info.media_type, "audio");
  EXPECT_EQ(info.filter_description, "aformat=sample_fmts=flt");
  EXPECT_EQ(info.format, "flt");
  EXPECT_DOUBLE_EQ(info.sample_rate, 8000.0);
  EXPECT_EQ(info.num_channels, 1);

  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks.size(), 1u);
  ASSERT_EQ(chunks[0].size(), 1u);  // frames_per_chunk -1: one chunk
  const Chunk& c = chunks[0][0];
  EXPECT_EQ(c.dtype, DType::kFloat32);
  EXPECT_EQ(c.shape, (std::vector<int64_t>{kNumSamples, 1}));
  EXPECT_EQ(c.strides, (std::vector<int64_t>{1, 1}));
  EXPECT_DOUBLE_EQ(c.pts, 0.0);
  expect_sine(c, 0);
  // The peak is the source's amplitude, 1/8 of full scale.
  float peak = 0;
  for (int64_t i = 0; i < c.num_frames(); ++i) {
    peak = std::max(peak, std::abs(at<float>(c, {i, 0})));
  }
  EXPECT_NEAR(peak, 0.125, 1e-3);
}

TEST(Audio, NativeFormatIsInt16) {
  StreamReader reader(kSine, "lavfi");
  reader.add_stream(audio_output(0, -1, std::nullopt));
  EXPECT_EQ(reader.out_stream_info(0).format, "s16");
  EXPECT_EQ(reader.out_stream_info(0).filter_description, "anull");
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 1u);
  const Chunk& c = chunks[0][0];
  EXPECT_EQ(c.dtype, DType::kInt16);
  EXPECT_EQ(c.shape, (std::vector<int64_t>{kNumSamples, 1}));
  for (int64_t i = 0; i < c.num_frames(); i += 97) {
    EXPECT_NEAR(at<int16_t>(c, {i, 0}) / 32768.0, expected_sine(i),
                kSineTolerance)
        << "sample " << i;
  }
}

TEST(Audio, StereoPlanarIsInterleaved) {
  // Planar float from the filter; the chunk is (frames, channels) interleaved.
  StreamReader reader(kSine, "lavfi");
  reader.add_stream(audio_output(
      0, -1, "aformat=sample_fmts=fltp:channel_layouts=stereo"));
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 1u);
  const Chunk& c = chunks[0][0];
  EXPECT_EQ(c.dtype, DType::kFloat32);
  EXPECT_EQ(c.shape, (std::vector<int64_t>{kNumSamples, 2}));
  EXPECT_EQ(c.strides, (std::vector<int64_t>{2, 1}));
  for (int64_t i = 0; i < c.num_frames(); i += 101) {
    EXPECT_EQ(at<float>(c, {i, 0}), at<float>(c, {i, 1})) << "sample " << i;
  }
}

TEST(Audio, FileSine) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(media("av.mkv"));
  reader.add_stream(audio_output(1));
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 1u);
  EXPECT_EQ(chunks[0][0].shape, (std::vector<int64_t>{kNumSamples, 1}));
  EXPECT_DOUBLE_EQ(chunks[0][0].pts, 0.0);
  expect_sine(chunks[0][0], 0);
}

// ---------------------------------------------------------------------------
// Video
// ---------------------------------------------------------------------------

TEST(Video, LavfiRgb24LayoutIsChannelsLast) {
  StreamReader reader(kTestsrc, "lavfi");
  EXPECT_EQ(reader.add_stream(video_output(0)), 0);

  const OutputStreamInfo info = reader.out_stream_info(0);
  EXPECT_EQ(info.media_type, "video");
  EXPECT_EQ(info.filter_description, "format=pix_fmts=rgb24");
  EXPECT_EQ(info.format, "rgb24");
  EXPECT_EQ(info.width, kWidth);
  EXPECT_EQ(info.height, kHeight);
  EXPECT_DOUBLE_EQ(info.frame_rate, kFrameRate);

  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks.size(), 1u);
  ASSERT_EQ(chunks[0].size(), 1u);
  const Chunk& c = chunks[0][0];
  EXPECT_EQ(c.dtype, DType::kUInt8);
  EXPECT_EQ(c.shape, (std::vector<int64_t>{kNumFrames, 3, kHeight, kWidth}));
  // Packed rgb24 seen as (N, C, H, W): PyTorch's channels_last strides.
  EXPECT_EQ(c.strides, (std::vector<int64_t>{kHeight * kWidth * 3, 1,
                                             kWidth * 3, 3}));
  EXPECT_DOUBLE_EQ(c.pts, 0.0);
}

TEST(Video, LavfiRgb24ValuesMatchFfmpeg) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(kTestsrcRgb, "lavfi");
  reader.add_stream(video_output(0));
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 1u);
  ASSERT_EQ(chunks[0][0].num_frames(), kNumFrames);
  EXPECT_TRUE(bytes_of(chunks[0][0]) == reference_frames());
}

TEST(Video, FileRgb24ValuesMatchFfmpeg) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(media("av.mkv"));
  reader.add_stream(video_output(0));
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 1u);
  const Chunk& c = chunks[0][0];
  ASSERT_EQ(c.shape, (std::vector<int64_t>{kNumFrames, 3, kHeight, kWidth}));
  const auto ref = reference_frames();
  EXPECT_TRUE(bytes_of(c) == ref);
  // Strided access agrees with the packed reference: (n, ch, y, x).
  for (int64_t n : {0, 5, 9}) {
    for (int64_t ch = 0; ch < 3; ++ch) {
      const int64_t y = 17, x = 41;
      EXPECT_EQ(at<uint8_t>(c, {n, ch, y, x}),
                ref[n * kFrameBytes + (y * kWidth + x) * 3 + ch]);
    }
  }
}

TEST(Video, Yuv420pIsPlanarWithFullSizeChroma) {
  StreamReader reader(kTestsrc, "lavfi");
  reader.add_stream(video_output(0, -1, "format=pix_fmts=yuv420p"));
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 1u);
  const Chunk& c = chunks[0][0];
  EXPECT_EQ(c.dtype, DType::kUInt8);
  EXPECT_EQ(c.shape, (std::vector<int64_t>{kNumFrames, 3, kHeight, kWidth}));
  EXPECT_EQ(c.strides, (std::vector<int64_t>{3 * kHeight * kWidth,
                                             kHeight * kWidth, kWidth, 1}));
}

TEST(Video, RotateTurnsFramesByTheDisplayMatrix) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(media("rot90.mp4"));
  const SourceStreamInfo info = reader.src_stream_info(0);
  EXPECT_DOUBLE_EQ(info.rotation, 90.0);
  EXPECT_EQ(info.width, kWidth);  // the stored frame's
  OutputOptions stored = video_output(0, -1, std::nullopt);
  stored.format = "rgb24";
  OutputOptions turned = stored;
  turned.rotate = true;
  reader.add_stream(stored);
  reader.add_stream(turned);
  EXPECT_EQ(reader.out_stream_info(1).width, kHeight);
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 1u);
  ASSERT_EQ(chunks[1].size(), 1u);
  const Chunk& a = chunks[0][0];
  const Chunk& b = chunks[1][0];
  ASSERT_EQ(b.shape, (std::vector<int64_t>{kNumFrames, 3, kWidth, kHeight}));
  // A quarter turn counter-clockwise: row y of the turned frame is column
  // W - 1 - y of the stored one.
  int64_t bad = 0;
  for (int64_t n = 0; n < kNumFrames; ++n) {
    for (int64_t ch = 0; ch < 3; ++ch) {
      for (int64_t y = 0; y < kWidth; ++y) {
        for (int64_t x = 0; x < kHeight; ++x) {
          bad += at<uint8_t>(b, {n, ch, y, x}) !=
                 at<uint8_t>(a, {n, ch, x, kWidth - 1 - y});
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST(Video, FramePts) {
  StreamReader reader(kTestsrc, "lavfi");
  reader.add_stream(video_output(0, 1));
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), static_cast<size_t>(kNumFrames));
  for (int i = 0; i < kNumFrames; ++i) {
    EXPECT_NEAR(chunks[0][i].pts, i / kFrameRate, 1e-9) << "frame " << i;
  }
}

// ---------------------------------------------------------------------------
// Several outputs
// ---------------------------------------------------------------------------

TEST(Outputs, AudioAndVideoTogether) {
  StreamReader reader(kAudioVideo, "lavfi");
  EXPECT_EQ(reader.add_stream(video_output(0)), 0);
  EXPECT_EQ(reader.add_stream(audio_output(1)), 1);
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(total_frames(chunks[0]), kNumFrames);
  EXPECT_EQ(total_frames(chunks[1]), kNumSamples);
  ASSERT_FALSE(chunks[1].empty());
  expect_sine(chunks[1][0], 0);
}

TEST(Outputs, TwoOutputsShareOneSourceStream) {
  StreamReader reader(kSine, "lavfi");
  reader.add_stream(audio_output(0));
  reader.add_stream(audio_output(0, -1, "aformat=sample_fmts=s16"));
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 1u);
  ASSERT_EQ(chunks[1].size(), 1u);
  const Chunk& f = chunks[0][0];
  const Chunk& s = chunks[1][0];
  EXPECT_EQ(f.dtype, DType::kFloat32);
  EXPECT_EQ(s.dtype, DType::kInt16);
  ASSERT_EQ(f.num_frames(), kNumSamples);
  ASSERT_EQ(s.num_frames(), kNumSamples);
  for (int64_t i = 0; i < kNumSamples; i += 61) {
    EXPECT_FLOAT_EQ(at<float>(f, {i, 0}), at<int16_t>(s, {i, 0}) / 32768.0f);
  }
}

TEST(Outputs, RemoveStream) {
  StreamReader reader(kAudioVideo, "lavfi");
  reader.add_stream(audio_output(1));
  reader.add_stream(video_output(0));
  reader.remove_stream(0);
  ASSERT_EQ(reader.num_out_streams(), 1);
  EXPECT_EQ(reader.out_stream_info(0).media_type, "video");
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(total_frames(chunks[0]), kNumFrames);
}

// ---------------------------------------------------------------------------
// Chunking
// ---------------------------------------------------------------------------

TEST(Chunking, AudioFramesPerChunk) {
  StreamReader reader(kSine, "lavfi");
  reader.add_stream(audio_output(0, 1000));
  auto chunks = decode_all(reader);
  ASSERT_EQ(frame_counts(chunks[0]), std::vector<int64_t>(8, 1000));
  for (size_t k = 0; k < chunks[0].size(); ++k) {
    EXPECT_NEAR(chunks[0][k].pts, k * 0.125, 1e-9) << "chunk " << k;
    EXPECT_EQ(chunks[0][k].shape, (std::vector<int64_t>{1000, 1}));
    expect_sine(chunks[0][k], static_cast<int64_t>(k) * 1000);
  }
}

TEST(Chunking, AudioLastChunkIsShort) {
  StreamReader reader(kSine, "lavfi");
  reader.add_stream(audio_output(0, 3000));
  auto chunks = decode_all(reader);
  EXPECT_EQ(frame_counts(chunks[0]), (std::vector<int64_t>{3000, 3000, 2000}));
  ASSERT_EQ(chunks[0].size(), 3u);
  EXPECT_NEAR(chunks[0][2].pts, 0.75, 1e-9);
  expect_sine(chunks[0][2], 6000);
}

TEST(Chunking, VideoFramesPerChunk) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(media("av.mkv"));
  reader.add_stream(video_output(0, 3));
  auto chunks = decode_all(reader);
  ASSERT_EQ(frame_counts(chunks[0]), (std::vector<int64_t>{3, 3, 3, 1}));
  const auto ref = reference_frames();
  for (size_t k = 0; k < chunks[0].size(); ++k) {
    const Chunk& c = chunks[0][k];
    EXPECT_NEAR(c.pts, k * 0.3, 1e-9) << "chunk " << k;
    EXPECT_EQ(c.strides, (std::vector<int64_t>{kFrameBytes, 1, kWidth * 3, 3}));
    EXPECT_TRUE(bytes_of(c) == frames_slice(ref, 3 * k, c.num_frames()))
        << "chunk " << k;
  }
}

TEST(Chunking, PtsAreExactFractionsOfTheTimeBase) {
  // NTSC frames (time base 1001/30000): chunk k of 3 frames starts at
  // exactly 3k * 1001 / 30000, rounded once, as torchaudio computed it.
  StreamReader reader("testsrc2=size=32x24:rate=30000/1001:duration=2", "lavfi");
  reader.add_stream(video_output(0, 3, std::string("format=pix_fmts=gray")));
  auto chunks = decode_all(reader);
  ASSERT_GE(chunks[0].size(), 19u);
  for (size_t k = 0; k < chunks[0].size(); ++k) {
    EXPECT_EQ(chunks[0][k].pts, static_cast<double>(3 * k * 1001) / 30000)
        << "chunk " << k;
  }
  EXPECT_EQ(chunks[0][1].pts, 0.1001);
}

TEST(Chunking, DroppingKeepsChunkBoundaries) {
  // 8000 samples in chunks of 3000: 3000, 3000, 2000. With two chunks kept,
  // the incomplete newest one counts, and the oldest whole chunk goes.
  StreamReader reader(kSine, "lavfi");
  OutputOptions o = audio_output(0, 3000);
  o.buffer_chunk_size = 2;
  reader.add_stream(o);
  auto chunks = decode_all(reader);
  ASSERT_EQ(frame_counts(chunks[0]), (std::vector<int64_t>{3000, 2000}));
  EXPECT_EQ(chunks[0][0].pts, 3000.0 / 8000);
  EXPECT_EQ(chunks[0][1].pts, 6000.0 / 8000);
  expect_sine(chunks[0][0], 3000);
  expect_sine(chunks[0][1], 6000);
}

TEST(Chunking, BufferChunkSizeKeepsTheNewestChunks) {
  StreamReader reader(kSine, "lavfi");
  OutputOptions o = audio_output(0, 1000);
  o.buffer_chunk_size = 3;
  reader.add_stream(o);
  auto chunks = decode_all(reader);
  // 8 chunks' worth were decoded without popping; the oldest 5 were dropped.
  ASSERT_EQ(frame_counts(chunks[0]), (std::vector<int64_t>{1000, 1000, 1000}));
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(chunks[0][k].pts, 0.625 + k * 0.125, 1e-9) << "chunk " << k;
    expect_sine(chunks[0][k], 5000 + static_cast<int64_t>(k) * 1000);
  }
}

TEST(Chunking, VideoBufferChunkSizeDropsWholeFrames) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(media("av.mkv"));
  OutputOptions o = video_output(0, 2);
  o.buffer_chunk_size = 2;
  reader.add_stream(o);
  auto chunks = decode_all(reader);
  ASSERT_EQ(frame_counts(chunks[0]), (std::vector<int64_t>{2, 2}));
  const auto ref = reference_frames();
  EXPECT_NEAR(chunks[0][0].pts, 0.6, 1e-9);
  EXPECT_NEAR(chunks[0][1].pts, 0.8, 1e-9);
  EXPECT_TRUE(bytes_of(chunks[0][0]) == frames_slice(ref, 6, 2));
  EXPECT_TRUE(bytes_of(chunks[0][1]) == frames_slice(ref, 8, 2));
}

TEST(Chunking, FillBufferLoopDeliversEverything) {
  StreamReader reader(kAudioVideo, "lavfi");
  reader.add_stream(audio_output(1, 800));
  reader.add_stream(video_output(0, 1));
  std::vector<std::vector<Chunk>> got(2);
  auto collect = [&got](std::vector<std::optional<Chunk>> chunks) {
    EXPECT_EQ(chunks.size(), 2u);
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (chunks[i]) got[i].push_back(std::move(*chunks[i]));
    }
  };
  int rounds = 0;
  while (reader.fill_buffer() == 0) {
    EXPECT_TRUE(reader.is_buffer_ready());
    collect(reader.pop_chunks());
    ASSERT_LT(++rounds, 1000);
  }
  auto rest = pop_all(reader);
  for (size_t i = 0; i < rest.size(); ++i) {
    for (auto& c : rest[i]) got[i].push_back(std::move(c));
  }
  EXPECT_EQ(frame_counts(got[0]), std::vector<int64_t>(10, 800));
  EXPECT_EQ(frame_counts(got[1]), std::vector<int64_t>(10, 1));
  for (size_t k = 0; k < got[0].size(); ++k) {
    EXPECT_NEAR(got[0][k].pts, k * 0.1, 1e-9) << "audio chunk " << k;
    expect_sine(got[0][k], static_cast<int64_t>(k) * 800);
  }
  for (size_t k = 0; k < got[1].size(); ++k) {
    EXPECT_NEAR(got[1][k].pts, k * 0.1, 1e-9) << "video chunk " << k;
  }
  EXPECT_EQ(reader.process_packet(), 1);  // stays at its end
}

// ---------------------------------------------------------------------------
// Seeking
// ---------------------------------------------------------------------------

TEST(Seek, PreciseFileAudioAndVideo) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(media("av.mkv"));
  reader.add_stream(video_output(0));
  reader.add_stream(audio_output(1));
  reader.seek(0.55, SeekMode::kPrecise);
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 1u);
  ASSERT_EQ(chunks[1].size(), 1u);

  // Video: exactly the first frame at or after 0.55 s, i.e. frame 6.
  const Chunk& v = chunks[0][0];
  EXPECT_NEAR(v.pts, 0.6, 1e-6);
  ASSERT_EQ(v.num_frames(), 4);
  EXPECT_TRUE(bytes_of(v) == frames_slice(reference_frames(), 6, 4));

  // Audio: sample-exact, from sample 4400 on.
  const Chunk& a = chunks[1][0];
  EXPECT_NEAR(a.pts, 0.55, 1e-6);
  EXPECT_EQ(a.num_frames(), kNumSamples - 4400);
  expect_sine(a, 4400);
}

TEST(Seek, BackToStartAfterTheEnd) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(media("av.mkv"));
  reader.add_stream(audio_output(1));
  auto first = decode_all(reader);
  reader.seek(0.0);
  auto again = decode_all(reader);
  ASSERT_EQ(first[0].size(), 1u);
  ASSERT_EQ(again[0].size(), 1u);
  EXPECT_DOUBLE_EQ(again[0][0].pts, 0.0);
  EXPECT_TRUE(bytes_of(first[0][0]) == bytes_of(again[0][0]));
}

TEST(Seek, PreciseDecodesFromTheKeyFrameAndDiscards) {
  FFSTREAM_REQUIRE_MEDIA();
  // gop.mkv has key frames at 0.0 and 0.5 only.
  StreamReader reader(media("gop.mkv"));
  reader.add_stream(video_output(0, 1));
  auto full = decode_all(reader);
  ASSERT_EQ(full[0].size(), static_cast<size_t>(kNumFrames));

  for (double target : {0.3, 0.75}) {
    SCOPED_TRACE("seek to " + std::to_string(target));
    reader.seek(target, SeekMode::kPrecise);
    auto after = decode_all(reader);
    const int first = static_cast<int>(std::ceil(target * kFrameRate - 1e-9));
    ASSERT_EQ(after[0].size(), static_cast<size_t>(kNumFrames - first));
    for (size_t k = 0; k < after[0].size(); ++k) {
      EXPECT_NEAR(after[0][k].pts, (first + k) / kFrameRate, 1e-6);
      EXPECT_TRUE(bytes_of(after[0][k]) == bytes_of(full[0][first + k]))
          << "frame " << first + k;
    }
  }
}

TEST(Seek, KeyModeStartsAtThePrecedingKeyFrame) {
  FFSTREAM_REQUIRE_MEDIA();
  StreamReader reader(media("gop.mkv"));
  reader.add_stream(video_output(0, 1));
  reader.seek(0.75, SeekMode::kKey);
  auto chunks = decode_all(reader);
  ASSERT_EQ(chunks[0].size(), 5u);
  EXPECT_NEAR(chunks[0][0].pts, 0.5, 1e-6);
}

// ---------------------------------------------------------------------------
// Chunks and the reader's lifetime
// ---------------------------------------------------------------------------

TEST(Chunk, StorageIsAlignedAndOutlivesTheReader) {
  Chunk c;
  {
    StreamReader reader(kSine, "lavfi");
    reader.add_stream(audio_output(0));
    auto chunks = decode_all(reader);
    ASSERT_EQ(chunks[0].size(), 1u);
    c = chunks[0][0];
  }  // reader and its buffers gone; the chunk keeps its storage
  ASSERT_TRUE(c.storage);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(c.storage.get()) % 64, 0u);
  EXPECT_GE(c.data, c.storage.get());
  expect_sine(c, 0);
}

TEST(Chunk, DTypeNamesAndSizes) {
  EXPECT_STREQ(dtype_name(DType::kUInt8), "uint8");
  EXPECT_STREQ(dtype_name(DType::kInt16), "int16");
  EXPECT_STREQ(dtype_name(DType::kFloat32), "float32");
  EXPECT_STREQ(dtype_name(DType::kFloat64), "float64");
  EXPECT_EQ(dtype_size(DType::kUInt8), 1u);
  EXPECT_EQ(dtype_size(DType::kInt16), 2u);
  EXPECT_EQ(dtype_size(DType::kUInt16), 2u);
  EXPECT_EQ(dtype_size(DType::kInt32), 4u);
  EXPECT_EQ(dtype_size(DType::kFloat32), 4u);
  EXPECT_EQ(dtype_size(DType::kInt64), 8u);
  EXPECT_EQ(dtype_size(DType::kFloat64), 8u);
}

TEST(Reader, MoveKeepsTheSourceOpen) {
  StreamReader a(kSine, "lavfi");
  a.add_stream(audio_output(0));
  StreamReader b(std::move(a));
  EXPECT_FALSE(b.closed());
  auto chunks = decode_all(b);
  EXPECT_EQ(total_frames(chunks[0]), kNumSamples);
}

}  // namespace
}  // namespace ffstream::test
