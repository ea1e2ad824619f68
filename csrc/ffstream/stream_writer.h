// StreamWriter: encodes audio and video given as raw samples and frames
// into a file, a URL FFmpeg can write, or a Writer (torchaudio's
// StreamWriter, in C++). Not thread-safe: one thread at a time.
//
//   StreamWriter w("out.mp4");
//   VideoEncodeOptions v; v.frame_rate = 30; v.width = 640; v.height = 480;
//   int i = w.add_video_stream(v);   // rgb24 in, the format's default codec
//   w.open();
//   w.write_video_chunk(i, frames, 30);  // 30 frames of 480 x 640 x 3 bytes
//   w.close();                           // flushes and writes the trailer
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ffstream/options.h"
#include "ffstream/writer.h"

namespace ffstream {

// Encoder settings that most codecs share; -1 (or empty) leaves the
// encoder's default.
struct CodecConfig {
  int64_t bit_rate = -1;
  int compression_level = -1;
  std::optional<int> qscale;  // a quality scale: variable bit rate
  int gop_size = -1;          // 0: intra only
  int max_b_frames = -1;
};

// One stream's encoder: which one, how it is set up, and a filter that runs
// before it. Empty values leave the choice to the format and the encoder.
struct EncoderOptions {
  std::string encoder;         // default: the format's codec for the media
  OptionMap encoder_option;    // the encoder's own options ("threads", "crf"...)
  std::string encoder_format;  // sample or pixel format to encode
  std::optional<CodecConfig> codec_config;
  std::string filter_desc;     // a filter chain on the input, before encoding
};

struct AudioEncodeOptions {
  int sample_rate = 0;
  int num_channels = 0;
  // The input's packed sample format: u8, s16, s32, s64, flt or dbl.
  std::string format = "flt";
  std::optional<int> encoder_sample_rate;
  std::optional<int> encoder_num_channels;
  EncoderOptions encoding;
};

struct VideoEncodeOptions {
  double frame_rate = 0;
  int width = 0;
  int height = 0;
  // The input's pixel format: rgb24, bgr24 (packed: height x width x 3
  // bytes a frame), gray8 or yuv444p (planar: 1 or 3 planes of height x
  // width).
  std::string format = "rgb24";
  std::optional<double> encoder_frame_rate;
  std::optional<int> encoder_width;
  std::optional<int> encoder_height;
  std::string hw_accel;  // "cuda:N": not available yet (throws)
  EncoderOptions encoding;
};

class StreamWriter {
 public:
  // `dst`: a path or URL; `format` overrides the format the name implies
  // (a muxer or output device name, as ffmpeg's -f).
  explicit StreamWriter(const std::string& dst, const std::string& format = "");
  // Writes through `dst`; `format` is needed: there is no name to guess it
  // from. `buffer_size` bytes are gathered before each write.
  StreamWriter(std::unique_ptr<Writer> dst, const std::string& format,
               int buffer_size = 4096);
  ~StreamWriter();
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;

  // Before open(). Return the new stream's index.
  int add_audio_stream(const AudioEncodeOptions& options);
  int add_video_stream(const VideoEncodeOptions& options);
  void set_metadata(const OptionMap& metadata);

  // Opens the destination and writes the header; `options` go to the
  // protocol, the muxer or the device (one they all leave unused throws).
  void open(const OptionMap& options = {});
  bool is_open() const;

  // Audio: `num_frames` frames of num_channels interleaved samples in the
  // stream's input format. Video: `num_frames` frames laid out as the input
  // format says (see VideoEncodeOptions::format). `pts` (seconds) places
  // the first frame, rounded to the stream's time step; without it, the
  // chunk follows the previous one. A pts before the end of what the stream
  // already holds throws.
  void write_audio_chunk(int i, const uint8_t* data, int64_t num_frames,
                         std::optional<double> pts = std::nullopt);
  void write_video_chunk(int i, const uint8_t* data, int64_t num_frames,
                         std::optional<double> pts = std::nullopt);

  // Encodes what the filters and encoders still hold and writes it. A
  // stream takes no more chunks after it.
  void flush();
  // Flushes, writes the trailer and closes the destination. Idempotent.
  void close();

  // The number of bytes of one input frame of stream `i` (audio: one sample
  // of every channel).
  int64_t input_frame_bytes(int i) const;
  int num_streams() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ffstream
