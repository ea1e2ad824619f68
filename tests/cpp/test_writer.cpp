// StreamWriter: what it writes reads back as what went in (lossless codecs
// bit for bit), into files and through a Writer, and bad uses are errors.
#include <cstdio>
#include <memory>
#include <vector>

#include "ffstream/bytes_reader.h"
#include "ffstream/error.h"
#include "ffstream/stream_writer.h"
#include "ffstream/utils.h"
#include "test_support.h"

namespace ffstream::test {
namespace {

// A Writer into memory, seekable like a file.
class MemoryWriter : public Writer {
 public:
  explicit MemoryWriter(std::vector<uint8_t>* out, bool seekable)
      : out_(out), seekable_(seekable) {}
  void write(const uint8_t* buf, int64_t size) override {
    if (pos_ + size > static_cast<int64_t>(out_->size())) out_->resize(pos_ + size);
    std::copy(buf, buf + size, out_->begin() + pos_);
    pos_ += size;
  }
  bool seekable() const override { return seekable_; }
  int64_t seek(int64_t offset, int whence) override {
    pos_ = whence == SEEK_SET ? offset : whence == SEEK_CUR ? pos_ + offset
                                                           : static_cast<int64_t>(out_->size()) + offset;
    return pos_;
  }

 private:
  std::vector<uint8_t>* out_;
  bool seekable_;
  int64_t pos_ = 0;
};

// Skips a test whose encoder or muxer this FFmpeg lacks (the wheel's, and
// CI's 7.1 and 8.1 builds configured like it, carry the raw ones only).
#define FFSTREAM_REQUIRE_CODEC(encoder, muxer)                                    \
  do {                                                                            \
    auto a = audio_encoders(), v = video_encoders();                \
    if (!a.count(encoder) && !v.count(encoder)) GTEST_SKIP() << "no " << encoder; \
    if (!muxers().count(muxer)) GTEST_SKIP() << "no " << muxer;            \
  } while (0)

std::vector<int16_t> sine_s16(int n) {
  std::vector<int16_t> s(n);
  for (int i = 0; i < n; ++i) s[i] = static_cast<int16_t>(expected_sine(i) * 32767);
  return s;
}

TEST(StreamWriter, FlacFileReadsBackBitForBit) {
  FFSTREAM_REQUIRE_CODEC("flac", "flac");
  const std::string path = ::testing::TempDir() + "ffstream_writer_test.flac";
  const auto samples = sine_s16(kNumSamples);
  {
    StreamWriter w(path);
    AudioEncodeOptions a;
    a.sample_rate = kSampleRate;
    a.num_channels = 1;
    a.format = "s16";
    const int i = w.add_audio_stream(a);
    w.open();
    // In two chunks, the second placed by its pts.
    const auto* bytes = reinterpret_cast<const uint8_t*>(samples.data());
    w.write_audio_chunk(i, bytes, 3000);
    w.write_audio_chunk(i, bytes + 3000 * 2, kNumSamples - 3000, 3000.0 / kSampleRate);
    w.close();
  }
  StreamReader r(path);
  r.add_stream(audio_output(0, -1, std::string("aformat=sample_fmts=s16")));
  auto chunks = decode_all(r);
  ASSERT_EQ(chunks[0].size(), 1u);
  const auto got = bytes_of(chunks[0][0]);
  ASSERT_EQ(got.size(), samples.size() * 2);
  EXPECT_EQ(std::memcmp(got.data(), samples.data(), got.size()), 0);
  std::remove(path.c_str());
}

TEST(StreamWriter, Ffv1ThroughAWriterReadsBackBitForBit) {
  FFSTREAM_REQUIRE_MEDIA();
  FFSTREAM_REQUIRE_CODEC("ffv1", "matroska");
  const auto frames = read_file(media("video.rgb"));  // 10 frames of rgb24
  std::vector<uint8_t> file;
  {
    StreamWriter w(std::make_unique<MemoryWriter>(&file, false), "matroska");
    VideoEncodeOptions v;
    v.frame_rate = kFrameRate;
    v.width = kWidth;
    v.height = kHeight;
    v.encoding.encoder = "ffv1";
    v.encoding.encoder_format = "bgr0";  // RGB kept: lossless
    const int i = w.add_video_stream(v);
    w.open();
    w.write_video_chunk(i, frames.data(), kNumFrames);
    w.close();
  }
  StreamReader r(std::make_unique<BytesReader>(file.data(), file.size()));
  r.add_stream(video_output(0));
  auto chunks = decode_all(r);
  ASSERT_EQ(chunks[0].size(), 1u);
  EXPECT_EQ(chunks[0][0].num_frames(), kNumFrames);
  EXPECT_EQ(bytes_of(chunks[0][0]), frames);
  EXPECT_DOUBLE_EQ(chunks[0][0].frame_pts.at(3), 3 / kFrameRate);
}

TEST(StreamWriter, RawVideoAndAudioOnAnyFFmpeg) {
  FFSTREAM_REQUIRE_MEDIA();
  const auto frames = read_file(media("video.rgb"));
  std::vector<uint8_t> video;
  {
    StreamWriter w(std::make_unique<MemoryWriter>(&video, false), "rawvideo");
    VideoEncodeOptions v;
    v.frame_rate = kFrameRate;
    v.width = kWidth;
    v.height = kHeight;
    v.encoding.encoder = "rawvideo";
    const int i = w.add_video_stream(v);
    w.open();
    w.write_video_chunk(i, frames.data(), 4);
    w.write_video_chunk(i, frames.data() + 4 * kFrameBytes, kNumFrames - 4);
    w.close();
  }
  EXPECT_EQ(video, frames);
  const auto samples = sine_s16(kNumSamples);
  std::vector<uint8_t> audio;
  {
    StreamWriter w(std::make_unique<MemoryWriter>(&audio, false), "s16le");
    AudioEncodeOptions a;
    a.sample_rate = kSampleRate;
    a.num_channels = 1;
    a.format = "s16";
    const int i = w.add_audio_stream(a);
    w.open();
    w.write_audio_chunk(i, reinterpret_cast<const uint8_t*>(samples.data()), kNumSamples);
    w.close();
  }
  ASSERT_EQ(audio.size(), samples.size() * 2);
  EXPECT_EQ(std::memcmp(audio.data(), samples.data(), audio.size()), 0);
}

TEST(StreamWriter, PtsThatGoesBackIsRefused) {
  std::vector<uint8_t> file;
  StreamWriter w(std::make_unique<MemoryWriter>(&file, true), "s16le");
  AudioEncodeOptions a;
  a.sample_rate = kSampleRate;
  a.num_channels = 1;
  a.format = "s16";
  const int i = w.add_audio_stream(a);
  w.open();
  const auto samples = sine_s16(1000);
  const auto* bytes = reinterpret_cast<const uint8_t*>(samples.data());
  w.write_audio_chunk(i, bytes, 1000);
  try {
    w.write_audio_chunk(i, bytes, 1000, 0.05);
    FAIL() << "a pts before the end of what was written must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("0.125"), std::string::npos) << e.what();
  }
}

TEST(StreamWriter, MisuseIsAnError) {
  std::vector<uint8_t> file;
  EXPECT_THROW(StreamWriter(std::make_unique<MemoryWriter>(&file, true), ""), Error);
  StreamWriter w(std::make_unique<MemoryWriter>(&file, true), "f32le");
  EXPECT_THROW(w.open(), Error);  // no stream
  AudioEncodeOptions a;
  a.sample_rate = kSampleRate;
  a.num_channels = 1;
  a.encoding.encoder = "no_such_encoder";
  EXPECT_THROW(w.add_audio_stream(a), Error);
  a.encoding.encoder.clear();
  a.format = "s24";
  EXPECT_THROW(w.add_audio_stream(a), Error);
  a.format = "flt";
  const int i = w.add_audio_stream(a);
  float x = 0;
  EXPECT_THROW(w.write_audio_chunk(i, reinterpret_cast<uint8_t*>(&x), 1), Error);  // not open
  w.open();
  EXPECT_THROW(w.write_video_chunk(i, reinterpret_cast<uint8_t*>(&x), 1), Error);
  EXPECT_THROW(w.write_audio_chunk(1, reinterpret_cast<uint8_t*>(&x), 1), Error);
  w.close();
  EXPECT_THROW(w.write_audio_chunk(i, reinterpret_cast<uint8_t*>(&x), 1), Error);
}

}  // namespace
}  // namespace ffstream::test
