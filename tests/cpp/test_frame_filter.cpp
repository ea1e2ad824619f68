// FrameFilter through the public C++ API: samples and images pushed from
// memory come out filtered, labels are matched before anything runs, and
// safe mode reads a description before FFmpeg does.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ffstream/detail/filter_safety.h"
#include "ffstream/error.h"
#include "ffstream/frame_filter.h"

namespace ffstream::test {
namespace {

FilterInputSpec mono(const std::string& name = "") {
  FilterInputSpec s;
  s.name = name;
  s.format = "flt";
  s.sample_rate = 8000;
  s.num_channels = 1;
  return s;
}

std::vector<float> ramp(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i % 200) / 200.0f - 0.5f;
  return v;
}

const float* samples(const Chunk& c) { return reinterpret_cast<const float*>(c.data); }

TEST(FrameFilter, PushableFormatsComeFromTheFormatTable) {
  using PixelFormat = std::pair<std::string, int>;
  const std::vector<PixelFormat> pixels = pushable_pixel_formats();
  for (const PixelFormat& expected : std::vector<PixelFormat>{
           {"rgb24", 3}, {"bgr24", 3}, {"gray", 1}, {"rgba", 4}, {"abgr", 4}}) {
    EXPECT_NE(std::find(pixels.begin(), pixels.end(), expected), pixels.end())
        << expected.first;
  }
  EXPECT_EQ(pixels.size(), 7u);  // the packed 8-bit ones: not yuv, not rgb48le
  using SampleFormat = std::pair<std::string, std::string>;
  const std::vector<SampleFormat> samples = pushable_sample_formats();
  EXPECT_EQ(samples.size(), 12u);  // FFmpeg's six sample types, packed and planar
  EXPECT_EQ(samples.front(), SampleFormat("u8", "uint8"));
  EXPECT_NE(std::find(samples.begin(), samples.end(), SampleFormat("fltp", "float32")),
            samples.end());
}

TEST(FrameFilter, VolumeHalvesEverySample) {
  FrameFilter filter("volume=0.5", {mono()});
  const std::vector<float> in = ramp(10000);
  filter.push(0, reinterpret_cast<const uint8_t*>(in.data()), in.size());
  filter.close(0);
  auto chunk = filter.pull(0);
  ASSERT_TRUE(chunk);
  ASSERT_EQ(chunk->num_frames(), 10000);
  ASSERT_EQ(chunk->dtype, DType::kFloat32);
  for (int i = 0; i < 10000; ++i) EXPECT_EQ(samples(*chunk)[i], in[i] * 0.5f) << i;
  EXPECT_DOUBLE_EQ(chunk->pts, 0.0);
  EXPECT_FALSE(filter.pull(0));
  EXPECT_TRUE(filter.finished(0));
}

TEST(FrameFilter, PtsFollowsThePushes) {
  FrameFilter filter("anull", {mono()});
  const std::vector<float> in = ramp(800);
  filter.push(0, reinterpret_cast<const uint8_t*>(in.data()), 400, 2.0);
  EXPECT_DOUBLE_EQ(filter.pull(0)->pts, 2.0);
  filter.push(0, reinterpret_cast<const uint8_t*>(in.data() + 400), 400);
  EXPECT_DOUBLE_EQ(filter.pull(0)->pts, 2.05);
}

TEST(FrameFilter, ImagesGoThroughVideoFilters) {
  FilterInputSpec s;
  s.video = true;
  s.format = "gray";
  s.width = 4;
  s.height = 2;
  s.frame_rate_num = 10;
  const uint8_t image[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  FrameFilter filter("hflip", {s});
  filter.push(0, image, 1);
  filter.close(0);
  auto chunk = filter.pull(0);
  ASSERT_TRUE(chunk);
  EXPECT_EQ(chunk->shape, (std::vector<int64_t>{1, 1, 2, 4}));
  const uint8_t flipped[8] = {4, 3, 2, 1, 8, 7, 6, 5};
  EXPECT_EQ(std::memcmp(chunk->data, flipped, 8), 0);
  ASSERT_TRUE(chunk->has_frame_times);
  EXPECT_DOUBLE_EQ(chunk->frame_duration[0], 0.1);
}

TEST(FrameFilter, LabelsMustMatchTheInputsGiven) {
  try {
    FrameFilter filter("[a][b]amix", {mono("a")});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("[a], [b]"), std::string::npos) << e.what();
  }
  FrameFilter two("[a][b]amix=inputs=2[m]", {mono("b"), mono("a")});
  EXPECT_EQ(two.num_inputs(), 2);
  EXPECT_EQ(two.input(0).name, "b");
  EXPECT_EQ(two.output(0).name, "m");
}

TEST(FrameFilter, SafeModeRefusesFilesBeforeFFmpegOpensThem) {
  EXPECT_THROW(FrameFilter("amovie=/etc/passwd", {}, true), Error);
  EXPECT_THROW(FrameFilter("anull,ametadata=mode=print:file=/tmp/x", {mono()}, true), Error);
  EXPECT_NO_THROW(FrameFilter("atempo=1.25,volume=0.5", {mono()}, true));
}

TEST(FilterSafety, ReadsNamesAsFFmpegsParserDoes) {
  auto calls = detail::filter_calls(
      "[in]split=2[a][b];[a]drawtext=text='x\\,y':fontsize=3[o];"
      "[b] scale@big=2:2 ,'hf'lip");
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].name, "split");
  EXPECT_EQ(calls[1].name, "drawtext");
  EXPECT_EQ(calls[2].name, "scale");
  EXPECT_EQ(calls[2].args, "2:2");
  EXPECT_EQ(calls[3].name, "hflip");  // quotes removed, as FFmpeg does
}

TEST(FilterSafety, OnlyFiltersOnTheAllowListRun) {
  EXPECT_EQ(detail::refused_by_safe_mode("scale=1:1,format=rgb24"), "");
  EXPECT_EQ(detail::refused_by_safe_mode("[a][b]amix=inputs=2,atempo=1.25"), "");
  for (const char* bad : {"volume=1,lut3d=x.cube", "'amovie'=/etc/passwd",
                          "a\\movie=/etc/passwd", "curves=psfile=/x",
                          "[x]anull@'\\'[y];amovie=/etc/passwd[z]",
                          "sws_flags=';amovie=/etc/passwd,anull'",
                          "anull,ametadata=mode=print:file=/tmp/x"}) {
    EXPECT_NE(detail::refused_by_safe_mode(bad), "") << bad;
  }
}

}  // namespace
}  // namespace ffstream::test
