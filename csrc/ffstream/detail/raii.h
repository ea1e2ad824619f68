// Owners of FFmpeg handles: one unique_ptr alias per handle type with the
// matching free function. No av_*_free call appears outside this file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ffstream/detail/ffmpeg.h"
#include "ffstream/options.h"

namespace ffstream::detail {

struct FormatContextDeleter {
  void operator()(AVFormatContext* p) const {
    // Closes an opened input; also frees a context that was never opened.
    if (p->iformat != nullptr) {
      avformat_close_input(&p);
    } else {
      avformat_free_context(p);
    }
  }
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FilterGraphDeleter {
  void operator()(AVFilterGraph* p) const { avfilter_graph_free(&p); }
};
struct FilterInOutDeleter {
  void operator()(AVFilterInOut* p) const { avfilter_inout_free(&p); }
};
struct SwsContextDeleter {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
struct SwrContextDeleter {
  void operator()(SwrContext* p) const { swr_free(&p); }
};
struct AVIOContextDeleter {
  void operator()(AVIOContext* p) const {
    // The context may have replaced its buffer; free the one it holds now.
    av_freep(&p->buffer);
    avio_context_free(&p);
  }
};
struct AVMemoryDeleter {
  void operator()(void* p) const { av_free(p); }
};

using FormatContextPtr = std::unique_ptr<AVFormatContext, FormatContextDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using FilterGraphPtr = std::unique_ptr<AVFilterGraph, FilterGraphDeleter>;
using FilterInOutPtr = std::unique_ptr<AVFilterInOut, FilterInOutDeleter>;
using SwsContextPtr = std::unique_ptr<SwsContext, SwsContextDeleter>;
using SwrContextPtr = std::unique_ptr<SwrContext, SwrContextDeleter>;
using AVIOContextPtr = std::unique_ptr<AVIOContext, AVIOContextDeleter>;
template <typename T>
using AVMemoryPtr = std::unique_ptr<T, AVMemoryDeleter>;

FramePtr make_frame();
PacketPtr make_packet();

// Unrefs a reused frame or packet when the scope ends.
class FrameUnrefGuard {
 public:
  explicit FrameUnrefGuard(AVFrame* f) : f_(f) {}
  ~FrameUnrefGuard() { av_frame_unref(f_); }
  FrameUnrefGuard(const FrameUnrefGuard&) = delete;
  FrameUnrefGuard& operator=(const FrameUnrefGuard&) = delete;

 private:
  AVFrame* f_;
};

class PacketUnrefGuard {
 public:
  explicit PacketUnrefGuard(AVPacket* p) : p_(p) {}
  ~PacketUnrefGuard() { av_packet_unref(p_); }
  PacketUnrefGuard(const PacketUnrefGuard&) = delete;
  PacketUnrefGuard& operator=(const PacketUnrefGuard&) = delete;

 private:
  AVPacket* p_;
};

// Owns an AVDictionary built from an OptionMap. FFmpeg's open functions take
// it in-out and leave behind the entries they did not use.
class Dict {
 public:
  explicit Dict(const OptionMap& options = {});
  ~Dict() { av_dict_free(&dict_); }
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;

  AVDictionary** inout() { return &dict_; }
  std::vector<std::string> keys() const;

  // Throws kInvalidArgument naming every key left in the dictionary, i.e.
  // every option that `what` (e.g. "decoder 'h264'") did not use.
  void reject_unused(const std::string& what) const;

 private:
  AVDictionary* dict_ = nullptr;
};

// Copies an FFmpeg dictionary (metadata) into owned strings.
OptionMap to_map(const AVDictionary* dict);

}  // namespace ffstream::detail
