// Errors of the public API (kind and message), use after close(), and the
// FFmpeg facts in ffstream/utils.h.
#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <typeinfo>

#include "ffstream/error.h"
#include "ffstream/stream_reader.h"
#include "ffstream/utils.h"
#include "test_support.h"

namespace ffstream::test {
namespace {

// Runs `f`, which must throw ffstream::Error; returns it for further checks.
std::optional<Error> error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ffstream::Error, got " << typeid(e).name()
                  << ": " << e.what();
    return std::nullopt;
  }
  ADD_FAILURE() << "expected ffstream::Error, nothing was thrown";
  return std::nullopt;
}

#define EXPECT_ERROR_KIND(statement, expected_kind)                  \
  do {                                                               \
    SCOPED_TRACE(#statement);                                        \
    auto err_ = error_of([&] { statement; });                        \
    if (err_) {                                                      \
      EXPECT_EQ(err_->kind(), expected_kind) << "message: "          \
                                             << err_->what();        \
    }                                                                \
  } while (0)

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------

TEST(Errors, MissingFileIsNotFound) {
  const std::string path = "/nonexistent/ffstream/no_such_file.wav";
  auto e = error_of([&] { StreamReader reader(path); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::kNotFound) << e->what();
  EXPECT_TRUE(contains(e->what(), path)) << e->what();
  EXPECT_NE(e->av_code(), 0);
  // Callers that catch std::runtime_error keep working.
  EXPECT_THROW(StreamReader reader(path), std::runtime_error);
}

TEST(Errors, UnknownInputFormat) {
  auto e = error_of([] { StreamReader reader(kSine, "no_such_format"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::kInvalidArgument) << e->what();
  EXPECT_TRUE(contains(e->what(), "no_such_format")) << e->what();
}

TEST(Errors, UnusedOpenOptionIsNamed) {
  auto e = error_of([] {
    StreamReader reader(kSine, "lavfi", {{"no_such_open_option", "1"}});
  });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::kInvalidArgument) << e->what();
  EXPECT_TRUE(contains(e->what(), "no_such_open_option")) << e->what();
}

TEST(Errors, BadLavfiGraph) {
  auto e = error_of([] { StreamReader reader("no_such_source=1", "lavfi"); });
  ASSERT_TRUE(e);
  EXPECT_TRUE(contains(e->what(), "no_such_source")) << e->what();
}

// ---------------------------------------------------------------------------
// Indices
// ---------------------------------------------------------------------------

TEST(Errors, SourceStreamIndexOutOfRange) {
  StreamReader reader(kAudioVideo, "lavfi");
  EXPECT_ERROR_KIND(reader.src_stream_info(2), ErrorKind::kIndexOutOfRange);
  EXPECT_ERROR_KIND(reader.src_stream_info(-1), ErrorKind::kIndexOutOfRange);
  EXPECT_ERROR_KIND(reader.add_stream(audio_output(5)),
                    ErrorKind::kIndexOutOfRange);
  EXPECT_ERROR_KIND(reader.add_stream(video_output(-1)),
                    ErrorKind::kIndexOutOfRange);
  EXPECT_EQ(reader.num_out_streams(), 0);
}

TEST(Errors, OutputIndexOutOfRange) {
  StreamReader reader(kSine, "lavfi");
  EXPECT_ERROR_KIND(reader.out_stream_info(0), ErrorKind::kIndexOutOfRange);
  EXPECT_ERROR_KIND(reader.remove_stream(0), ErrorKind::kIndexOutOfRange);
  reader.add_stream(audio_output(0));
  EXPECT_ERROR_KIND(reader.out_stream_info(1), ErrorKind::kIndexOutOfRange);
  EXPECT_ERROR_KIND(reader.remove_stream(-1), ErrorKind::kIndexOutOfRange);
  EXPECT_EQ(reader.num_out_streams(), 1);
}

// ---------------------------------------------------------------------------
// Output arguments
// ---------------------------------------------------------------------------

TEST(Errors, MediaTypeMismatch) {
  StreamReader reader(kAudioVideo, "lavfi");
  EXPECT_ERROR_KIND(reader.add_stream(audio_output(0)),
                    ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(reader.add_stream(video_output(1)),
                    ErrorKind::kInvalidArgument);
}

TEST(Errors, BadFilterIsInvalidArgument) {
  StreamReader reader(kSine, "lavfi");
  auto e = error_of(
      [&] { reader.add_stream(audio_output(0, -1, "no_such_filter=1")); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::kInvalidArgument) << e->what();
  EXPECT_TRUE(contains(e->what(), "no_such_filter")) << e->what();
  // A failed add_stream leaves nothing behind; a good one still works.
  EXPECT_EQ(reader.num_out_streams(), 0);
  reader.add_stream(audio_output(0));
  auto chunks = decode_all(reader);
  EXPECT_EQ(total_frames(chunks[0]), kNumSamples);
}

TEST(Errors, VideoFilterOnAudioStream) {
  StreamReader reader(kSine, "lavfi");
  EXPECT_ERROR_KIND(
      reader.add_stream(audio_output(0, -1, "format=pix_fmts=rgb24")),
      ErrorKind::kInvalidArgument);
}

TEST(Errors, UnknownDecoderOptionIsNamed) {
  StreamReader reader(kSine, "lavfi");
  OutputOptions o = audio_output(0);
  o.decoder_options = {{"no_such_decoder_option", "1"}};
  auto e = error_of([&] { reader.add_stream(o); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::kInvalidArgument) << e->what();
  EXPECT_TRUE(contains(e->what(), "no_such_decoder_option")) << e->what();
  EXPECT_EQ(reader.num_out_streams(), 0);
}

TEST(Errors, UnknownDecoder) {
  StreamReader reader(kSine, "lavfi");
  OutputOptions o = audio_output(0);
  o.decoder = "no_such_decoder";
  auto e = error_of([&] { reader.add_stream(o); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::kInvalidArgument) << e->what();
  EXPECT_TRUE(contains(e->what(), "no_such_decoder")) << e->what();
}

TEST(Errors, DecoderForAnotherCodec) {
  StreamReader reader(kSine, "lavfi");
  OutputOptions o = audio_output(0);
  o.decoder = "flac";
  EXPECT_ERROR_KIND(reader.add_stream(o), ErrorKind::kInvalidArgument);
}

TEST(Errors, FilterDescAndBasicOptionsTogether) {
  StreamReader reader(kSine, "lavfi");
  OutputOptions o = audio_output(0, 100, std::string("anull"));
  o.sample_rate = 4000;
  EXPECT_ERROR_KIND(reader.add_stream(o), ErrorKind::kInvalidArgument);
  EXPECT_EQ(reader.num_out_streams(), 0);
  // Basic options alone build torchaudio's filter string.
  o.filter_desc.reset();
  o.format = "s16";
  reader.add_stream(o);
  EXPECT_EQ(reader.out_stream_info(0).filter_description,
            "aresample=4000,aformat=sample_fmts=s16");
}

TEST(Errors, BadChunkSizes) {
  StreamReader reader(kSine, "lavfi");
  for (int64_t bad : {int64_t{0}, int64_t{-2}}) {
    OutputOptions o = audio_output(0, bad);
    EXPECT_ERROR_KIND(reader.add_stream(o), ErrorKind::kInvalidArgument);
    o = audio_output(0, 100);
    o.buffer_chunk_size = bad;
    EXPECT_ERROR_KIND(reader.add_stream(o), ErrorKind::kInvalidArgument);
  }
  EXPECT_EQ(reader.num_out_streams(), 0);
}

// A codec NVDEC cannot decode (lavfi's rawvideo) is refused, with or
// without a GPU, before any device is opened.
TEST(Errors, HardwareAccelerationRefusesCodecsTheGpuLacks) {
  StreamReader reader(kTestsrc, "lavfi");
  OutputOptions o = video_output(0, -1, std::nullopt);
  o.hw_accel = "cuda";
  EXPECT_ERROR_KIND(reader.add_stream(o), ErrorKind::kNotImplemented);
  EXPECT_EQ(reader.num_out_streams(), 0);
}

TEST(Errors, HardwareAccelerationArgumentsAreChecked) {
  StreamReader reader(kTestsrc, "lavfi");
  for (const char* bad : {"cpu", "cuda:", "cuda:x", "CUDA"}) {
    OutputOptions o = video_output(0, -1, std::nullopt);
    o.hw_accel = bad;
    EXPECT_ERROR_KIND(reader.add_stream(o), ErrorKind::kInvalidArgument);
  }
  OutputOptions sized = video_output(0, -1, std::nullopt);
  sized.hw_accel = "cuda";
  sized.width = 32;
  EXPECT_ERROR_KIND(reader.add_stream(sized), ErrorKind::kInvalidArgument);
  OutputOptions filtered = video_output(0);
  filtered.hw_accel = "cuda";
  filtered.filter_desc = "scale_cuda=32:24";
  EXPECT_ERROR_KIND(reader.add_stream(filtered), ErrorKind::kNotImplemented);
  // A stream decoded on the CPU cannot also be decoded on the GPU.
  reader.add_stream(video_output(0));
  OutputOptions gpu = video_output(0, -1, std::nullopt);
  gpu.hw_accel = "cuda";
  EXPECT_ERROR_KIND(reader.add_stream(gpu), ErrorKind::kInvalidArgument);
  EXPECT_EQ(reader.num_out_streams(), 1);
}

TEST(Errors, NegativeSeek) {
  StreamReader reader(kSine, "lavfi");
  EXPECT_ERROR_KIND(reader.seek(-1.0), ErrorKind::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// close()
// ---------------------------------------------------------------------------

TEST(Errors, EveryCallAfterCloseIsClosed) {
  StreamReader reader(kSine, "lavfi");
  reader.add_stream(audio_output(0));
  reader.process_packet();
  reader.close();
  EXPECT_TRUE(reader.closed());
  EXPECT_ERROR_KIND(reader.num_src_streams(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.default_audio_stream(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.default_video_stream(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.metadata(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.src_stream_info(0), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.add_stream(audio_output(0)), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.remove_stream(0), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.num_out_streams(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.out_stream_info(0), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.process_packet(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.process_all_packets(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.fill_buffer(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.is_buffer_ready(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.pop_chunks(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(reader.seek(0.0), ErrorKind::kClosed);
  reader.close();  // closing twice is harmless
  EXPECT_TRUE(reader.closed());
}

TEST(Errors, MovedFromReaderIsClosed) {
  StreamReader a(kSine, "lavfi");
  StreamReader b(std::move(a));
  EXPECT_TRUE(a.closed());  // NOLINT(bugprone-use-after-move)
  EXPECT_ERROR_KIND(a.num_src_streams(), ErrorKind::kClosed);
  EXPECT_EQ(b.num_src_streams(), 1);
}

// ---------------------------------------------------------------------------
// utils
// ---------------------------------------------------------------------------

TEST(Utils, LibraryVersions) {
  const auto versions = library_versions();
  for (const char* lib : {"libavutil", "libavcodec", "libavformat",
                          "libavfilter", "libavdevice", "libswscale",
                          "libswresample"}) {
    ASSERT_EQ(versions.count(lib), 1u) << lib;
  }
  // FFmpeg 4.4 has libavcodec 58; anything older is unsupported.
  EXPECT_GE(std::get<0>(versions.at("libavcodec")), 58);
}

TEST(Utils, CodecAndFormatLists) {
  EXPECT_EQ(audio_decoders().count("flac"), 1u);
  EXPECT_EQ(audio_decoders().count("ffv1"), 0u);
  EXPECT_EQ(video_decoders().count("ffv1"), 1u);
  EXPECT_EQ(input_devices().count("lavfi"), 1u);
  EXPECT_EQ(demuxers().count("matroska,webm"), 1u);
  // The wheel's FFmpeg has only the raw muxers its ffmpeg program needs for
  // reference decodes (ci/build_ffmpeg.sh).
  const bool raw_muxers_only =
      build_config().find("--disable-muxers") != std::string::npos;
  EXPECT_EQ(muxers().count(raw_muxers_only ? "rawvideo" : "matroska"), 1u);
  const auto protocols = input_protocols();
  EXPECT_NE(std::find(protocols.begin(), protocols.end(), "file"),
            protocols.end());
  EXPECT_FALSE(build_config().empty());
}

TEST(Utils, LogLevelRoundTrip) {
  const int before = log_level();
  set_log_level(-8);  // AV_LOG_QUIET
  EXPECT_EQ(log_level(), -8);
  set_log_level(before);
  EXPECT_EQ(log_level(), before);
}

}  // namespace
}  // namespace ffstream::test
