// Custom byte sources: BytesReader over memory and Reader subclasses (short
// reads, non-seekable, raising). Whatever a Reader throws must come out of
// the StreamReader call unchanged: same type, same message.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include "ffstream/bytes_reader.h"
#include "ffstream/error.h"
#include "ffstream/reader.h"
#include "ffstream/stream_reader.h"
#include "test_support.h"

namespace ffstream::test {
namespace {

// Reads memory in pieces of at most `max_read` bytes; seekable on request.
class ChoppyReader : public Reader {
 public:
  ChoppyReader(const std::vector<uint8_t>& data, int64_t max_read,
               bool seekable)
      : data_(data), max_read_(max_read), seekable_(seekable) {}

  int64_t read(uint8_t* buf, int64_t size) override {
    const int64_t left = static_cast<int64_t>(data_.size()) - position_;
    const int64_t n = std::max<int64_t>(0, std::min({size, max_read_, left}));
    std::memcpy(buf, data_.data() + position_, n);
    position_ += n;
    return n;
  }
  bool seekable() const override { return seekable_; }
  int64_t seek(int64_t offset, int whence) override {
    if (!seekable_) return Reader::seek(offset, whence);
    const int64_t end = static_cast<int64_t>(data_.size());
    const int64_t base = whence == SEEK_SET   ? 0
                         : whence == SEEK_CUR ? position_
                                              : end;
    position_ = base + offset;
    return position_;
  }
  int64_t size() override {
    return seekable_ ? static_cast<int64_t>(data_.size()) : -1;
  }

 private:
  const std::vector<uint8_t>& data_;
  int64_t max_read_;
  bool seekable_;
  int64_t position_ = 0;
};

// Throws from read() and seek() once `armed` is set (from the start if it is
// set at construction).
template <typename Exception>
class FailingReader : public BytesReader {
 public:
  FailingReader(const std::vector<uint8_t>& data, std::shared_ptr<bool> armed,
                Exception error)
      : BytesReader(data.data(), data.size()),
        armed_(std::move(armed)),
        error_(std::move(error)) {}

  int64_t read(uint8_t* buf, int64_t size) override {
    if (*armed_) throw error_;
    return BytesReader::read(buf, size);
  }
  int64_t seek(int64_t offset, int whence) override {
    if (*armed_) throw error_;
    return BytesReader::seek(offset, whence);
  }

 private:
  std::shared_ptr<bool> armed_;
  Exception error_;
};

// An exception type FFmpeg and ffstream know nothing about.
struct StorageFailure : std::exception {
  explicit StorageFailure(int c) : code(c) {}
  const char* what() const noexcept override { return "storage failure"; }
  int code;
};

void add_both_outputs(StreamReader& reader) {
  reader.add_stream(video_output(0));
  reader.add_stream(audio_output(1));
}

void expect_same_chunks(const std::vector<std::vector<Chunk>>& got,
                        const std::vector<std::vector<Chunk>>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("output " + std::to_string(i));
    ASSERT_EQ(got[i].size(), want[i].size());
    for (size_t k = 0; k < got[i].size(); ++k) {
      EXPECT_EQ(got[i][k].dtype, want[i][k].dtype);
      EXPECT_EQ(got[i][k].shape, want[i][k].shape);
      EXPECT_EQ(got[i][k].strides, want[i][k].strides);
      EXPECT_DOUBLE_EQ(got[i][k].pts, want[i][k].pts);
      EXPECT_TRUE(bytes_of(got[i][k]) == bytes_of(want[i][k]))
          << "chunk " << k << " differs";
    }
  }
}

std::vector<std::vector<Chunk>> decode_path() {
  StreamReader reader(media("av.mkv"));
  add_both_outputs(reader);
  return decode_all(reader);
}

// ---------------------------------------------------------------------------
// Readers that work
// ---------------------------------------------------------------------------

TEST(BytesReaderTest, SameChunksAsThePath) {
  FFSTREAM_REQUIRE_MEDIA();
  const auto data = read_file(media("av.mkv"));
  StreamReader reader(std::make_unique<BytesReader>(data.data(), data.size()));
  ASSERT_EQ(reader.num_src_streams(), 2);
  EXPECT_EQ(reader.src_stream_info(0).codec_name, "ffv1");
  EXPECT_EQ(reader.src_stream_info(1).codec_name, "flac");
  add_both_outputs(reader);
  auto got = decode_all(reader);
  ASSERT_EQ(total_frames(got[0]), kNumFrames);
  ASSERT_EQ(total_frames(got[1]), kNumSamples);
  expect_same_chunks(got, decode_path());
}

TEST(BytesReaderTest, FormatAndSmallAvioBuffer) {
  FFSTREAM_REQUIRE_MEDIA();
  const auto data = read_file(media("av.mkv"));
  StreamReader reader(std::make_unique<BytesReader>(data.data(), data.size()),
                      "matroska", {}, /*buffer_size=*/256);
  add_both_outputs(reader);
  expect_same_chunks(decode_all(reader), decode_path());
}

TEST(BytesReaderTest, SeekLikeThePath) {
  FFSTREAM_REQUIRE_MEDIA();
  const auto data = read_file(media("av.mkv"));
  StreamReader from_bytes(
      std::make_unique<BytesReader>(data.data(), data.size()));
  StreamReader from_path(media("av.mkv"));
  add_both_outputs(from_bytes);
  add_both_outputs(from_path);
  from_bytes.process_all_packets();
  from_bytes.seek(0.55);
  from_path.seek(0.55);
  auto got = decode_all(from_bytes);
  ASSERT_EQ(total_frames(got[0]), 4);
  expect_same_chunks(got, decode_all(from_path));
}

TEST(BytesReaderTest, ReadAndSeekSemantics) {
  const uint8_t data[] = {1, 2, 3, 4, 5};
  BytesReader r(data, sizeof(data));
  EXPECT_TRUE(r.seekable());
  EXPECT_EQ(r.size(), 5);
  uint8_t buf[8] = {};
  EXPECT_EQ(r.read(buf, 3), 3);
  EXPECT_EQ(buf[2], 3);
  EXPECT_EQ(r.read(buf, 8), 2);
  EXPECT_EQ(buf[0], 4);
  EXPECT_EQ(r.read(buf, 8), 0);
  EXPECT_EQ(r.seek(-2, SEEK_END), 3);
  EXPECT_EQ(r.seek(1, SEEK_CUR), 4);
  EXPECT_EQ(r.read(buf, 8), 1);
  EXPECT_EQ(buf[0], 5);
  EXPECT_EQ(r.seek(0, SEEK_SET), 0);
  EXPECT_THROW(r.seek(-1, SEEK_SET), Error);
}

TEST(CustomReader, ShortReadsSeekable) {
  FFSTREAM_REQUIRE_MEDIA();
  const auto data = read_file(media("av.mkv"));
  StreamReader reader(std::make_unique<ChoppyReader>(data, 7, true));
  add_both_outputs(reader);
  expect_same_chunks(decode_all(reader), decode_path());
}

TEST(CustomReader, NonSeekableStreamableFormat) {
  FFSTREAM_REQUIRE_MEDIA();
  const auto data = read_file(media("av.mkv"));
  StreamReader reader(std::make_unique<ChoppyReader>(data, 1000, false));
  add_both_outputs(reader);
  expect_same_chunks(decode_all(reader), decode_path());
}

// ---------------------------------------------------------------------------
// Readers that fail
// ---------------------------------------------------------------------------

TEST(CustomReader, RuntimeErrorFromReadLeavesTheConstructorUnchanged) {
  const std::vector<uint8_t> data(1000, 0);
  auto armed = std::make_shared<bool>(true);
  try {
    StreamReader reader(std::make_unique<FailingReader<std::runtime_error>>(
        data, armed, std::runtime_error("disk on fire at byte 0")));
    FAIL() << "the constructor returned";
  } catch (const Error& e) {
    FAIL() << "got ffstream::Error instead of the reader's exception: "
           << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(typeid(e), typeid(std::runtime_error));
    EXPECT_STREQ(e.what(), "disk on fire at byte 0");
  }
}

TEST(CustomReader, ForeignExceptionTypeIsKept) {
  const std::vector<uint8_t> data(1000, 0);
  auto armed = std::make_shared<bool>(true);
  try {
    StreamReader reader(std::make_unique<FailingReader<StorageFailure>>(
        data, armed, StorageFailure(42)));
    FAIL() << "the constructor returned";
  } catch (const StorageFailure& e) {
    EXPECT_EQ(e.code, 42);
  } catch (const std::exception& e) {
    FAIL() << "got " << typeid(e).name() << ": " << e.what();
  }
}

TEST(CustomReader, ErrorFromSeekLeavesStreamReaderSeek) {
  FFSTREAM_REQUIRE_MEDIA();
  const auto data = read_file(media("av.mkv"));
  auto armed = std::make_shared<bool>(false);
  StreamReader reader(std::make_unique<FailingReader<std::runtime_error>>(
      data, armed, std::runtime_error("seek went wrong")));
  add_both_outputs(reader);
  reader.process_all_packets();
  *armed = true;
  try {
    reader.seek(0.0);
    FAIL() << "seek returned";
  } catch (const Error& e) {
    FAIL() << "got ffstream::Error instead of the reader's exception: "
           << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(typeid(e), typeid(std::runtime_error));
    EXPECT_STREQ(e.what(), "seek went wrong");
  }
}

TEST(CustomReader, ReadingMoreThanAskedIsInvalidData) {
  class Liar : public Reader {
   public:
    int64_t read(uint8_t*, int64_t size) override { return size + 1; }
  };
  try {
    StreamReader reader(std::make_unique<Liar>());
    FAIL() << "the constructor returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidData) << e.what();
  }
}

TEST(CustomReader, NonMediaBytesAreInvalidData) {
  std::vector<uint8_t> data(4096);
  for (size_t i = 0; i < data.size(); ++i) data[i] = (i * 7919u) >> 3 & 0xff;
  try {
    StreamReader reader(
        std::make_unique<BytesReader>(data.data(), data.size()));
    FAIL() << "the constructor returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidData) << e.what();
  }
}

TEST(CustomReader, BufferSizeMustBePositive) {
  const uint8_t data[] = {0};
  try {
    StreamReader reader(std::make_unique<BytesReader>(data, 1), std::nullopt,
                        {}, 0);
    FAIL() << "the constructor returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

}  // namespace
}  // namespace ffstream::test
