// libFuzzer harness over the core's custom-reader input path and its decode
// loop: the input goes through a Reader (ffstream::BytesReader, or a reader
// that returns short reads or fails at a chosen byte) into a StreamReader,
// which opens it, adds outputs for the default streams, decodes a bounded
// number of packets, pops chunks and maybe seeks.
//
// Expected outcomes are a clean run or an ffstream::Error (bad media is an
// error, not a finding), or the harness's own InjectedFault coming back out
// of the core unchanged. Anything else is a finding: a crash, a sanitizer
// report, a leak, another exception escaping (libFuzzer reports the abort),
// or a run over -timeout.
//
// The same file builds two ways (tests/fuzz/CMakeLists.txt): with
// -fsanitize=fuzzer as the fuzzer (ci/fuzz.sh), and with replay_main.cpp as
// a plain program that runs saved inputs, which ctest uses to replay
// tests/fuzz/regressions/ with any compiler.
//
// Input layout: an 8-byte control header, then the media bytes.
//   byte 0   flags
//            bit 0    audio output on the default audio stream
//            bit 1    video output on the default video stream
//            bit 2    seek once, part-way through (bytes 3-4)
//            bits 3-4 reader: 0 BytesReader, 1 short reads (seekable),
//                     2 short reads (not seekable), 3 faulting (bytes 5-7)
//            bit 5    small chunks that overflow (frames_per_chunk from
//                     byte 2, buffer_chunk_size 2) instead of one chunk
//            bit 6    video filter without scale: frames keep their decoded
//                     size and the converter's own swscale path runs
//            bit 7    audio without a filter: the native sample format
//   byte 1   short-read size - 1 (1..256 bytes per read)
//   byte 2   frames_per_chunk - 1 (low 4 bits) when bit 5 is set; high 4
//            bits: 0-7 let FFmpeg probe, 8-15 force a demuxer (kFormats)
//   byte 3   seek after (low 5 bits) packets, mode (bits 5-6: key, any,
//            precise)
//   byte 4   seek target in 20 ms steps (0..5.1 s)
//   byte 5   fault kind (low 2 bits): throw InjectedFault, throw
//            ffstream::Error, return more bytes than asked, no data yet;
//            bit 2: the fault repeats on every later read (else only once)
//            bit 3: safe mode (StreamReader's `safe`)
//   bytes 6-7 fault offset, little endian
//   byte 8   video output: pixel format (low 4 bits, kPixelFormats), size
//            (bits 4-6: 0 as bit 6 says, else kSizes), bit 7: asked for as
//            add_basic_video_stream's options (the converter's own swscale
//            path) instead of a filter description
//   byte 9   audio output: sample format (low 4 bits: 0 as bit 7 says,
//            else kSampleFormats), channels (bits 4-5: keep, 1, 2, 6),
//            rate (bits 6-7: keep, 8000, 16000, 44100), as basic options
// ci/fuzz.sh prepends such headers to the seed media it makes; all zeros in
// bytes 8-9 is the output of the 8-byte header this harness had before.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ffstream/bytes_reader.h"
#include "ffstream/chunk.h"
#include "ffstream/error.h"
#include "ffstream/options.h"
#include "ffstream/reader.h"
#include "ffstream/stream_reader.h"
#include "ffstream/utils.h"

extern "C" {
#include <libavutil/mem.h>
}

namespace {

constexpr size_t kHeaderSize = 10;
// Bigger inputs only cost time: ci/fuzz.sh passes a smaller -max_len anyway.
constexpr size_t kMaxInput = size_t{1} << 20;
// process_packet calls per input, seek included, and caught errors before
// the harness gives up on an input.
constexpr int kMaxPackets = 200;
constexpr int kMaxErrors = 4;

// What a faulting reader throws: a type ffstream knows nothing about, which
// must come back out of the StreamReader call unchanged.
struct InjectedFault : std::exception {
  const char* what() const noexcept override { return "injected fault"; }
};

// Demuxers a caller may force with `format`, some of which probing rarely
// picks for mutated bytes.
constexpr const char* kFormats[] = {"h264", "hevc",     "mpegts", "mp3",
                                    "aac",  "matroska", "mov",    "wav"};

// Output options the control header picks from: every output layout the
// API has, and frame sizes of every remainder that SIMD code cares about.
constexpr const char* kPixelFormats[] = {
    "rgb24", "bgr24", "rgba",    "argb",        "gray", "rgb48le",
    "yuv444p", "yuv420p", "yuv420p10le", "nv12", "i420", "bgra"};
struct FrameSize {
  int width, height;
};
constexpr FrameSize kSizes[] = {{0, 0},   {1, 1},   {3, 3},   {17, 9},
                                {33, 5},  {65, 3},  {127, 9}, {200, 112}};
constexpr const char* kSampleFormats[] = {
    nullptr, "u8", "s16", "s32", "s64", "flt", "dbl", "u8p",
    "s16p",  "s32p", "s64p", "fltp", "dblp"};
constexpr int kChannels[] = {0, 1, 2, 6};
constexpr int kRates[] = {0, 8000, 16000, 44100};

struct Control {
  bool audio = false, video = false, seek = false;
  int reader_kind = 0;
  bool small_chunks = false, unscaled_video = false, raw_audio = false;
  int64_t read_size = 256;
  int64_t frames_per_chunk = 1;
  int seek_after = 0;
  ffstream::SeekMode seek_mode = ffstream::SeekMode::kPrecise;
  double seek_to = 0;
  int fault_kind = 0;
  bool fault_repeats = false;
  bool safe = false;
  std::optional<std::string> format;
  int64_t fault_offset = 0;
  const char* pixel_format = "rgb24";
  FrameSize size{0, 0};
  bool basic_video = false;
  const char* sample_format = nullptr;
  int num_channels = 0, sample_rate = 0;

  explicit Control(const uint8_t* h) {
    audio = h[0] & 1;
    video = h[0] & 2;
    seek = h[0] & 4;
    reader_kind = (h[0] >> 3) & 3;
    small_chunks = h[0] & 32;
    unscaled_video = h[0] & 64;
    raw_audio = h[0] & 128;
    read_size = int64_t{h[1]} + 1;
    frames_per_chunk = (h[2] & 15) + 1;
    seek_after = h[3] & 31;
    const int mode = (h[3] >> 5) & 3;
    seek_mode = mode == 0   ? ffstream::SeekMode::kKey
                : mode == 1 ? ffstream::SeekMode::kAny
                            : ffstream::SeekMode::kPrecise;
    seek_to = h[4] * 0.02;
    fault_kind = h[5] & 3;
    fault_repeats = h[5] & 4;
    safe = h[5] & 8;
    if (h[2] >> 7) format = kFormats[(h[2] >> 4) & 7];
    fault_offset = h[6] | (int64_t{h[7]} << 8);
    pixel_format = kPixelFormats[(h[8] & 15) % std::size(kPixelFormats)];
    size = kSizes[(h[8] >> 4) & 7];
    basic_video = h[8] & 128;
    sample_format = kSampleFormats[(h[9] & 15) % std::size(kSampleFormats)];
    num_channels = kChannels[(h[9] >> 4) & 3];
    sample_rate = kRates[(h[9] >> 6) & 3];
  }
};

// Memory in pieces of at most `max_read` bytes, seekable or not; faults at
// `fault_offset` when `fault_kind` is set.
class FuzzReader : public ffstream::Reader {
 public:
  FuzzReader(const uint8_t* data, size_t size, const Control& c)
      : bytes_(data, size),
        size_(static_cast<int64_t>(size)),
        max_read_(c.reader_kind == 0 ? INT64_MAX : c.read_size),
        seekable_(c.reader_kind != 2),
        faulting_(c.reader_kind == 3),
        fault_kind_(c.fault_kind),
        fault_repeats_(c.fault_repeats),
        fault_offset_(c.fault_offset) {}

  int64_t read(uint8_t* buf, int64_t size) override {
    if (faulting_ && position_ + size > fault_offset_ &&
        (fault_repeats_ || !faulted_)) {
      faulted_ = true;
      switch (fault_kind_) {
        case 0: throw InjectedFault();
        case 1:
          throw ffstream::Error(ffstream::ErrorKind::kGeneric,
                                "injected ffstream::Error");
        case 2: return size + 1;  // a reader that lies about its count
        default: return ffstream::Reader::kNoDataYet;
      }
    }
    const int64_t n = bytes_.read(buf, std::min(size, max_read_));
    position_ += n;
    return n;
  }
  bool seekable() const override { return seekable_; }
  int64_t seek(int64_t offset, int whence) override {
    if (!seekable_) return ffstream::Reader::seek(offset, whence);
    position_ = bytes_.seek(offset, whence);
    return position_;
  }
  int64_t size() override { return seekable_ ? size_ : -1; }

 private:
  ffstream::BytesReader bytes_;
  int64_t size_;
  int64_t position_ = 0;
  int64_t max_read_;
  bool seekable_, faulting_;
  int fault_kind_;
  bool fault_repeats_;
  int64_t fault_offset_;
  bool faulted_ = false;
};

// Reads every element a chunk claims to have, so that a shape or stride
// larger than its storage is an ASan report here rather than in a user's
// tensor library.
volatile uint8_t g_sink;
void touch(const ffstream::Chunk& c) {
  if (c.shape.size() != c.strides.size() || c.data == nullptr) {
    std::fprintf(stderr, "malformed chunk: %zu dims, %zu strides\n",
                 c.shape.size(), c.strides.size());
    std::abort();
  }
  int64_t last = 0;  // offset of the last element, in elements
  for (size_t d = 0; d < c.shape.size(); ++d) {
    if (c.shape[d] <= 0) return;  // empty: nothing to read
    last += (c.shape[d] - 1) * c.strides[d];
  }
  const size_t bytes = (static_cast<size_t>(last) + 1) *
                       ffstream::dtype_size(c.dtype);
  uint8_t x = 0;
  for (size_t i = 0; i < bytes; ++i) x ^= c.data[i];
  g_sink = x;
}

int g_chunks = 0;  // chunks popped from the current input (verbose only)

void pop_and_touch(ffstream::StreamReader& reader, int max_pops = 64) {
  for (int i = 0; i < max_pops; ++i) {
    bool any = false;
    for (auto& chunk : reader.pop_chunks()) {
      if (chunk) {
        touch(*chunk);
        ++g_chunks;
        any = true;
      }
    }
    if (!any) return;
  }
}

ffstream::OutputOptions output(const Control& c, ffstream::MediaType type,
                               int source_index) {
  ffstream::OutputOptions o;
  o.media_type = type;
  o.source_index = source_index;
  o.frames_per_chunk = c.small_chunks ? c.frames_per_chunk : -1;
  o.buffer_chunk_size = c.small_chunks ? 2 : -1;
  // Fuzzed headers can declare any frame size; the decoder refuses frames
  // over max_pixels and samples over max_samples instead of spending the run
  // on them.
  o.decoder_options = {{"max_pixels", "262144"}, {"max_samples", "262144"}};
  if (type == ffstream::MediaType::kVideo) {
    const bool i420 = std::string(c.pixel_format) == "i420";
    const std::string format = i420 ? "yuv420p" : c.pixel_format;
    FrameSize size = c.size;
    if (size.width == 0 && !c.unscaled_video) size = {32, 32};
    if (c.basic_video) {
      o.format = format;
      o.yuv_i420 = i420;
      if (size.width > 0) {
        o.width = size.width;
        o.height = size.height;
      }
    } else {
      o.filter_desc = "format=pix_fmts=" + format;
      if (size.width > 0) {
        o.filter_desc = "scale=" + std::to_string(size.width) + ":" +
                        std::to_string(size.height) + "," + *o.filter_desc;
      }
    }
  } else if (c.sample_format || c.num_channels || c.sample_rate) {
    if (c.sample_format) o.format = c.sample_format;
    if (c.num_channels) o.num_channels = c.num_channels;
    if (c.sample_rate) o.sample_rate = c.sample_rate;
  } else if (!c.raw_audio) {
    o.filter_desc = "aformat=sample_fmts=flt";
  }
  return o;
}

// FFSTREAM_FUZZ_VERBOSE=1 prints what happened to each input (for a human
// replaying one; too slow for fuzzing).
bool g_verbose = false;

void note(const char* what, const std::exception& e) {
  if (g_verbose) std::fprintf(stderr, "  %s: %s\n", what, e.what());
}

// One StreamReader call; expected failures are counted, not fatal.
template <typename F>
bool attempt(int& errors, F&& f) {
  try {
    f();
    return true;
  } catch (const ffstream::Error& e) {
    note("ffstream::Error", e);
  } catch (const InjectedFault& e) {
    note("InjectedFault", e);
  }
  ++errors;
  return false;
}

void run(const uint8_t* data, size_t size) {
  const Control c(data);
  g_chunks = 0;
  data += kHeaderSize;
  size -= kHeaderSize;

  // Probing and stream analysis are bounded by the input size already; the
  // whitelist keeps demuxers that open other resources (HLS, concat, mov
  // references) away from the machine's files.
  const ffstream::OptionMap format_options = {
      {"probesize", "65536"},
      {"analyzeduration", "2000000"},
      {"max_streams", "16"},
      {"protocol_whitelist", "none"},
  };
  std::optional<ffstream::StreamReader> reader;
  try {
    reader.emplace(std::make_unique<FuzzReader>(data, size, c), c.format,
                   format_options,
                   /*buffer_size=*/c.reader_kind == 0 ? 4096 : 512, c.safe);
  } catch (const ffstream::Error& e) {
    note("opening: ffstream::Error", e);
    return;
  } catch (const InjectedFault& e) {
    note("opening: InjectedFault", e);
    return;
  }

  int errors = 0;
  // Stream info of every stream, as a user listing them would ask.
  attempt(errors, [&] {
    for (int i = 0; i < reader->num_src_streams(); ++i) {
      (void)reader->src_stream_info(i);
    }
    (void)reader->metadata();
  });
  if (c.audio) {
    attempt(errors, [&] {
      if (auto i = reader->default_audio_stream()) {
        reader->add_stream(output(c, ffstream::MediaType::kAudio, *i));
      }
    });
  }
  if (c.video) {
    attempt(errors, [&] {
      if (auto i = reader->default_video_stream()) {
        reader->add_stream(output(c, ffstream::MediaType::kVideo, *i));
      }
    });
  }
  attempt(errors, [&] {
    for (int i = 0; i < reader->num_out_streams(); ++i) {
      (void)reader->out_stream_info(i);
    }
  });

  bool sought = false;
  for (int packets = 0; packets < kMaxPackets && errors < kMaxErrors;
       ++packets) {
    if (c.seek && !sought && packets == c.seek_after) {
      sought = true;
      attempt(errors, [&] { reader->seek(c.seek_to, c.seek_mode); });
    }
    int status = 0;
    if (!attempt(errors, [&] { status = reader->process_packet(); })) continue;
    if (reader->is_buffer_ready()) {
      attempt(errors, [&] { pop_and_touch(*reader, 1); });
    }
    if (status == 1) {
      if (c.seek && !sought) continue;  // seek back after the end
      break;
    }
  }
  attempt(errors, [&] { pop_and_touch(*reader); });
  if (g_verbose) {
    std::fprintf(stderr, "  %d stream(s), %d output(s), %d chunk(s), %d error(s)\n",
                 reader->num_src_streams(), reader->num_out_streams(), g_chunks,
                 errors);
  }
  reader->close();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ffstream::set_log_level(-8);  // AV_LOG_QUIET: errors come as exceptions
  // FFmpeg's demuxers allocate what a header claims (1.6 GB from a mutated
  // one) and fail cleanly with ENOMEM when av_malloc refuses: cap it below
  // libFuzzer's -malloc_limit_mb, so that only our own allocations count.
  av_max_alloc(size_t{1000} << 20);
  const char* verbose = std::getenv("FFSTREAM_FUZZ_VERBOSE");
  g_verbose = verbose != nullptr && *verbose != '\0' && *verbose != '0';
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kHeaderSize || size > kMaxInput) return 0;
  run(data, size);
  return 0;
}
