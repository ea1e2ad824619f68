// DecodedStream: one source stream that has outputs. Owns its Decoder, feeds
// the outputs made from it, and keeps what the seek machine decides per
// stream: dropping packets until a key frame's, and letting the decoder skip
// frames that nothing refers to. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <optional>
#include <vector>

#include "ffstream/detail/decoder.h"
#include "ffstream/detail/output_group.h"
#include "ffstream/detail/output_stream.h"

namespace ffstream::detail {

class DecodedStream {
 public:
  DecodedStream(const AVStream* stream, std::unique_ptr<Decoder> decoder);

  Decoder& decoder() { return *decoder_; }
  const Decoder& decoder() const { return *decoder_; }
  const std::vector<OutputStream*>& outputs() const { return outputs_; }
  // Outputs are owned by the reader; they are added and removed here too.
  void attach(OutputStream* output) { outputs_.push_back(output); }
  void detach(const OutputStream* output);
  // A group's graph input `input` takes this stream's frames too.
  void attach(OutputGroup* group, int input) { group_inputs_.push_back({group, input}); }
  void detach(const OutputGroup* group);
  // No output and no group reads it: the reader drops the stream.
  bool unused() const { return outputs_.empty() && group_inputs_.empty(); }

  // Decodes one packet of this stream into its outputs. Returns the frames
  // decoded (0 for a packet dropped while waiting for a key frame).
  int64_t decode(const AVPacket* packet);
  // End of input, in two steps: the decoder gives what it holds (returns
  // the frames), then the outputs' and groups' filters are ended. The reader
  // drains every decoder before it ends any filter, so that a graph reading
  // several streams has all their frames before it sees any input end.
  int64_t drain_decoder();
  void end_filters();
  // After a demuxer seek: the decoder forgets what it had. `mid_stream`:
  // the demuxer landed after the start, so the decoder skips the packets
  // it fails on before its first frame (Decoder::flush), and unless
  // `show_damaged` a video stream drops packets until a key frame's (see
  // seek.h), with `key_from` until a key frame's at or after that timestamp
  // (stream ticks). `show_damaged` outputs frames decoded without their
  // reference.
  void restart(bool mid_stream, bool show_damaged,
               std::optional<int64_t> key_from = std::nullopt);
  const AVStream* stream() const { return stream_; }
  // After a reconnect: the same stream in the reopened source.
  void set_stream(const AVStream* stream) { stream_ = stream; }

 private:
  // Whether the decoder may skip the frame of `packet`: it is shown before
  // what every output still drops (see OutputStream::skippable_before).
  bool skippable(const AVPacket* packet) const;
  int64_t decode_into_outputs(const AVPacket* packet);

  const AVStream* stream_;
  std::unique_ptr<Decoder> decoder_;
  std::vector<OutputStream*> outputs_;
  std::vector<std::pair<OutputGroup*, int>> group_inputs_;
  // While waiting for a key frame: the packets dropped so far. A container
  // that flags no key frames must not lose the stream for good.
  std::optional<int> packets_without_key_;
  std::optional<int64_t> key_from_;
  static constexpr int kMaxPacketsWithoutKey = 1000;
};

}  // namespace ffstream::detail
