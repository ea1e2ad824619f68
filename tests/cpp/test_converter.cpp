// The converter's single copy into chunk memory, swept over frame sizes and
// pixel formats. A chunk's rows are packed with no padding, while FFmpeg's
// SIMD writers assume padded rows: these tests put the end of the chunk
// memory right before an inaccessible page (an overrun is a crash, whoever
// writes, FFmpeg included, which the sanitizers cannot see), fill it twice
// with different bytes (a byte left unwritten shows as a difference), and
// compare with the same conversion into FFmpeg's own padded frame.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ffstream/chunk.h"
#include "ffstream/detail/converter.h"
#include "ffstream/detail/ffmpeg.h"
#include "ffstream/detail/raii.h"

namespace ffstream::test {
namespace {

using detail::Converter;
using detail::FramePtr;

// `bytes` of memory, as allocate_storage gives it (64-byte aligned when
// `bytes` is a multiple of 64, kStorageTailSlack bytes after it), whose
// slack is followed by a PROT_NONE page.
class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t bytes) : bytes_(bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t body = (bytes + kStorageTailSlack + page - 1) / page * page;
    mapped_ = body + page;
    void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    base_ = static_cast<uint8_t*>(p);
    mprotect(base_ + body, page, PROT_NONE);
    data_ = base_ + body - kStorageTailSlack - bytes;
  }
  ~GuardedBuffer() { munmap(base_, mapped_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  uint8_t* data() { return data_; }
  std::vector<uint8_t> contents() const { return {data_, data_ + bytes_}; }

 private:
  size_t bytes_, mapped_ = 0;
  uint8_t* base_ = nullptr;
  uint8_t* data_ = nullptr;
};

// A frame as a decoder gives it (FFmpeg's padded buffers), filled with
// pseudo-random values within each component's depth.
FramePtr random_frame(AVPixelFormat format, int width, int height,
                      uint32_t seed) {
  FramePtr frame(av_frame_alloc());
  frame->format = format;
  frame->width = width;
  frame->height = height;
  EXPECT_GE(av_frame_get_buffer(frame.get(), 0), 0);
  std::mt19937 rng(seed);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
  const bool wide = desc->comp[0].depth > 8;
  const uint16_t mask = static_cast<uint16_t>((1u << desc->comp[0].depth) - 1);
  for (int p = 0; p < 4 && frame->buf[p]; ++p) {
    uint8_t* data = frame->buf[p]->data;
    const size_t size = frame->buf[p]->size;
    if (wide) {
      auto* v = reinterpret_cast<uint16_t*>(data);
      for (size_t i = 0; i < size / 2; ++i) v[i] = rng() & mask;
    } else {
      for (size_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>(rng());
    }
  }
  frame->color_range = AVCOL_RANGE_MPEG;
  frame->colorspace = AVCOL_SPC_BT709;
  return frame;
}

// Converts `frame` into guarded memory filled with `fill` first.
std::vector<uint8_t> convert(Converter& converter, const AVFrame* frame,
                             uint8_t fill) {
  GuardedBuffer out(converter.layout().bytes());
  std::memset(out.data(), fill, converter.layout().bytes());
  converter.convert(frame, 0, 1, out.data());
  return out.contents();
}

struct Size {
  int width, height;
};

// Widths on both sides of every block size SIMD code uses (8, 16, 32, 64
// pixels or bytes), 1-3 pixels, and common sizes that are none of these
// multiples (854x480, 426x240, 1366x768, 200x112, 121x80, 321x240).
// Heights stay small where the width is large, to keep the sweep quick.
const Size kSizes[] = {
    {1, 1},   {2, 2},   {3, 3},    {5, 7},    {7, 2},   {15, 4},  {16, 3},
    {17, 5},  {31, 6},  {32, 2},   {33, 3},   {47, 9},  {63, 4},  {64, 4},
    {65, 5},  {96, 2},  {127, 3},  {128, 2},  {129, 3}, {121, 80}, {200, 112},
    {224, 6}, {321, 9}, {426, 10}, {640, 3},  {854, 12}, {1366, 6}, {1920, 4},
};

const AVPixelFormat kInputs[] = {
    AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV422P,
    AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_YUV422P10LE,
    AV_PIX_FMT_YUV444P10LE, AV_PIX_FMT_NV12, AV_PIX_FMT_GRAY8,
    AV_PIX_FMT_RGB24, AV_PIX_FMT_RGBA, AV_PIX_FMT_PAL8, AV_PIX_FMT_GBRP,
};

// Every format the converter writes: through swscale when the input
// differs, by copying when it is the same.
std::vector<AVPixelFormat> outputs() {
  return {AV_PIX_FMT_RGB24, AV_PIX_FMT_BGR24, AV_PIX_FMT_RGBA,
          AV_PIX_FMT_ARGB,  AV_PIX_FMT_GRAY8, AV_PIX_FMT_RGB48LE,
          AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUV420P, AV_PIX_FMT_NV12,
          AV_PIX_FMT_YUV420P10LE};
}

std::string name(AVPixelFormat in, AVPixelFormat out, Size s) {
  return std::string(av_get_pix_fmt_name(in)) + " -> " +
         av_get_pix_fmt_name(out) + " at " + std::to_string(s.width) + "x" +
         std::to_string(s.height);
}

TEST(Converter, EverySizeAndFormatWritesEachByteOnceWithinTheChunk) {
  int tried = 0;
  for (const Size s : kSizes) {
    for (const AVPixelFormat in : kInputs) {
      FramePtr frame = random_frame(in, s.width, s.height, tried);
      for (const AVPixelFormat out : outputs()) {
        const bool same = in == out;
        if (!same && !Converter::can_convert_into(out)) continue;
        SCOPED_TRACE(name(in, out, s));
        Converter converter =
            Converter::for_video(out, s.width, s.height, same ? AV_PIX_FMT_NONE : in);
        const auto zeros = convert(converter, frame.get(), 0x00);
        const auto ones = convert(converter, frame.get(), 0xff);
        ASSERT_EQ(zeros, ones) << "bytes left unwritten";
        ++tried;
      }
    }
  }
  EXPECT_GT(tried, 1000);
}

// The values: the converter's swscale path gives what swscale gives into a
// frame with FFmpeg's padding (the same scaler settings as a format filter).
TEST(Converter, SwscaleIntoChunkEqualsSwscaleIntoAPaddedFrame) {
  for (const Size s : kSizes) {
    for (const AVPixelFormat in : {AV_PIX_FMT_YUV420P, AV_PIX_FMT_NV12,
                                   AV_PIX_FMT_YUV444P10LE, AV_PIX_FMT_RGBA}) {
      FramePtr frame = random_frame(in, s.width, s.height, s.width * 7 + s.height);
      for (const AVPixelFormat out : {AV_PIX_FMT_RGB24, AV_PIX_FMT_GRAY8,
                                      AV_PIX_FMT_YUV444P}) {
        if (in == out) continue;
        SCOPED_TRACE(name(in, out, s));
        Converter converter = Converter::for_video(out, s.width, s.height, in);
        const auto got = convert(converter, frame.get(), 0x5a);

        detail::SwsContextPtr sws(sws_getContext(s.width, s.height, in, s.width,
                                                 s.height, out, SWS_BICUBIC,
                                                 nullptr, nullptr, nullptr));
        ASSERT_TRUE(sws);
        if (!(av_pix_fmt_desc_get(in)->flags & AV_PIX_FMT_FLAG_RGB)) {
          // The frame's matrix and limited range in, the output's own range.
          int *inv_table, *table, in_full, out_full, brightness, contrast, saturation;
          sws_getColorspaceDetails(sws.get(), &inv_table, &in_full, &table, &out_full,
                                   &brightness, &contrast, &saturation);
          const int* k = sws_getCoefficients(AVCOL_SPC_BT709);
          sws_setColorspaceDetails(sws.get(), k, 0, k, out_full, brightness,
                                   contrast, saturation);
        }
        FramePtr ref(av_frame_alloc());
        ref->format = out;
        ref->width = s.width;
        ref->height = s.height;
        ASSERT_GE(av_frame_get_buffer(ref.get(), 64), 0);
        sws_scale(sws.get(), frame->data, frame->linesize, 0, s.height,
                  ref->data, ref->linesize);
        std::vector<uint8_t> want;
        const int planes = av_pix_fmt_count_planes(out);
        for (int p = 0; p < planes; ++p) {
          const int row = av_image_get_linesize(out, s.width, p);
          for (int y = 0; y < s.height; ++y) {
            const uint8_t* r = ref->data[p] + static_cast<ptrdiff_t>(y) * ref->linesize[p];
            want.insert(want.end(), r, r + row);
          }
        }
        ASSERT_EQ(got, want);
      }
    }
  }
}

}  // namespace
}  // namespace ffstream::test
