#include "ffstream/stream_writer.h"

#include <string>
#include <vector>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/avio_writer.h"
#include "ffstream/detail/encode_stream.h"
#include "ffstream/detail/raii.h"
#include "ffstream/error.h"

namespace ffstream {

using detail::check_av;

class StreamWriter::Impl {
 public:
  Impl(const std::string& dst, const std::string& format) : dst_(dst) {
    allocate(format, dst.c_str());
  }

  Impl(std::unique_ptr<Writer> dst, const std::string& format, int buffer_size)
      : dst_("the file object") {
    if (format.empty()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "format must be given to write to a file object: there is no "
                  "file name to tell it from");
    }
    allocate(format, nullptr);
    io_ = std::make_unique<detail::AVIOWriter>(std::move(dst), buffer_size);
    format_->pb = io_->context();
    format_->flags |= AVFMT_FLAG_CUSTOM_IO;
  }

  ~Impl() {
    try {
      close();
    } catch (...) {
      // A destructor cannot report it; close() does.
    }
    if (!io_ && format_ && format_->pb) avio_closep(&format_->pb);
  }

  template <typename Options>
  int add_stream(const Options& options, bool audio) {
    if (opened_ || closed_) {
      throw Error(ErrorKind::kInvalidArgument, "streams are added before open()");
    }
    const int index = static_cast<int>(streams_.size());
    if constexpr (std::is_same_v<Options, AudioEncodeOptions>) {
      (void)audio;
      streams_.push_back(detail::EncodeStream::audio(format_.get(), options, index));
    } else {
      streams_.push_back(detail::EncodeStream::video(format_.get(), options, index));
    }
    return index;
  }

  void set_metadata(const OptionMap& metadata) {
    if (opened_ || closed_) {
      throw Error(ErrorKind::kInvalidArgument, "metadata is set before open()");
    }
    av_dict_free(&format_->metadata);
    for (const auto& [key, value] : metadata) {
      av_dict_set(&format_->metadata, key.c_str(), value.c_str(), 0);
    }
  }

  void open(const OptionMap& options) {
    if (closed_) throw Error(ErrorKind::kClosed, "this StreamWriter was closed");
    if (opened_) return;
    if (streams_.empty()) {
      throw Error(ErrorKind::kInvalidArgument, "add a stream before open()");
    }
    detail::Dict dict(options);
    if (!io_ && !(format_->oformat->flags & AVFMT_NOFILE)) {
      check_av(avio_open2(&format_->pb, dst_.c_str(), AVIO_FLAG_WRITE, nullptr, dict.inout()),
               "avio_open2", "'" + dst_ + "'");
    }
    const int ret = avformat_write_header(format_.get(), dict.inout());
    rethrow_io();
    if (ret < 0 && io_ && !io_->seekable()) {
      throw Error(ErrorKind::kInvalidArgument,
                  std::string("format '") + format_->oformat->name +
                      "' could not start on a file object without seek(): " +
                      detail::av_error_reason(ret) +
                      ". Give a file object that can seek, or a streamable format "
                      "(matroska, ogg, adts, mp3, mpegts; mp4 with "
                      "option={'movflags': 'frag_keyframe+empty_moov'})");
    }
    check_av(ret, "avformat_write_header", dst_);
    dict.reject_unused("the output " + dst_);
    opened_ = true;
  }

  void write(int i, bool audio, const uint8_t* data, int64_t num_frames,
             std::optional<double> pts) {
    detail::EncodeStream& s = stream(i);
    if (s.is_audio() != audio) {
      throw Error(ErrorKind::kInvalidArgument,
                  "stream " + std::to_string(i) + " is " + (audio ? "video" : "audio") +
                      "; use write_" + (audio ? "video" : "audio") + "_chunk");
    }
    if (!opened_) throw Error(ErrorKind::kInvalidArgument, "open() the writer before writing");
    if (num_frames < 0) {
      throw Error(ErrorKind::kInvalidArgument, "a chunk has no negative frame count");
    }
    s.write(data, num_frames, pts);
    rethrow_io();
  }

  void flush() {
    if (!opened_ || closed_) return;
    for (auto& s : streams_) s->flush();
    check_av(av_interleaved_write_frame(format_.get(), nullptr), "av_interleaved_write_frame",
             dst_);
    if (format_->pb) avio_flush(format_->pb);
    rethrow_io();
  }

  void close() {
    if (closed_) return;
    // Closed whatever happens below: a failed close is not retried.
    struct MarkClosed {
      bool* closed;
      ~MarkClosed() { *closed = true; }
    } mark{&closed_};
    if (opened_) {
      flush();
      check_av(av_write_trailer(format_.get()), "av_write_trailer", dst_);
      if (format_->pb) avio_flush(format_->pb);
      rethrow_io();
    }
    if (!io_ && format_->pb) check_av(avio_closep(&format_->pb), "avio_closep", dst_);
  }

  bool is_open() const { return opened_ && !closed_; }
  int num_streams() const { return static_cast<int>(streams_.size()); }

  detail::EncodeStream& stream(int i) {
    if (closed_) throw Error(ErrorKind::kClosed, "this StreamWriter was closed");
    if (i < 0 || i >= num_streams()) {
      throw Error(ErrorKind::kIndexOutOfRange,
                  "stream index " + std::to_string(i) + " is out of range: the writer has " +
                      std::to_string(num_streams()) + " stream(s)");
    }
    return *streams_[i];
  }
  const detail::EncodeStream& stream(int i) const {
    return const_cast<Impl*>(this)->stream(i);
  }

 private:
  void allocate(const std::string& format, const char* name) {
    AVFormatContext* ctx = nullptr;
    const int ret = avformat_alloc_output_context2(
        &ctx, nullptr, format.empty() ? nullptr : format.c_str(), name);
    if (ret < 0 || ctx == nullptr) {
      throw Error(ErrorKind::kInvalidArgument,
                  format.empty()
                      ? "cannot tell the output format from '" + dst_ + "'; give format="
                      : "unknown output format '" + format +
                            "'; ffstream.utils.get_muxers() lists those this FFmpeg has");
    }
    format_.reset(ctx);
  }

  void rethrow_io() {
    if (io_) io_->rethrow_if_failed();
  }

  std::string dst_;
  std::unique_ptr<detail::AVIOWriter> io_;  // file objects only
  detail::FormatContextPtr format_;         // uses io_; declared after it
  std::vector<std::unique_ptr<detail::EncodeStream>> streams_;
  bool opened_ = false;
  bool closed_ = false;
};

StreamWriter::StreamWriter(const std::string& dst, const std::string& format)
    : impl_(std::make_unique<Impl>(dst, format)) {}
StreamWriter::StreamWriter(std::unique_ptr<Writer> dst, const std::string& format,
                           int buffer_size)
    : impl_(std::make_unique<Impl>(std::move(dst), format, buffer_size)) {}
StreamWriter::~StreamWriter() = default;

int StreamWriter::add_audio_stream(const AudioEncodeOptions& options) {
  return impl_->add_stream(options, true);
}
int StreamWriter::add_video_stream(const VideoEncodeOptions& options) {
  return impl_->add_stream(options, false);
}
void StreamWriter::set_metadata(const OptionMap& metadata) { impl_->set_metadata(metadata); }
void StreamWriter::open(const OptionMap& options) { impl_->open(options); }
bool StreamWriter::is_open() const { return impl_->is_open(); }
void StreamWriter::write_audio_chunk(int i, const uint8_t* data, int64_t num_frames,
                                     std::optional<double> pts) {
  impl_->write(i, true, data, num_frames, pts);
}
void StreamWriter::write_video_chunk(int i, const uint8_t* data, int64_t num_frames,
                                     std::optional<double> pts) {
  impl_->write(i, false, data, num_frames, pts);
}
void StreamWriter::flush() { impl_->flush(); }
void StreamWriter::close() { impl_->close(); }
int64_t StreamWriter::input_frame_bytes(int i) const { return impl_->stream(i).frame_bytes(); }
int StreamWriter::num_streams() const { return impl_->num_streams(); }

}  // namespace ffstream
