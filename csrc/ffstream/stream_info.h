// Descriptions of source and output streams. Plain values that own their
// data: no pointers into FFmpeg memory.
#pragma once

#include <vector>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace ffstream {

using Metadata = std::map<std::string, std::string>;

struct SourceStreamInfo {
  // "audio", "video", "data", "subtitle", "attachment" or "" when unknown.
  std::string media_type;
  std::string codec_name;
  std::string codec_long_name;
  // Sample or pixel format name; empty optional when FFmpeg reports none.
  std::optional<std::string> format;
  int64_t bit_rate = 0;
  // Frame count from the container header; 0 when the header has none.
  int64_t num_frames_from_header = 0;
  int bits_per_sample = 0;
  Metadata metadata;
  // Audio only.
  double sample_rate = 0;
  int num_channels = 0;
  // Video only.
  int width = 0;
  int height = 0;
  double frame_rate = 0;
  // Degrees, counter-clockwise, in (-180, 180], by which the stream's
  // display matrix turns the stored frames to show them upright (as
  // av_display_rotation_get gives it); 0 when the stream has none. width
  // and height stay the stored frames'.
  double rotation = 0;
  // Seconds, as the container states them; empty when it does not.
  std::optional<double> start_time;
  std::optional<double> duration;
  // Video: FFmpeg's names of the colour range ("tv": limited, "pc": full)
  // and matrix ("bt709", "bt470bg", ...); empty when unspecified.
  std::string color_range;
  std::string color_space;
};

// The container as a whole.
struct ContainerInfo {
  std::string format_name;       // the demuxer: "mov,mp4,m4a,3gp,3g2,mj2"...
  std::string format_long_name;
  std::optional<double> start_time;  // seconds; empty when unknown
  std::optional<double> duration;    // seconds; empty when unknown
  int64_t bit_rate = 0;              // bits per second; 0 when unknown
};

struct OutputStreamInfo {
  int source_index = 0;
  std::string filter_description;
  std::string media_type;  // "audio" or "video"
  std::string format;      // sample or pixel format of the chunks
  // Audio only.
  double sample_rate = 0;
  int num_channels = 0;
  // Video only.
  int width = 0;
  int height = 0;
  double frame_rate = 0;
  // Where chunks are: "cpu", or "cuda:N" for hw_accel outputs, whose chunks
  // hold the planes as decoded (format is then "cuda"): `planes` names
  // their layout ("nv12", "p010le", "p016le", "yuv444p", "yuv444p16le"),
  // and the stream's colour matrix and range (FFmpeg's names: "bt709",
  // "bt470bg", ...; "tv", "pc"; "unknown" when unstated) say how to turn
  // them into RGB.
  std::string device = "cpu";
  std::string planes;
  std::string color_matrix;
  std::string color_range;
};

// How a reader is doing, cheap enough to ask for every chunk. Counts are
// since the reader opened; per-output lists are in output order.
struct ReaderStats {
  int64_t bytes = 0;    // read from the source (0 for devices without I/O)
  int64_t packets = 0;  // of the audio and video streams
  // Per output: decoded frames that reached it; frames written into its
  // chunks (audio: samples); and frames (samples) buffer_chunk_size dropped
  // because nobody popped them in time.
  std::vector<int64_t> frames_decoded;
  std::vector<int64_t> frames_delivered;
  std::vector<int64_t> frames_dropped;
  int64_t reconnects = 0;  // times a dropped network source was reopened
  // Video frames that the gaps of reconnects lost, estimated from the
  // timestamps on either side and the frame rate.
  int64_t frames_lost = 0;
  std::optional<std::string> last_error;  // the last error a call raised
  std::optional<double> newest_pts;       // seconds, of the newest frame
  // Wall-clock time since the first packet minus the media time that came
  // since: how far a live source's reader is behind real time.
  std::optional<double> behind_s;
};

// Every frame of a video stream, in presentation order, from its packets
// (see StreamReader::frame_index): size() is the exact frame count.
struct FrameIndexInfo {
  std::vector<double> pts;       // seconds
  std::vector<double> duration;  // seconds
  std::vector<bool> key_frame;
  // Whether the packets had no pts and the stream was decoded instead.
  bool decoded = false;
};

// What the last seek() cost, for tests and tuning: demuxer seeks made (1,
// more when the reader had to go back), then packets read, frames decoded
// and frames the outputs dropped since that seek() (or since the reader
// opened).
struct SeekCounters {
  int64_t demuxer_seeks = 0;
  int64_t packets_read = 0;
  int64_t frames_decoded = 0;
  int64_t frames_dropped = 0;
  // Packets the decoders failed on while resynchronising after the seek
  // (see detail::Decoder::flush) and skipped.
  int64_t invalid_packets_skipped = 0;
};

}  // namespace ffstream
