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
  // Forgets buffered packets and frames (after a seek).
  void flush();
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
};

}  // namespace ffstream::detail
