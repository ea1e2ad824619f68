#include "ffstream/stream_reader.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <thread>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/decoder.h"
#include "ffstream/detail/exact_time.h"
#include "ffstream/detail/ffmpeg_log.h"
#include "ffstream/detail/output_stream.h"
#include "ffstream/detail/source.h"
#include "ffstream/detail/stream_info.h"
#include "ffstream/error.h"

namespace ffstream {

using namespace detail;

namespace {

// Seconds as FFmpeg's AV_TIME_BASE units, for avformat_seek_file.
int64_t av_time(double seconds) {
  return static_cast<int64_t>(std::llround(seconds * AV_TIME_BASE));
}

// `us` microseconds rounded to the nearest tick of `time_base`, in seconds:
// how av_seek_frame turns a time into a stream's ticks, and how torchaudio
// turned a seek time into the pts before which frames are dropped.
double nearest_tick(int64_t us, AVRational time_base) {
  if (time_base.num <= 0 || time_base.den <= 0) return us / double(AV_TIME_BASE);
  const int64_t ticks =
      av_rescale(us, time_base.den, AV_TIME_BASE * int64_t{time_base.num});
  return ExactTime::from_ticks(ticks, time_base).seconds();
}

}  // namespace

struct StreamReader::Impl {
  std::unique_ptr<Source> source;
  // One decoder per source stream that has outputs, keyed by stream index.
  std::map<int, std::unique_ptr<Decoder>> decoders;
  // Outputs in the order they were added; index = output index.
  std::vector<std::unique_ptr<OutputStream>> outputs;
  PacketPtr packet = make_packet();
  bool at_end = false;
  // The last seek, while its first frames may still show that the demuxer
  // landed after the target (see seek_again).
  struct PendingSeek {
    // The time asked for, in microseconds, truncated as torchaudio did.
    int64_t us = 0;
    bool precise = false;
    // Where the first demuxer seek went (seconds): the earliest output's
    // aim, less the audio decoders' pre-roll for a precise seek.
    double start = 0;
    double back = 0;  // how far before `start` the last retry went
    double last_at = 0;  // where the last demuxer seek for it went
  };
  std::optional<PendingSeek> pending_seek;
  // Video streams whose packets are dropped until a key frame's: after a
  // seek, the demuxer may land on a frame that needs earlier ones (MPEG-TS
  // seeks by byte position), and decoding it gives damaged images. Counts
  // the packets dropped: a container that flags no key frames must not
  // lose the stream for good.
  std::map<int, int> awaiting_key;
  static constexpr int kMaxPacketsWithoutKey = 1000;

  // Every stream is demuxed, with or without outputs: process_packet()
  // counts the source's packets one by one, as torchaudio's did, and code
  // counts on that. Packets of streams without a decoder are dropped unread.
  explicit Impl(std::unique_ptr<Source> s) : source(std::move(s)) {}

  AVStream* stream(int index, const char* what) const {
    const int n = static_cast<int>(source->get()->nb_streams);
    if (index < 0 || index >= n) {
      throw Error(ErrorKind::kIndexOutOfRange,
                  std::string(what) + " " + std::to_string(index) +
                      " is out of range: " + source->name() + " has " +
                      std::to_string(n) + " stream(s)");
    }
    return source->get()->streams[index];
  }

  void check_output(int index) const {
    const int n = static_cast<int>(outputs.size());
    if (index < 0 || index >= n) {
      throw Error(ErrorKind::kIndexOutOfRange,
                  "output stream index " + std::to_string(index) +
                      " is out of range: there are " + std::to_string(n) +
                      " output stream(s)");
    }
  }

  std::string describe(int index) const {
    return "stream " + std::to_string(index) + " of " + source->name();
  }

  // Hands one decoded frame of source stream `index` to its outputs.
  void dispatch(int index, AVFrame* frame) {
    for (auto& out : outputs) {
      if (out->source_index() == index) out->push(frame);
    }
  }

  // After a precise seek, a video packet whose frame is shown before the
  // target is skipped by the decoder when no other frame refers to it (the
  // B-frames of H.264 and HEVC): it would be dropped anyway, and skipping
  // makes a seek decode only what the target needs. Only when every output
  // of the stream is still dropping and filters each frame on its own.
  bool skippable(int index, const AVPacket* pkt) const {
    if (pkt->pts == AV_NOPTS_VALUE) return false;
    const AVStream* st = source->get()->streams[index];
    if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) return false;
    std::optional<double> before;
    for (const auto& out : outputs) {
      if (out->source_index() != index) continue;
      auto t = out->skippable_before();
      if (!t) return false;
      before = before ? std::min(*before, *t) : *t;
    }
    return before &&
           ExactTime::from_ticks(pkt->pts, st->time_base).seconds() < *before;
  }

  // After a demuxer seek: no decoder keeps frames from before it.
  void flush_decoders(bool show_damaged) {
    for (auto& [index, decoder] : decoders) {
      decoder->flush();
      decoder->set_show_damaged(show_damaged);
    }
  }

  // Where the file starts, in seconds (never below 0).
  double start_seconds() const {
    const AVFormatContext* ctx = source->get();
    return ctx->start_time != AV_NOPTS_VALUE
               ? std::max(ctx->start_time / double(AV_TIME_BASE), 0.0)
               : 0.0;
  }

  // The time (seconds) that output `out` aims at after `seek`, as torchaudio
  // had it: the asked time rounded to the nearest tick. A precise seek
  // rounds to the output's own stream and gives the first frame at or
  // after that tick (on an AVI of 1001/30000 s ticks, seek(0.37) gives the
  // frame at 0.367 s, the one shown at 0.37). A key seek rounds to the
  // default stream (the first video stream), as av_seek_frame does, and
  // starts at the key frame at or before that tick: seek(7.20, "key") aims
  // at tick 216, 7.2072 s, a key frame.
  double aim(const PendingSeek& seek, const OutputStream& out) const {
    AVFormatContext* ctx = source->get();
    const int index = seek.precise ? out.source_index()
                                   : av_find_default_stream_index(ctx);
    if (index < 0) return seek.us / double(AV_TIME_BASE);
    return nearest_tick(seek.us, ctx->streams[index]->time_base);
  }

  // Where the file ends, in seconds, if the container says.
  double end_seconds() const {
    const AVFormatContext* ctx = source->get();
    return ctx->duration > 0
               ? start_seconds() + ctx->duration / double(AV_TIME_BASE)
               : std::numeric_limits<double>::infinity();
  }

  // Demuxer seek to `at` seconds, then every decoder and output back to a
  // clean start for `seek`. Whether the first frame may be checked for
  // landing after the aim: only while going further back can still help.
  void seek_to(double at, PendingSeek seek, bool again) {
    const bool can_go_back = demuxer_seek(at);
    flush_decoders(/*show_damaged=*/false);
    for (auto& out : outputs) {
      const double target = aim(seek, *out);
      const auto discard =
          seek.precise ? std::optional<double>(target) : std::nullopt;
      const auto first_at_most =
          can_go_back ? std::optional<double>(target) : std::nullopt;
      const auto key_at_or_before =
          seek.precise ? std::nullopt : std::optional<double>(target);
      if (again) {
        out->rewind(discard, first_at_most, key_at_or_before);
      } else {
        out->reset(discard, first_at_most);
      }
    }
    seek.last_at = at;
    // Kept while its first frames may still show a late landing, or while
    // outputs probe for their key frames.
    const bool probing = std::any_of(outputs.begin(), outputs.end(),
                                     [](const auto& out) { return out->probing(); });
    pending_seek = can_go_back || probing ? std::optional<PendingSeek>(seek)
                                          : std::nullopt;
    wait_for_key_frames(can_go_back);
    at_end = false;
  }

  // A retried key seek whose outputs found their key frames: the demuxer
  // goes to the same place again, and each output delivers from its key
  // frame (outputs that had delivered frames go on after them).
  void replay_probed_seek() {
    const bool can_go_back = demuxer_seek(pending_seek->last_at);
    flush_decoders(/*show_damaged=*/false);
    for (auto& out : outputs) out->replay();
    pending_seek.reset();
    wait_for_key_frames(can_go_back);
    at_end = false;
  }

  // The demuxer seek to `at` seconds. Returns whether it went after the
  // start of the file (so that going further back could still help).
  bool demuxer_seek(double at) {
    const bool can_go_back = at > start_seconds();
    if (can_go_back) {
      source->seek(av_time(at), 0);
    } else {
      // At or before the start, aim a second earlier: MPEG-TS compares with
      // dts, and the first frame's dts may lie before the file's start
      // time. Demuxers that refuse a time before the start (MP3, AVI) get
      // the time itself, or 0.
      try {
        source->seek(av_time(std::min(at, start_seconds()) - 1.0), 0);
      } catch (const Error&) {
        try {
          source->seek(av_time(std::max(at, 0.0)), 0);
        } catch (const Error&) {
          // Raw streams (an .m4v, .h264) index only what was read and
          // refuse times before it; their first byte is their start.
          source->seek(0, AVSEEK_FLAG_BYTE);
        }
      }
    }
    return can_go_back;
  }

  // After a demuxer seek, video packets wait for a key frame's. From the
  // start of the file (`after_start` false), every packet is wanted: a
  // stream whose container flags no key frame is then still decoded.
  void wait_for_key_frames(bool after_start) {
    awaiting_key.clear();
    if (after_start) {
      for (const auto& [index, decoder] : decoders) {
        if (decoder->context()->codec_type == AVMEDIA_TYPE_VIDEO) {
          awaiting_key[index] = 0;
        }
      }
    }
  }

  // A demuxer seeks by its index, which some containers keep in decode
  // order (MP4: the key frame's dts), and some have no index at all (MPEG-TS
  // guesses from the byte position). Both can land on a key frame shown
  // after the target: the frames before it are then lost. When the first
  // frame of an output comes after the target, seek again 1, 2, 4 and 8 s
  // earlier, then from the start of the file.
  // At the end of the input, a seek that landed after every frame shows as
  // no frame at all (`at_end_of_input`), unless the target is past the end.
  bool seek_again_if_overshot(bool at_end_of_input = false) {
    if (!pending_seek || outputs.empty()) return false;
    const bool overshot =
        std::any_of(outputs.begin(), outputs.end(),
                    [](const auto& out) { return out->overshot(); }) ||
        (at_end_of_input && pending_seek->us / double(AV_TIME_BASE) < end_seconds() &&
         std::all_of(outputs.begin(), outputs.end(),
                     [](const auto& out) { return out->awaiting_first(); }));
    if (!overshot) {
      const bool probing = std::any_of(
          outputs.begin(), outputs.end(),
          [](const auto& out) { return out->probing(); });
      if (!probing && std::any_of(outputs.begin(), outputs.end(),
                                  [](const auto& out) { return out->probe_done(); })) {
        replay_probed_seek();
        return true;
      }
      // Every output has its first frame, in time: the seek is settled.
      if (!probing &&
          std::none_of(outputs.begin(), outputs.end(),
                       [](const auto& out) { return out->awaiting_first(); })) {
        pending_seek.reset();
      }
      return false;
    }
    // At most 1, 2, 4 and 8 s back, then from the start: a file that
    // decodes nothing is read a bounded number of times.
    constexpr double kMaxBack = 8.0;
    PendingSeek seek = *pending_seek;
    seek.back = seek.back > 0 ? seek.back * 2 : 1.0;
    seek_to(seek.back > kMaxBack ? start_seconds() : seek.start - seek.back,
            seek, /*again=*/true);
    return true;
  }

  // End of input: drain every decoder, then every filter graph.
  void drain() {
    for (auto& [index, decoder] : decoders) {
      const int i = index;
      decoder->decode(nullptr, [&](AVFrame* f) { dispatch(i, f); });
    }
    for (auto& out : outputs) out->push(nullptr);
  }

  int read_packet(std::optional<double> timeout_ms, double backoff_ms) {
    if ((timeout_ms && std::isnan(*timeout_ms)) || !(backoff_ms >= 0) ||
        !std::isfinite(backoff_ms)) {
      throw Error(ErrorKind::kInvalidArgument,
                  "timeout must be a number of milliseconds (or None) and "
                  "backoff a finite number >= 0");
    }
    // Beyond a year, a timeout is as good as none (and would overflow).
    constexpr double kForeverMs = 365.0 * 24 * 3600 * 1000;
    RetryPolicy retry;
    retry.enabled = timeout_ms.has_value();
    retry.backoff = std::chrono::duration<double, std::milli>(
        std::min(backoff_ms, kForeverMs));
    if (timeout_ms && *timeout_ms >= 0 && *timeout_ms < kForeverMs) {
      retry.deadline =
          RetryPolicy::Clock::now() +
          std::chrono::duration_cast<RetryPolicy::Clock::duration>(
              std::chrono::duration<double, std::milli>(*timeout_ms));
    }
    source->set_retry(retry);
    // Back to "fail at once" however this call ends.
    struct Reset {
      Source* s;
      ~Reset() { s->set_retry(RetryPolicy{}); }
    } reset{source.get()};
    while (true) {
      int ret = source->read_packet(packet.get());
      if (ret != AVERROR(EAGAIN)) return ret;
      if (!timeout_ms) {
        throw Error(ErrorKind::kGeneric,
                    source->name() +
                        " has no data available right now (EAGAIN); pass "
                        "timeout= to process_packet to retry");
      }
      source->clear_io_error();
      if (retry.expired()) {
        throw Error(ErrorKind::kTimeout,
                    source->name() + " produced no data within " +
                        std::to_string(*timeout_ms) + " ms");
      }
      retry.wait();
    }
  }
};

// ---- construction ----

StreamReader::StreamReader(const std::string& src,
                           const std::optional<std::string>& format,
                           const OptionMap& options, bool safe)
    : impl_(std::make_unique<Impl>(
          std::make_unique<Source>(src, format, options, safe, interrupt_))) {}

StreamReader::StreamReader(std::unique_ptr<Reader> reader,
                           const std::optional<std::string>& format,
                           const OptionMap& options, int buffer_size,
                           bool safe)
    : impl_(std::make_unique<Impl>(std::make_unique<Source>(
          std::move(reader), format, options, buffer_size, safe, interrupt_))) {}

StreamReader::~StreamReader() = default;
StreamReader::StreamReader(StreamReader&&) noexcept = default;
StreamReader& StreamReader::operator=(StreamReader&&) noexcept = default;

void StreamReader::close() { impl_.reset(); }
void StreamReader::interrupt() { interrupt_->store(true); }
bool StreamReader::closed() const { return impl_ == nullptr; }

StreamReader::Impl& StreamReader::impl() const {
  // Every operation starts here: what FFmpeg logged before is not its reason.
  clear_last_log();
  if (!impl_) {
    throw Error(ErrorKind::kClosed, "the StreamReader is closed");
  }
  return *impl_;
}

// ---- source ----

int StreamReader::num_src_streams() const {
  return static_cast<int>(impl().source->get()->nb_streams);
}

namespace {
std::optional<int> best_stream(AVFormatContext* ctx, AVMediaType type) {
  int i = av_find_best_stream(ctx, type, -1, -1, nullptr, 0);
  return i < 0 ? std::nullopt : std::optional<int>(i);
}
}  // namespace

std::optional<int> StreamReader::default_audio_stream() const {
  return best_stream(impl().source->get(), AVMEDIA_TYPE_AUDIO);
}

std::optional<int> StreamReader::default_video_stream() const {
  return best_stream(impl().source->get(), AVMEDIA_TYPE_VIDEO);
}

Metadata StreamReader::metadata() const {
  return to_map(impl().source->get()->metadata);
}

SourceStreamInfo StreamReader::src_stream_info(int index) const {
  return describe_source_stream(impl().stream(index, "source stream index"));
}

// ---- outputs ----

int StreamReader::add_stream(const OutputOptions& options) {
  Impl& m = impl();
  AVStream* stream = m.stream(options.source_index, "source stream index");
  const bool audio = options.media_type == MediaType::kAudio;
  const AVMediaType wanted = audio ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO;
  if (stream->codecpar->codec_type != wanted) {
    const char* actual = av_get_media_type_string(stream->codecpar->codec_type);
    throw Error(ErrorKind::kInvalidArgument,
                m.describe(options.source_index) + " is " +
                    (actual ? actual : "of unknown type") + ", not " +
                    (audio ? "audio" : "video"));
  }

  auto it = m.decoders.find(options.source_index);
  const bool new_decoder = it == m.decoders.end();
  if (new_decoder) {
    it = m.decoders
             .emplace(options.source_index,
                      std::make_unique<Decoder>(
                          stream, options.decoder, options.decoder_options,
                          m.describe(options.source_index)))
             .first;
  } else if (it->second->requested_name() != options.decoder ||
             it->second->requested_options() != options.decoder_options) {
    throw Error(ErrorKind::kInvalidArgument,
                m.describe(options.source_index) +
                    " already has an output with another decoder or "
                    "decoder_option; outputs of one stream share its decoder");
  }
  try {
    m.outputs.push_back(std::make_unique<OutputStream>(
        m.source->get(), stream, it->second->context(), options,
        m.describe(options.source_index)));
  } catch (...) {
    if (new_decoder) m.decoders.erase(it);
    throw;
  }
  return static_cast<int>(m.outputs.size()) - 1;
}

void StreamReader::remove_stream(int index) {
  Impl& m = impl();
  m.check_output(index);
  const int source_index = m.outputs[index]->source_index();
  m.outputs.erase(m.outputs.begin() + index);
  for (const auto& out : m.outputs) {
    if (out->source_index() == source_index) return;
  }
  m.decoders.erase(source_index);
}

int StreamReader::num_out_streams() const {
  return static_cast<int>(impl().outputs.size());
}

OutputStreamInfo StreamReader::out_stream_info(int index) const {
  Impl& m = impl();
  m.check_output(index);
  return m.outputs[index]->info();
}

// ---- decoding ----

int StreamReader::process_packet(std::optional<double> timeout_ms,
                                 double backoff_ms) {
  Impl& m = impl();
  if (m.at_end) return 1;
  int ret = m.read_packet(timeout_ms, backoff_ms);
  if (ret == AVERROR_EOF) {
    m.drain();
    if (m.seek_again_if_overshot(/*at_end_of_input=*/true)) return 0;
    m.at_end = true;
    return 1;
  }
  check_av(ret, "av_read_frame", m.source->name());
  PacketUnrefGuard guard(m.packet.get());
  const int index = m.packet->stream_index;
  auto it = m.decoders.find(index);
  if (auto wait = m.awaiting_key.find(index); wait != m.awaiting_key.end()) {
    if ((m.packet->flags & AV_PKT_FLAG_KEY) == 0 &&
        ++wait->second <= Impl::kMaxPacketsWithoutKey) {
      return 0;
    }
    m.awaiting_key.erase(wait);
  }
  if (it != m.decoders.end()) {
    it->second->set_skip_unreferenced(m.skippable(index, m.packet.get()));
    it->second->decode(m.packet.get(),
                       [&](AVFrame* f) { m.dispatch(index, f); });
    m.seek_again_if_overshot();
  }
  return 0;
}

void StreamReader::process_all_packets() {
  while (process_packet() == 0) {
  }
}

int StreamReader::fill_buffer(std::optional<double> timeout_ms,
                              double backoff_ms) {
  while (!is_buffer_ready()) {
    if (process_packet(timeout_ms, backoff_ms) != 0) return 1;
  }
  return 0;
}

bool StreamReader::is_buffer_ready() const {
  for (const auto& out : impl().outputs) {
    if (!out->is_ready()) return false;
  }
  return true;
}

std::vector<std::optional<Chunk>> StreamReader::pop_chunks() {
  std::vector<std::optional<Chunk>> chunks;
  for (auto& out : impl().outputs) chunks.push_back(out->pop());
  return chunks;
}

void StreamReader::seek(double timestamp, SeekMode mode) {
  Impl& m = impl();
  if (!(timestamp >= 0) || !std::isfinite(timestamp)) {
    throw Error(ErrorKind::kInvalidArgument,
                "seek timestamp must be a finite number of seconds >= 0, got " +
                    std::to_string(timestamp));
  }
  // Far beyond any media's end (and safe from overflow): 10^12 s.
  const double clamped = std::min(timestamp, 1e12);
  // Key and any seeks take torchaudio's arithmetic: microseconds, truncated,
  // which the demuxer rounds to a tick (see demuxer_time).
  const auto us = static_cast<int64_t>(clamped * AV_TIME_BASE);
  if (mode == SeekMode::kAny) {
    m.source->seek(us, AVSEEK_FLAG_ANY);
    m.flush_decoders(/*show_damaged=*/true);
    for (auto& out : m.outputs) out->reset(std::nullopt);
    m.pending_seek.reset();
    m.awaiting_key.clear();
    m.at_end = false;
    return;
  }
  Impl::PendingSeek seek;
  seek.us = us;
  seek.precise = mode == SeekMode::kPrecise;
  // The demuxer goes to the earliest aim, earlier still by the audio
  // decoders' pre-roll for a precise seek.
  seek.start = m.outputs.empty() ? clamped : std::numeric_limits<double>::infinity();
  for (const auto& out : m.outputs) {
    seek.start = std::min(seek.start, m.aim(seek, *out));
  }
  if (seek.precise) {
    double preroll = 0;
    for (const auto& [index, decoder] : m.decoders) {
      preroll = std::max(preroll, decoder->seek_preroll());
    }
    seek.start -= preroll;
  }
  m.seek_to(seek.start, seek, /*again=*/false);
}

}  // namespace ffstream
