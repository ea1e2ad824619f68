#include "ffstream/stream_reader.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>

#include "ffstream/detail/av_error.h"
#include "ffstream/detail/decoded_stream.h"
#include "ffstream/detail/decoder.h"
#include "ffstream/detail/ffmpeg_log.h"
#include "ffstream/detail/filter_safety.h"
#include "ffstream/detail/frame_index.h"
#include "ffstream/detail/frames_on_demand.h"
#include "ffstream/detail/live_source.h"
#include "ffstream/detail/output_group.h"
#include "ffstream/detail/output_stream.h"
#include "ffstream/detail/retry.h"
#include "ffstream/detail/seek.h"
#include "ffstream/detail/source.h"
#include "ffstream/detail/stream_info.h"
#include "ffstream/error.h"

namespace ffstream {

using namespace detail;

struct StreamReader::Impl final : ReaderSteps {
  LiveSource source;
  // Outputs in the order they were added; index = output index. Declared
  // before the streams, which point at them.
  std::vector<std::unique_ptr<OutputStream>> outputs;
  // The graphs of several inputs or outputs that some outputs come from;
  // their outputs and streams point at them.
  std::vector<std::unique_ptr<OutputGroup>> groups;
  // Every source stream that has outputs, keyed by stream index.
  std::map<int, DecodedStream> streams;
  SeekMachine seeker{source, streams, outputs};
  PacketPtr packet = make_packet();
  // The source is at its end and every output drained.
  bool ended = false;
  // For stats().
  int64_t packets = 0;
  std::optional<std::chrono::steady_clock::time_point> first_packet_at;
  std::optional<std::string> last_error;
  // Frames on demand: one index per video stream, built on first use.
  std::map<int, FrameIndex> frame_indices;

  // Every audio and video stream is demuxed, with or without outputs:
  // process_packet() counts their packets one by one, as torchaudio's did,
  // and code counts on that. Packets of streams without outputs are dropped
  // undecoded; other streams (subtitles, data) the demuxer drops (Source).
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

  int process_packet(std::optional<double> timeout_ms, double backoff_ms);
  // seek() after its checks.
  void seek(double timestamp, SeekMode mode);
  // Runs `step`, keeping the message of what it throws for stats().
  template <class Step>
  auto recording_errors(Step&& step) -> decltype(step()) {
    try {
      return step();
    } catch (const std::exception& e) {
      last_error = e.what();
      throw;
    }
  }
  // What frames on demand needs of the reader (ReaderSteps). Each step is
  // an operation of its own, as the public calls are: what FFmpeg logged
  // before is not its reason.
  void seek_precise(double seconds) override {
    clear_last_log();
    recording_errors([&] { seek(std::max(seconds, 0.0), SeekMode::kPrecise); });
  }
  void skip_to(double seconds) override {
    seeker.end_landing_checks();
    for (auto& o : outputs) o->skip_to(seconds);
  }
  bool process_packet() override {
    clear_last_log();
    return recording_errors([&] { return process_packet(std::nullopt, 10.0); }) == 0;
  }
  bool at_end() const override { return ended; }
  // The decoded stream of source stream `index`, made on first use with
  // the decoder `options` ask for; throws when it already has another.
  // Sets `made` when it was made here.
  DecodedStream& decoded_stream(int index, const OutputOptions& options, bool* made);
  // add_stream for a filter_desc of several inputs or outputs; nullopt when
  // the description turns out to be a chain on the call's own stream.
  std::optional<int> add_group(const OutputOptions& options);
  // That the call's own stream exists and has the call's media type.
  void check_own_stream(const OutputOptions& options) const;
  // Output `output`, checked for frames on demand (video, frame by frame).
  detail::OutputStream& output_for_frames(int output);
  // The frame index of video stream `src_index`, built on first use.
  const detail::FrameIndex& index_of(int src_index);

  // End of input: drain every decoder, then end every filter.
  void drain() {
    for (auto& [index, decoded] : streams) seeker.count_frames(decoded.drain_decoder());
    for (auto& [index, decoded] : streams) decoded.end_filters();
  }
};

// ---- construction ----

namespace {

std::optional<double> checked_timeout(std::optional<double> timeout) {
  if (timeout && !(*timeout > 0 && std::isfinite(*timeout))) {
    throw Error(ErrorKind::kInvalidArgument,
                "timeout must be a positive number of seconds (or None), got " +
                    std::to_string(*timeout));
  }
  return timeout;
}

// Protocols whose sources can drop and be reopened.
bool is_network(const std::string& url) {
  static constexpr const char* kNetwork[] = {
      "http", "https", "tcp", "tls", "udp", "rtp", "rtsp", "rtmp", "rtmps",
      "rtmpt", "rtmpe", "srt", "mmsh", "mmst", "ftp", "sftp"};
  const char* protocol = avio_find_protocol_name(url.c_str());
  if (protocol == nullptr) return false;
  for (const char* name : kNetwork) {
    if (std::strcmp(protocol, name) == 0) return true;
  }
  return false;
}

}  // namespace

StreamReader::StreamReader(const std::string& src,
                           const std::optional<std::string>& format,
                           const OptionMap& options, bool safe,
                           std::optional<double> timeout, int reconnect)
    : impl_(std::make_unique<Impl>(std::make_unique<Source>(
          src, format, options, safe, interrupt_, checked_timeout(timeout)))) {
  if (reconnect < 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "reconnect must be >= 0, got " + std::to_string(reconnect));
  }
  if (reconnect > 0 && is_network(src)) {
    auto interrupt = interrupt_;
    impl_->source.reconnect_with(
        [=]() {
          return std::make_unique<Source>(src, format, options, safe, interrupt, timeout);
        },
        reconnect, interrupt_);
  }
}

StreamReader::StreamReader(std::unique_ptr<Reader> reader,
                           const std::optional<std::string>& format,
                           const OptionMap& options, int buffer_size,
                           bool safe, std::optional<double> timeout)
    : impl_(std::make_unique<Impl>(std::make_unique<Source>(
          std::move(reader), format, options, buffer_size, safe, interrupt_,
          checked_timeout(timeout)))) {}

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

ContainerInfo StreamReader::container_info() const {
  return describe_container(impl().source->get());
}

// ---- outputs ----

void StreamReader::Impl::check_own_stream(const OutputOptions& options) const {
  AVStream* st = stream(options.source_index, "source stream index");
  const bool audio = options.media_type == MediaType::kAudio;
  const AVMediaType wanted = audio ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO;
  if (st->codecpar->codec_type != wanted) {
    const char* actual = av_get_media_type_string(st->codecpar->codec_type);
    throw Error(ErrorKind::kInvalidArgument,
                describe(options.source_index) + " is " +
                    (actual ? actual : "of unknown type") + ", not " +
                    (audio ? "audio" : "video"));
  }
}

int StreamReader::add_stream(const OutputOptions& options) {
  Impl& m = impl();
  check_output_options(options);
  // A graph whose inputs all name their streams ("[0:a:0][0:a:1]amix")
  // needs no stream of the call's own: -1 then.
  const bool may_be_group =
      options.filter_desc && options.filter_desc->find_first_of("[;") != std::string::npos;
  if (!may_be_group || options.source_index != -1) m.check_own_stream(options);

  if (m.source->safe() && options.filter_desc) {
    // Before FFmpeg parses it: parsing already opens files (amovie, psnr).
    const std::string why = refused_by_safe_mode(*options.filter_desc);
    if (!why.empty()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "filter '" + *options.filter_desc +
                      "' is refused in safe mode: " + why);
    }
  }

  if (may_be_group) {
    if (auto first = m.add_group(options)) return *first;
    m.check_own_stream(options);
  }
  AVStream* stream = m.stream(options.source_index, "source stream index");
  bool new_stream = false;
  DecodedStream& decoded = m.decoded_stream(options.source_index, options, &new_stream);
  try {
    m.outputs.push_back(OutputStream::with_own_graph(
        m.source->get(), stream, decoded.decoder().context(), options,
        m.describe(options.source_index), decoded.decoder().cuda_device()));
  } catch (...) {
    if (new_stream) m.streams.erase(options.source_index);
    throw;
  }
  decoded.attach(m.outputs.back().get());
  return static_cast<int>(m.outputs.size()) - 1;
}

DecodedStream& StreamReader::Impl::decoded_stream(int index,
                                                  const OutputOptions& options,
                                                  bool* made) {
  AVStream* st = stream(index, "source stream index");
  auto it = streams.find(index);
  *made = it == streams.end();
  if (*made) {
    auto decoder = std::make_unique<Decoder>(st, options.decoder, options.decoder_options,
                                             describe(index), options.hw_accel);
    return streams.emplace(index, DecodedStream(st, std::move(decoder))).first->second;
  }
  const auto& hw = it->second.decoder().requested_hw_accel();
  if (hw != options.hw_accel) {
    auto where = [](const std::optional<std::string>& h) {
      return h ? "on the GPU (hw_accel='" + *h + "')" : std::string("on the CPU");
    };
    throw Error(ErrorKind::kInvalidArgument,
                describe(index) + " already has an output decoded " + where(hw) +
                    ", and this one asks to decode it " + where(options.hw_accel) +
                    "; outputs of one stream share its decoder, so give them the "
                    "same hw_accel (or open a second StreamReader)");
  }
  if (it->second.decoder().requested_name() != options.decoder ||
      it->second.decoder().requested_options() != options.decoder_options) {
    throw Error(ErrorKind::kInvalidArgument,
                describe(index) +
                    " already has an output with another decoder or "
                    "decoder_option; outputs of one stream share its decoder");
  }
  return it->second;
}

std::optional<int> StreamReader::Impl::add_group(const OutputOptions& options) {
  const std::string& description = *options.filter_desc;
  const std::string context = "filter '" + description + "'";
  AVFormatContext* ctx = source->get();
  // Which stream each open input reads: the one its label names, else the
  // call's own stream (for one such input at most).
  std::vector<int> sources;
  std::vector<int> made;  // decoded streams made here, undone on failure
  bool chain_on_own_stream = false;
  auto resolve = [&](const std::vector<GraphPad>& pads) {
    std::vector<FilterInput> inputs;
    std::vector<std::string> unnamed;
    for (const GraphPad& pad : pads) {
      std::optional<int> index = stream_of_label(ctx, pad.label, source->name());
      if (!index) {
        unnamed.push_back(pad.label.empty() ? "(unlabeled)" : "[" + pad.label + "]");
        if (options.source_index == -1) {
          throw Error(ErrorKind::kInvalidArgument,
                      context + ": input " + unnamed.back() + " names no source stream, and " +
                          source->name() + " has no " +
                          (options.media_type == MediaType::kAudio ? "audio" : "video") +
                          " stream to take its place; label it [0:N], [0:a:K] or [0:v:K]");
        }
        check_own_stream(options);
        index = options.source_index;
      }
      sources.push_back(*index);
    }
    if (unnamed.size() > 1) {
      std::string names;
      for (const auto& n : unnamed) names += (names.empty() ? "" : ", ") + n;
      throw Error(ErrorKind::kInvalidArgument,
                  context + " has " + std::to_string(unnamed.size()) +
                      " inputs that name no source stream (" + names +
                      "); label each with the stream it reads: [0:N], [0:a:K] "
                      "or [0:v:K]");
    }
    chain_on_own_stream = pads.size() == 1 && unnamed.size() == 1;
    const AVMediaType own = options.media_type == MediaType::kAudio
                                ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO;
    for (int index : sources) {
      AVStream* st = stream(index, "source stream index");
      // The call's decoder options are for streams of its own media type;
      // the others decode with FFmpeg's default decoder.
      OutputOptions decoding;
      if (st->codecpar->codec_type == own) decoding = options;
      bool fresh = false;
      DecodedStream& decoded = decoded_stream(index, decoding, &fresh);
      if (fresh) made.push_back(index);
      const AVCodecContext* codec = decoded.decoder().context();
      check_frames_known(codec, describe(index));
      inputs.push_back(FilterInput::from_codec(
          codec, st->time_base, av_guess_frame_rate(ctx, st, nullptr)));
    }
    return inputs;
  };
  auto undo = [&] {
    for (int index : made) streams.erase(index);
  };
  std::unique_ptr<OutputGroup> group;
  try {
    ComplexGraph graph(description, resolve, source->safe(), context);
    if (chain_on_own_stream && graph.num_outputs() == 1) {
      // A chain written with labels ("[in]scale=320:240[out]"): the output
      // runs it on its own, as any chain.
      undo();
      return std::nullopt;
    }
    group = std::make_unique<OutputGroup>(std::move(graph), sources);
  } catch (...) {
    undo();
    throw;
  }
  const size_t first = outputs.size();
  try {
    for (int j = 0; j < group->graph().num_outputs(); ++j) {
      outputs.push_back(OutputStream::fed_by_group(
          ctx, ctx->streams[sources[0]], group.get(), j, options,
          describe(sources[0])));
      group->set_output(j, outputs.back().get());
    }
  } catch (...) {
    outputs.resize(first);
    undo();
    throw;
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    streams.at(sources[i]).attach(group.get(), static_cast<int>(i));
  }
  groups.push_back(std::move(group));
  return static_cast<int>(first);
}
void StreamReader::remove_stream(int index) {
  Impl& m = impl();
  m.check_output(index);
  OutputStream* out = m.outputs[index].get();
  std::vector<int> sources{out->source_index()};
  if (OutputGroup* group = out->group()) {
    // The group's other outputs go on; the last one takes the group along.
    group->set_output(out->sink_index(), nullptr);
    if (group->has_outputs()) {
      sources.clear();
    } else {
      sources = group->sources();
      for (int s : sources) m.streams.at(s).detach(group);
      m.groups.erase(std::find_if(m.groups.begin(), m.groups.end(),
                                  [group](const auto& g) { return g.get() == group; }));
    }
  } else {
    m.streams.at(out->source_index()).detach(out);
  }
  for (int s : sources) {
    auto it = m.streams.find(s);
    if (it != m.streams.end() && it->second.unused()) m.streams.erase(it);
  }
  m.outputs.erase(m.outputs.begin() + index);
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
  return m.recording_errors([&] { return m.process_packet(timeout_ms, backoff_ms); });
}

int StreamReader::Impl::process_packet(std::optional<double> timeout_ms,
                                       double backoff_ms) {
  Impl& m = *this;
  if (m.ended) return 1;
  const RetryPolicy retry = RetryPolicy::from(timeout_ms, backoff_ms);
  const LiveSource::Read read = m.source.read_packet(m.packet.get(), retry, m.streams);
  if (read == LiveSource::Read::kReconnected) {
    m.last_error = "reconnected after: " + m.source.reconnect_reason();
    return 0;
  }
  if (read == LiveSource::Read::kEnd) {
    m.drain();
    if (m.seeker.check_landing(/*at_end_of_input=*/true)) return 0;
    m.ended = true;
    return 1;
  }
  PacketUnrefGuard guard(m.packet.get());
  m.seeker.count_packet();
  ++m.packets;
  if (!m.first_packet_at) m.first_packet_at = std::chrono::steady_clock::now();
  auto it = m.streams.find(m.packet->stream_index);
  if (it != m.streams.end()) {
    m.seeker.count_frames(it->second.decode(m.packet.get()));
    m.seeker.check_landing(/*at_end_of_input=*/false);
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
  // Outputs chunked by seconds give the chunks of one time window together:
  // the earliest window any of them holds. One that has nothing in it (its
  // stream starts later, or has a gap there) gives nothing this time.
  std::optional<double> window;
  for (const auto& out : impl().outputs) {
    if (auto start = out->next_window_start()) {
      window = std::min(window.value_or(*start), *start);
    }
  }
  std::vector<std::optional<Chunk>> chunks;
  for (auto& out : impl().outputs) {
    const auto start = out->next_window_start();
    if (start && *start > *window + SeekCursor::kPtsTolerance) {
      chunks.emplace_back();
    } else {
      chunks.push_back(out->pop());
    }
  }
  return chunks;
}

void StreamReader::seek(double timestamp, SeekMode mode) {
  Impl& m = impl();
  m.recording_errors([&] { m.seek(timestamp, mode); });
}

void StreamReader::Impl::seek(double timestamp, SeekMode mode) {
  if (!(timestamp >= 0) || !std::isfinite(timestamp)) {
    throw Error(ErrorKind::kInvalidArgument,
                "seek timestamp must be a finite number of seconds >= 0, got " +
                    std::to_string(timestamp));
  }
  // Far beyond any media's end (and safe from overflow): 10^12 s.
  seeker.begin_seek(std::min(timestamp, 1e12), mode);
  ended = false;
}

ReaderStats StreamReader::stats() const {
  const Impl& m = impl();
  ReaderStats s;
  const AVIOContext* pb = m.source->get()->pb;
  s.bytes = pb ? pb->bytes_read : 0;
  s.packets = m.packets;
  s.reconnects = m.source.reconnects();
  s.frames_lost = m.source.frames_lost();
  s.last_error = m.last_error;
  double media_elapsed = 0;
  for (const auto& out : m.outputs) {
    const OutputCounters& c = out->counters();
    s.frames_decoded.push_back(c.frames_decoded);
    s.frames_delivered.push_back(c.frames_delivered);
    s.frames_dropped.push_back(out->frames_dropped());
    if (auto newest = c.newest_pts) {
      s.newest_pts = std::max(s.newest_pts.value_or(*newest), *newest);
      media_elapsed = std::max(media_elapsed, *newest - *c.first_pts);
    }
  }
  if (m.first_packet_at && s.newest_pts) {
    const std::chrono::duration<double> wall =
        std::chrono::steady_clock::now() - *m.first_packet_at;
    s.behind_s = wall.count() - media_elapsed;
  }
  return s;
}

std::vector<int> StreamReader::outputs_that_began_dropping() {
  std::vector<int> indices;
  const auto& outputs = impl().outputs;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i]->take_first_drop()) indices.push_back(static_cast<int>(i));
  }
  return indices;
}

// ---- frames on demand ----

const detail::FrameIndex& StreamReader::Impl::index_of(int src_index) {
  auto it = frame_indices.find(src_index);
  if (it != frame_indices.end()) return it->second;
  if (stream(src_index, "source stream index")->codecpar->codec_type !=
      AVMEDIA_TYPE_VIDEO) {
    throw Error(ErrorKind::kInvalidArgument,
                "a frame index is for video streams; " + describe(src_index) +
                    " is not one");
  }
  FrameIndex index = FrameIndex::build(*source, src_index, describe(src_index));
  it = frame_indices.emplace(src_index, std::move(index)).first;
  // The scan left the source at its end: back to the start, as seek(0).
  clear_last_log();
  recording_errors([&] { seek(0, SeekMode::kPrecise); });
  return it->second;
}

FrameIndexInfo StreamReader::frame_index(int src_index) {
  Impl& m = impl();
  const FrameIndex& index = m.index_of(src_index);
  FrameIndexInfo info;
  for (int64_t i = 0; i < index.size(); ++i) {
    info.pts.push_back(index.seconds(i));
    info.duration.push_back(index.duration_seconds(i));
    info.key_frame.push_back(index.frame(i).key);
  }
  info.decoded = index.decoded();
  return info;
}

OutputStream& StreamReader::Impl::output_for_frames(int output) {
  check_output(output);
  OutputStream& out = *outputs[output];
  const std::string name =
      "output " + std::to_string(output) + " (" + describe(out.source_index()) + ")";
  if (out.info().media_type != "video") {
    throw Error(ErrorKind::kInvalidArgument,
                "frames on demand are for video outputs; " + name + " is audio");
  }
  const std::string why = out.why_frames_not_apart();
  if (!why.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "frames on demand cannot use " + name + ": in its filter '" +
                    out.filter_description() + "', " + why);
  }
  return out;
}

Chunk StreamReader::frames_at(int output, const std::vector<int64_t>& indices) {
  Impl& m = impl();
  OutputStream& out = m.output_for_frames(output);
  const FrameIndex& index = m.index_of(out.source_index());
  for (int64_t i : indices) {
    if (i < 0 || i >= index.size()) {
      throw Error(ErrorKind::kIndexOutOfRange,
                  "frame index " + std::to_string(i) + " is out of range: " +
                      m.describe(out.source_index()) + " has " +
                      std::to_string(index.size()) + " frames (0 to " +
                      std::to_string(index.size() - 1) + ")");
    }
  }
  return m.recording_errors([&] {
    return frames_on_demand(out, index, indices, m, m.describe(out.source_index()));
  });
}

Chunk StreamReader::frames_played_at(int output, const std::vector<double>& seconds) {
  Impl& m = impl();
  const int src = m.output_for_frames(output).source_index();
  const FrameIndex& index = m.index_of(src);
  std::vector<int64_t> indices;
  for (double t : seconds) {
    auto i = index.played_at(t);
    if (!i) {
      const double begin = index.size() ? index.seconds(0) : 0.0;
      const double end = index.size() ? index.end_seconds(index.size() - 1) : 0.0;
      throw Error(ErrorKind::kIndexOutOfRange,
                  "no frame of " + m.describe(src) + " is shown at " +
                      std::to_string(t) + " s: its frames cover [" +
                      std::to_string(begin) + ", " + std::to_string(end) + ") s");
    }
    indices.push_back(*i);
  }
  return frames_at(output, indices);
}

SeekCounters StreamReader::seek_counters() const { return impl().seeker.counters(); }

}  // namespace ffstream
