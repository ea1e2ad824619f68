// OutputPlan (detail/output_plan.h): what an output will be, decided from its
// options and the source stream's parameters alone. These tests build the
// stream and decoder parameters by hand, so nothing is opened or decoded.
#include <gtest/gtest.h>

#include <string>

#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/output_plan.h"
#include "ffstream/detail/raii.h"
#include "ffstream/error.h"

namespace ffstream::test {
namespace {

using namespace ffstream::detail;

OutputOptions audio() {
  OutputOptions o;
  o.media_type = MediaType::kAudio;
  return o;
}

OutputOptions video() {
  OutputOptions o;
  o.media_type = MediaType::kVideo;
  return o;
}

ErrorKind kind_of(const OutputOptions& o) {
  try {
    check_output_options(o);
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "the options were accepted";
  return ErrorKind::kGeneric;
}

// A container holding one stream whose parameters the test sets.
struct FakeStream {
  FormatContextPtr format{avformat_alloc_context()};
  AVStream* stream = avformat_new_stream(format.get(), nullptr);
};

TEST(OutputPlan, RefusesOptionsNoSourceCouldUse) {
  OutputOptions both = video();
  both.filter_desc = "hflip";
  both.format = "rgb24";
  EXPECT_EQ(kind_of(both), ErrorKind::kInvalidArgument);

  OutputOptions zero = audio();
  zero.frames_per_chunk = 0;
  EXPECT_EQ(kind_of(zero), ErrorKind::kInvalidArgument);

  OutputOptions two_sizes = audio();
  two_sizes.seconds_per_chunk = 0.5;
  two_sizes.frames_per_chunk = 100;
  EXPECT_EQ(kind_of(two_sizes), ErrorKind::kInvalidArgument);

  OutputOptions gpu_audio = audio();
  gpu_audio.hw_accel = "cuda";
  EXPECT_EQ(kind_of(gpu_audio), ErrorKind::kInvalidArgument);

  OutputOptions gpu_filter = video();
  gpu_filter.hw_accel = "cuda";
  gpu_filter.filter_desc = "hflip";
  EXPECT_EQ(kind_of(gpu_filter), ErrorKind::kNotImplemented);

  OutputOptions rotate_audio = audio();
  rotate_audio.rotate = true;
  EXPECT_EQ(kind_of(rotate_audio), ErrorKind::kInvalidArgument);

  EXPECT_NO_THROW(check_output_options(audio()));
  EXPECT_NO_THROW(check_output_options(video()));
}

TEST(OutputPlan, BasicFilterInTorchaudiosOrder) {
  OutputOptions a = audio();
  a.sample_rate = 16000;
  a.format = "s16";
  a.num_channels = 2;
  EXPECT_EQ(basic_filter(a, 0),
            "aresample=16000,aformat=sample_fmts=s16:channel_layouts=2c");

  OutputOptions v = video();
  v.frame_rate = "30";
  v.width = 32;
  v.format = "rgb24";
  // FFmpeg 5.1's scale refuses a width alone: the height is kept.
  EXPECT_EQ(basic_filter(v, 0), "fps=30,scale=width=32:height=ih,format=pix_fmts=rgb24");
  EXPECT_EQ(basic_filter(video(), 0), "");
}

TEST(OutputPlan, QuarterTurnsComeLastAndSwapTheAskedSize) {
  OutputOptions v = video();
  v.rotate = true;
  v.width = 64;
  v.height = 48;
  EXPECT_EQ(basic_filter(v, 1), "scale=width=48:height=64,transpose=cclock");
  EXPECT_EQ(basic_filter(v, 2), "scale=width=64:height=48,hflip,vflip");
  EXPECT_EQ(basic_filter(v, 3), "scale=width=48:height=64,transpose=clock");

  EXPECT_EQ(upright_turns(v, 90, "s"), 1);
  EXPECT_EQ(upright_turns(v, -90, "s"), 3);
  EXPECT_EQ(upright_turns(v, 180.4, "s"), 2);
  EXPECT_EQ(upright_turns(video(), 90, "s"), 0);  // without rotate=True
  try {
    upright_turns(v, 45, "stream 0 of 'a.mp4'");
    ADD_FAILURE() << "45 degrees was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotImplemented);
    EXPECT_NE(std::string(e.what()).find("stream 0 of 'a.mp4'"), std::string::npos);
  }
}

TEST(OutputPlan, FormatAloneIsWrittenByTheConverter) {
  OutputOptions v = video();
  v.format = "rgb24";
  EXPECT_EQ(effective_filter(v, AV_PIX_FMT_YUV420P, 0), "format=pix_fmts=rgb24");
  EXPECT_EQ(direct_format(v, AV_PIX_FMT_YUV420P, 0), AV_PIX_FMT_RGB24);
  v.width = 32;  // a size change needs the graph
  EXPECT_EQ(direct_format(v, AV_PIX_FMT_YUV420P, 0), std::nullopt);

  OutputOptions a = audio();
  a.format = "s16";
  EXPECT_EQ(direct_format(a, AV_PIX_FMT_NONE, 0), AV_SAMPLE_FMT_S16);
  a.sample_rate = 16000;
  EXPECT_EQ(direct_format(a, AV_PIX_FMT_NONE, 0), std::nullopt);

  OutputOptions user = video();
  user.filter_desc = "hflip";
  EXPECT_EQ(effective_filter(user, AV_PIX_FMT_YUV420P, 0), "hflip");
  EXPECT_EQ(direct_format(user, AV_PIX_FMT_YUV420P, 0), std::nullopt);
}

TEST(OutputPlan, PixelFormatWithoutConverterBecomesTheNearest) {
  // yuv420p has a converter: nothing to do.
  EXPECT_EQ(effective_filter(video(), AV_PIX_FMT_YUV420P, 0), "");
  EXPECT_EQ(direct_format(video(), AV_PIX_FMT_YUV420P, 0), std::nullopt);
  // yuv422p has none: converted into the nearest format that has, by the
  // converter, and the info names that conversion.
  const std::string filter = effective_filter(video(), AV_PIX_FMT_YUV422P, 0);
  const std::string prefix = "format=pix_fmts=";
  ASSERT_EQ(filter.rfind(prefix, 0), 0u) << filter;
  const AVPixelFormat nearest = av_get_pix_fmt(filter.substr(prefix.size()).c_str());
  EXPECT_NE(nearest, AV_PIX_FMT_NONE);
  EXPECT_NE(nearest, AV_PIX_FMT_YUV422P);
  EXPECT_EQ(direct_format(video(), AV_PIX_FMT_YUV422P, 0), nearest);
  // GPU frames pass through as decoded.
  OutputOptions gpu = video();
  gpu.hw_accel = "cuda";
  EXPECT_EQ(effective_filter(gpu, AV_PIX_FMT_YUV422P, 0), "");
}

TEST(OutputPlan, PlanFromDecoderParameters) {
  FakeStream s;
  CodecContextPtr decoder{avcodec_alloc_context3(nullptr)};
  decoder->codec_type = AVMEDIA_TYPE_VIDEO;
  decoder->pix_fmt = AV_PIX_FMT_YUV420P;
  decoder->width = 64;
  decoder->height = 48;
  OutputOptions v = video();
  v.source_index = 0;
  v.format = "rgb24";
  v.seconds_per_chunk = 0.1;
  const OutputPlan plan = plan_output(v, s.stream, decoder.get(), "s");
  EXPECT_EQ(plan.source_index, 0);
  EXPECT_EQ(plan.filter_description, "format=pix_fmts=rgb24");
  EXPECT_EQ(plan.direct_format, AV_PIX_FMT_RGB24);
  EXPECT_EQ(plan.sizing.seconds_per_chunk.num, 1);
  EXPECT_EQ(plan.sizing.seconds_per_chunk.den, 10);

  decoder->pix_fmt = AV_PIX_FMT_NONE;  // parameters FFmpeg could not find
  try {
    plan_output(v, s.stream, decoder.get(), "s");
    ADD_FAILURE() << "unknown frames were accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidData);
  }
}

TEST(OutputPlan, GroupOutputIsCheckedInItsOwnMediaType) {
  FakeStream s;
  s.stream->index = 3;
  SinkParams sink;
  sink.media_type = AVMEDIA_TYPE_VIDEO;
  sink.format = AV_PIX_FMT_YUV422P;
  OutputOptions o = audio();  // the add call's type; this sink is video
  o.yuv_i420 = true;
  const OutputPlan plan = plan_group_output(o, s.stream, sink, "[0:v]hflip");
  EXPECT_EQ(plan.source_index, 3);
  EXPECT_EQ(plan.filter_description, "[0:v]hflip");
  EXPECT_EQ(plan.direct_format, direct_format(video(), AV_PIX_FMT_YUV422P, 0));

  sink.media_type = AVMEDIA_TYPE_AUDIO;
  EXPECT_THROW(plan_group_output(o, s.stream, sink, "x"), Error);
}

TEST(OutputPlan, GpuPlanesFromBitDepthAndSubsampling) {
  FakeStream s;
  s.stream->codecpar->width = 1920;
  s.stream->codecpar->height = 1080;
  s.stream->codecpar->format = AV_PIX_FMT_YUV420P;
  GpuFrames f = gpu_frames(s.stream, {}, "s");
  EXPECT_EQ(f.sw_format, AV_PIX_FMT_NV12);
  EXPECT_EQ(f.width, 1920);
  EXPECT_EQ(f.height, 1080);
  f = gpu_frames(s.stream, {{"crop", "8x0x0x16"}}, "s");
  EXPECT_EQ(f.width, 1904);
  EXPECT_EQ(f.height, 1072);
  f = gpu_frames(s.stream, {{"resize", "640x360"}}, "s");
  EXPECT_EQ(f.width, 640);
  EXPECT_EQ(f.height, 360);

  s.stream->codecpar->format = AV_PIX_FMT_YUV420P10LE;
  EXPECT_EQ(gpu_frames(s.stream, {}, "s").sw_format, AV_PIX_FMT_P010LE);
  s.stream->codecpar->format = AV_PIX_FMT_YUV444P;
  EXPECT_EQ(gpu_frames(s.stream, {}, "s").sw_format, AV_PIX_FMT_YUV444P);
  s.stream->codecpar->format = AV_PIX_FMT_YUV422P;  // NVDEC has no 4:2:2
  EXPECT_THROW(gpu_frames(s.stream, {}, "s"), Error);
}

TEST(OutputPlan, CapacityHint) {
  FakeStream s;
  OutputOptions o = audio();
  o.seconds_per_chunk = 0.5;
  // One window of samples and one spare.
  EXPECT_EQ(capacity_hint(o, s.format.get(), s.stream, 8000, 4), 4001);

  OutputOptions fixed = audio();
  fixed.frames_per_chunk = 10;
  EXPECT_EQ(capacity_hint(fixed, s.format.get(), s.stream, 8000, 4), 0);

  // frames_per_chunk=-1: the stream's duration from its header, with a
  // margin; 0 while the duration is unknown.
  OutputOptions all = video();
  EXPECT_EQ(capacity_hint(all, s.format.get(), s.stream, 10, 100), 0);
  s.stream->time_base = AVRational{1, 1000};
  s.stream->duration = 2000;
  EXPECT_EQ(capacity_hint(all, s.format.get(), s.stream, 10, 100), 36);
  // Capped at 256 MiB of frames.
  EXPECT_EQ(capacity_hint(all, s.format.get(), s.stream, 10, size_t{128} << 20), 2);
}

}  // namespace
}  // namespace ffstream::test
