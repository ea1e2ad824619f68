// Decoder: one per source stream that has outputs. Owns the AVCodecContext and
// the frame it decodes into. Not thread-safe (FFmpeg's own decoder threads are
// internal to the codec context).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ffstream/detail/raii.h"
#include "ffstream/options.h"

namespace ffstream::detail {

class CudaDevice;

// Throws kInvalidData when FFmpeg found no frame format or size for the
// stream `decoder` decodes (damaged, or its codec parameters are missing):
// nothing could be filtered or converted. `context` names the stream.
void check_frames_known(const AVCodecContext* decoder, const std::string& context);

class Decoder {
 public:
  // Opens decoder `name` (or the stream's default one) with `options`;
  // "threads" and "thread_type" are honoured and the default is one thread.
  // With `hw_accel` ("cuda", "cuda:N") frames stay in the GPU's memory
  // (AV_PIX_FMT_CUDA): a *_cuvid decoder, or FFmpeg's own decoder with its
  // NVDEC hwaccel. Throws naming an unknown decoder, an option it did not
  // use, or why the GPU cannot be used.
  Decoder(const AVStream* stream, const std::optional<std::string>& name,
          const OptionMap& options, const std::string& context,
          const std::optional<std::string>& hw_accel = std::nullopt);

  // Sends `packet` (nullptr: end of input, drain) and hands every decoded
  // frame to `on_frame`. The frame is unref'd after the callback returns.
  void decode(const AVPacket* packet,
              const std::function<void(AVFrame*)>& on_frame);
  // Forgets buffered packets and frames (after a seek). `mid_stream`: the
  // demuxer landed anywhere but the start, maybe inside a frame. A parser
  // that cuts frames from a byte stream (MP2 or MP3 in MPEG-PS) then passes
  // on the bytes before the next frame header, in pieces, until it finds
  // the frame grid again, and the decoder fails on them with
  // AVERROR_INVALIDDATA ("Header missing"). As the ffmpeg command does,
  // decode() skips such packets, but only until the first frame after the
  // flush and at most kMaxResyncSkips of them; damage anywhere else, or
  // more of it, still raises. Damage that no frame follows raises too: a
  // precise or key seek that gets no frame goes back until it reads from
  // the start, where nothing is skipped (seek.h, 5).
  void flush(bool mid_stream);
  // Packets skipped as above since the last reset_skip_count().
  int64_t invalid_packets_skipped() const { return invalid_packets_skipped_; }
  void reset_skip_count() { invalid_packets_skipped_ = 0; }
  // Whether frames decoded without their reference (key) frame are output
  // rather than dropped: wanted after a seek to "any" frame.
  void set_show_damaged(bool show);
  // Whether the next packets' frames are skipped when no other frame refers
  // to them (they are about to be dropped: before a precise seek's target).
  // Off restores what the user's decoder options asked for.
  void set_skip_unreferenced(bool skip);

  // Seconds of input to decode before the first sample wanted after a seek,
  // so that it comes out as in a decode from the start: a lossy audio
  // decoder starts cold, and its first frames need the ones before (the
  // overlap of AAC, Vorbis and MP3 transforms, MP3's bit reservoir, Opus's
  // own stated pre-roll). 0 for video and lossless audio.
  double seek_preroll() const;

  const AVCodecContext* context() const { return codec_.get(); }
  // What was asked for, to tell whether a second output may share it.
  const std::optional<std::string>& requested_name() const { return name_; }
  const OptionMap& requested_options() const { return options_; }
  const std::optional<std::string>& requested_hw_accel() const { return hw_accel_; }
  // The device frames stay on (hw_accel), else nullptr.
  const std::shared_ptr<CudaDevice>& cuda_device() const { return cuda_; }

 private:
  void receive_all(const std::function<void(AVFrame*)>& on_frame);
  // Whether the failure `code` of a send or receive is skipped while
  // resynchronising (see flush()); counts it if so.
  bool skip_while_resyncing(int code);

  // AVCodecContext::get_format with hw_accel: the CUDA format when the
  // decoder offers it; otherwise none, and the decoder fails with why.
  static AVPixelFormat pick_cuda_format(AVCodecContext* codec,
                                        const AVPixelFormat* offered);
  // Throws naming why the GPU did not take the stream, when it did not.
  void check_gpu_refusal() const;

  std::optional<std::string> name_;
  OptionMap options_;
  std::optional<std::string> hw_accel_;
  std::shared_ptr<CudaDevice> cuda_;
  bool gpu_refused_ = false;  // pick_cuda_format found no CUDA format
  std::string context_;
  CodecContextPtr codec_;
  FramePtr frame_;
  int user_skip_frame_ = 0;  // AVDiscard the options set
  // From a mid-stream flush to the first frame after it: the packets
  // skipped so far. The bound is far above what a parser needs (29 in the
  // tests, on a pure tone whose frames are full of header look-alikes).
  std::optional<int> resync_skips_;
  static constexpr int kMaxResyncSkips = 128;
  int64_t invalid_packets_skipped_ = 0;
};

}  // namespace ffstream::detail
