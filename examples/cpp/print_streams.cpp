// print_streams: lists the streams of a media source, then decodes its
// default audio and video streams chunk by chunk and counts what came out.
//
//   print_streams SOURCE [FORMAT]
//
// SOURCE is a path, URL or device input; FORMAT is ffmpeg's -f (e.g. lavfi).
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <ffstream/error.h>
#include <ffstream/stream_reader.h>
#include <ffstream/utils.h>

namespace {

void print_stream(int index, const ffstream::SourceStreamInfo& s) {
  std::cout << "stream " << index << ": "
            << (s.media_type.empty() ? "unknown" : s.media_type)
            << ", codec " << s.codec_name << ", format "
            << s.format.value_or("-");
  if (s.media_type == "audio") {
    std::cout << ", " << s.sample_rate << " Hz, " << s.num_channels
              << " channel(s)";
  } else if (s.media_type == "video") {
    std::cout << ", " << s.width << "x" << s.height << ", " << s.frame_rate
              << " fps";
  }
  std::cout << "\n";
}

struct Tally {
  int64_t chunks = 0;
  int64_t frames = 0;  // samples for audio, images for video
  std::string shape;   // of the first chunk
};

std::string shape_of(const ffstream::Chunk& chunk) {
  std::string s = "(";
  for (size_t i = 0; i < chunk.shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(chunk.shape[i]);
  }
  return s + ") " + ffstream::dtype_name(chunk.dtype);
}

void count(std::vector<std::optional<ffstream::Chunk>> chunks,
           std::vector<Tally>& tallies, bool& any) {
  any = false;
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (!chunks[i]) continue;
    any = true;
    if (tallies[i].chunks == 0) tallies[i].shape = shape_of(*chunks[i]);
    tallies[i].chunks += 1;
    tallies[i].frames += chunks[i]->num_frames();
  }
}

int run(const std::string& src, const std::optional<std::string>& format) {
  ffstream::StreamReader reader(src, format);
  const int n = reader.num_src_streams();
  std::cout << "source: " << src;
  if (format) std::cout << " (format " << *format << ")";
  std::cout << "\n" << n << " stream(s)\n";
  for (int i = 0; i < n; ++i) print_stream(i, reader.src_stream_info(i));

  // One output per default stream: float samples, packed RGB images.
  std::vector<std::string> names;
  if (auto audio = reader.default_audio_stream()) {
    ffstream::OutputOptions out;
    out.media_type = ffstream::MediaType::kAudio;
    out.source_index = *audio;
    out.frames_per_chunk = 4096;
    out.buffer_chunk_size = -1;
    out.filter_desc = "aformat=sample_fmts=flt";
    reader.add_stream(out);
    names.push_back("audio (stream " + std::to_string(*audio) + ")");
  }
  if (auto video = reader.default_video_stream()) {
    ffstream::OutputOptions out;
    out.media_type = ffstream::MediaType::kVideo;
    out.source_index = *video;
    out.frames_per_chunk = 8;
    out.buffer_chunk_size = -1;
    out.filter_desc = "format=pix_fmts=rgb24";
    reader.add_stream(out);
    names.push_back("video (stream " + std::to_string(*video) + ")");
  }
  if (names.empty()) {
    std::cout << "no audio or video stream to decode\n";
    return 0;
  }

  // Decode chunk by chunk; at the end, collect what is still buffered.
  std::vector<Tally> tallies(names.size());
  bool any = true;
  while (reader.fill_buffer() == 0) count(reader.pop_chunks(), tallies, any);
  do {
    count(reader.pop_chunks(), tallies, any);
  } while (any);

  for (size_t i = 0; i < names.size(); ++i) {
    std::cout << "decoded " << names[i] << ": " << tallies[i].chunks
              << " chunk(s), " << tallies[i].frames << " frame(s)";
    if (!tallies[i].shape.empty()) {
      std::cout << ", first chunk " << tallies[i].shape;
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: " << argv[0] << " SOURCE [FORMAT]\n"
              << "  e.g. " << argv[0]
              << " \"sine=frequency=440:duration=1\" lavfi\n";
    return 2;
  }
  const auto& versions = ffstream::library_versions();
  const auto& [major, minor, micro] = versions.at("libavcodec");
  std::cout << "libavcodec " << major << "." << minor << "." << micro << "\n";
  try {
    return run(argv[1], argc == 3 ? std::optional<std::string>(argv[2])
                                  : std::nullopt);
  } catch (const ffstream::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "unexpected error: " << e.what() << "\n";
    return 1;
  }
}
