// Plain option structs passed into the core; no FFmpeg types.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace ffstream {

// Options handed to FFmpeg as an AVDictionary. Keys FFmpeg does not use are
// reported as an error naming them.
using OptionMap = std::map<std::string, std::string>;

enum class MediaType { kAudio, kVideo };

// How a StreamReader opens its source (see its constructors).
struct OpenOptions {
  // Demuxer or input device, as ffmpeg's -f; probed when empty.
  std::optional<std::string> format;
  // Protocol, demuxer or device options; one FFmpeg does not use is an error.
  OptionMap option;
  // Bytes of the AVIO buffer over a custom Reader (unused for paths/URLs).
  int buffer_size = 4096;
  // Untrusted input: only what the source names is ever read.
  bool safe = false;
  // Seconds that opening, and then each packet read or seek, may wait.
  std::optional<double> timeout;
  // Network URLs: times a failed, stalled or ended source is reopened.
  int reconnect = 0;
};

// One add_audio_stream / add_video_stream call.
struct OutputOptions {
  MediaType media_type = MediaType::kAudio;
  int source_index = 0;
  // Frames per chunk; -1 means one chunk of everything buffered.
  int64_t frames_per_chunk = -1;
  // Instead of frames_per_chunk (which then stays -1): chunk k holds the
  // frames presented in [k * T, (k + 1) * T) seconds of the source's
  // timeline, audio cut at the exact sample.
  std::optional<double> seconds_per_chunk;
  // Chunks kept before the oldest frames are dropped; -1 keeps all.
  int64_t buffer_chunk_size = 3;
  // A user's simple FFmpeg filter chain, run as written.
  std::optional<std::string> filter_desc;
  // What add_basic_audio_stream / add_basic_video_stream ask for, instead
  // of a filter_desc (giving both is an error). The output builds its filter
  // from them, with torchaudio's filter strings, and when only the format
  // changes the converter writes it straight into the chunk.
  std::optional<std::string> format;      // sample or pixel format name
  std::optional<int> sample_rate;         // audio: resample to this rate
  std::optional<int> num_channels;        // audio: remix to this many
  std::optional<std::string> frame_rate;  // video: as the fps filter reads it
                                          // ("30", "29.97", "30000/1001")
  std::optional<int> width;               // video: scale to this size
  std::optional<int> height;
  // Video in yuv420p: false brings chroma to full size, (3, H, W) a frame
  // (torchaudio's layout); true keeps the planes as decoded, one
  // (H * 3 / 2, W) image a frame holding Y, then U, then V (I420).
  bool yuv_i420 = false;
  // Video: turn the frames upright as the stream's display matrix says
  // (SourceStreamInfo::rotation), in quarter turns, after the size and
  // format steps; width and height are those of the turned frame. A basic
  // option: not with filter_desc or hw_accel.
  bool rotate = false;
  std::optional<std::string> decoder;
  OptionMap decoder_options;
  std::optional<std::string> hw_accel;
};

enum class SeekMode { kKey = 0, kAny = 1, kPrecise = 2 };

}  // namespace ffstream
