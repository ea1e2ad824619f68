// EncodeStream: one stream of a StreamWriter. Raw frames go through a filter
// graph (the user's filter, then the conversion to what the encoder takes:
// sample or pixel format, rate, channels, size), the encoder, and out to the
// muxer as packets. The reading side's path in reverse, on the same filter
// graph code. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ffstream/detail/complex_graph.h"
#include "ffstream/detail/raii.h"
#include "ffstream/stream_writer.h"

namespace ffstream::detail {

class EncodeStream {
 public:
  // Adds a stream to `format` (not yet written to) with its encoder opened,
  // so that a codec that cannot take the options fails here. `index` names
  // it in errors.
  static std::unique_ptr<EncodeStream> audio(AVFormatContext* format,
                                             const AudioEncodeOptions& options,
                                             int index);
  static std::unique_ptr<EncodeStream> video(AVFormatContext* format,
                                             const VideoEncodeOptions& options,
                                             int index);

  bool is_audio() const { return input_.media_type == AVMEDIA_TYPE_AUDIO; }
  // Bytes of one input frame (audio: one sample of every channel).
  int64_t frame_bytes() const { return frame_bytes_; }
  // Encodes `count` input frames from `data` and writes their packets;
  // `pts` in seconds (see StreamWriter::write_audio_chunk).
  void write(const uint8_t* data, int64_t count, std::optional<double> pts);
  // Drains the filters and the encoder into the muxer; no writes after.
  void flush();
  bool flushed() const { return flushed_; }

 private:
  EncodeStream(AVFormatContext* format, int index) : format_(format), index_(index) {}
  // Builds the graph from the input to `conversion` after `user_filter`.
  void build_graph(const std::string& user_filter, const std::string& conversion);
  // Opens `codec` on what the graph's sink gives, adds the stream.
  void open_encoder(const AVCodec* codec, const EncoderOptions& options,
                    AVRational frame_rate);
  // The input tick of the chunk's first frame; throws for a pts that goes
  // back.
  int64_t first_tick(std::optional<double> pts) const;
  void copy_video_frame(const uint8_t* src, AVFrame* frame) const;
  void pull_and_encode();
  void encode(AVFrame* frame);  // nullptr: the end
  std::string name() const;

  AVFormatContext* format_;  // the writer's; outlives this
  int index_;
  FilterInput input_;  // what the raw frames are; time base = one tick
  int64_t frame_bytes_ = 0;
  int64_t next_tick_ = 0;  // where the next chunk goes without a pts
  std::optional<ComplexGraph> graph_;
  CodecContextPtr encoder_;
  AVStream* stream_ = nullptr;  // owned by format_
  FramePtr filtered_;
  PacketPtr packet_;
  bool flushed_ = false;
};

}  // namespace ffstream::detail
