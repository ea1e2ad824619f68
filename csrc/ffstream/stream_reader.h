// StreamReader: opens a media source, decodes the source streams that have
// outputs, and groups the decoded frames of every output into chunks.
//
// Owns every FFmpeg resource it uses (through a pImpl), releases them in
// close() or the destructor. Not thread-safe: one reader is used by one thread
// at a time; different readers may run in parallel.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ffstream/chunk.h"
#include "ffstream/options.h"
#include "ffstream/reader.h"
#include "ffstream/stream_info.h"

namespace ffstream {

class StreamReader {
 public:
  // Opens a path, URL or device. `format` selects the demuxer or input device
  // (ffmpeg's -f); `options` go to FFmpeg when opening, and any it does not
  // use is an error, but for tls_verify and ca_file: TLS connections check
  // the server's certificate by default (against $SSL_CERT_FILE or the
  // system's CA bundle), and those two apply to every URL the source opens.
  // `safe` is for untrusted input: only the file or pipe `src` names is
  // read, and demuxers cannot open anything else (playlists, concat lists,
  // references inside mov/mp4, devices, network). `timeout`
  // (seconds) bounds opening, and then every packet read and seek: past it
  // the call throws kTimeout naming the source and what it waited for.
  // `reconnect` (network URLs only; files never reconnect): when the
  // source fails, stalls past `timeout` or ends, reopen it up to that many
  // times, waiting 0.5 s, then twice as long each time up to 8 s; decoding
  // goes on with the same outputs. Timestamps that restart are shifted so
  // that pts never go back. After the last failed attempt the error is
  // raised (or, for a source that ended, the reader ends).
  explicit StreamReader(const std::string& src,
                        const std::optional<std::string>& format = {},
                        const OptionMap& options = {}, bool safe = false,
                        std::optional<double> timeout = {}, int reconnect = 0);
  // Opens a custom byte source through an AVIOContext of `buffer_size` bytes;
  // with `safe`, nothing but the reader is ever read. With `timeout`, a
  // reader that has no data yet is waited for, that long at most.
  StreamReader(std::unique_ptr<Reader> reader,
               const std::optional<std::string>& format = {},
               const OptionMap& options = {}, int buffer_size = 4096,
               bool safe = false, std::optional<double> timeout = {});
  // The same two, with the options as one struct (what the Python binding
  // fills in).
  StreamReader(const std::string& src, const OpenOptions& o)
      : StreamReader(src, o.format, o.option, o.safe, o.timeout, o.reconnect) {}
  StreamReader(std::unique_ptr<Reader> reader, const OpenOptions& o)
      : StreamReader(std::move(reader), o.format, o.option, o.buffer_size,
                     o.safe, o.timeout) {}
  ~StreamReader();
  StreamReader(StreamReader&&) noexcept;
  StreamReader& operator=(StreamReader&&) noexcept;

  // Frees every FFmpeg resource now; any later call throws kClosed.
  void close();
  bool closed() const;
  // Makes the blocking call in progress (or the next one) give up with
  // kInterrupted. The one method any thread may call at any time.
  void interrupt();

  // ---- source ----
  int num_src_streams() const;
  std::optional<int> default_audio_stream() const;
  std::optional<int> default_video_stream() const;
  Metadata metadata() const;
  SourceStreamInfo src_stream_info(int index) const;
  ContainerInfo container_info() const;

  // ---- outputs ----
  // Adds an output; returns its index. Throws for a bad stream index, a media
  // type mismatch, a bad filter, an unknown decoder or unused decoder option.
  int add_stream(const OutputOptions& options);
  void remove_stream(int index);
  int num_out_streams() const;
  OutputStreamInfo out_stream_info(int index) const;

  // ---- decoding ----
  // Reads one packet of the source's audio and video streams, whichever
  // stream it belongs to, and decodes it if that stream has outputs
  // (subtitle and data packets are never read). Returns 0, or 1 once the
  // source is at its end and every output has been drained: a source of N
  // audio and video packets gives 0 N times, then 1. `timeout_ms` (empty: no retry,
  // negative: forever) retries a source that reports EAGAIN, sleeping
  // `backoff_ms` between tries.
  int process_packet(std::optional<double> timeout_ms = {},
                     double backoff_ms = 10.0);
  void process_all_packets();
  // Processes packets until every output has a chunk ready; returns 1 at end.
  int fill_buffer(std::optional<double> timeout_ms = {},
                  double backoff_ms = 10.0);
  bool is_buffer_ready() const;
  // One chunk per output, in output order; empty where nothing is buffered.
  // Outputs chunked by seconds give chunks of the same time window: those
  // with nothing in the earliest buffered window give an empty slot.
  std::vector<std::optional<Chunk>> pop_chunks();

  // Moves to `timestamp` seconds. kPrecise yields exactly the first frame at or
  // after it; kKey starts at the preceding key frame; kAny at any frame.
  void seek(double timestamp, SeekMode mode = SeekMode::kPrecise);
  // ---- frames on demand ----
  // The frames of video source stream `src_index` in presentation order,
  // found by reading its packets (no decoding) on first use, once per
  // reader; its size is the exact frame count. Building it reads the
  // source to its end and leaves the reader as after seek(0): buffered
  // chunks are dropped.
  FrameIndexInfo frame_index(int src_index);
  // The frames of video output `output` at presentation-order `indices`
  // (any order, repeats allowed) as one chunk with frame times. Decodes
  // forward or seeks as needed, each frame once; afterwards every output
  // goes on after the latest frame returned. Throws kIndexOutOfRange for an
  // index outside [0, frames), kInvalidArgument for an output whose filter
  // changes frame timing or lets frames influence each other (fps).
  Chunk frames_at(int output, const std::vector<int64_t>& indices);
  // The same for the frames shown at `seconds`: frame i is shown from its
  // pts until the next frame's (the last one for its duration).
  Chunk frames_played_at(int output, const std::vector<double>& seconds);

  // What the last seek cost (see SeekCounters).
  SeekCounters seek_counters() const;
  // How the reader is doing (see ReaderStats).
  ReaderStats stats() const;
  // The outputs that dropped frames (buffer_chunk_size) since this was
  // last asked, each named once in the reader's life: for a warning.
  std::vector<int> outputs_that_began_dropping();

 private:
  struct Impl;
  Impl& impl() const;
  // Shared with the source's interrupt callback; outlives close().
  std::shared_ptr<std::atomic<bool>> interrupt_ =
      std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ffstream
