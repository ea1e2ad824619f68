// embed_check: decodes lavfi's 440 Hz sine through the installed core and
// checks the samples, so that the embedding test proves more than a link.
// Exit status 0 when every check passes.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <string>

#include <ffstream/bytes_reader.h>
#include <ffstream/error.h>
#include <ffstream/stream_reader.h>
#include <ffstream/utils.h>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << "\n";
    ++failures;
  }
}

}  // namespace

int main() {
  try {
    check(ffstream::library_versions().count("libavcodec") == 1,
          "library_versions() has libavcodec");

    ffstream::StreamReader reader(
        "sine=frequency=440:sample_rate=8000:duration=1", "lavfi");
    ffstream::OutputOptions out;
    out.media_type = ffstream::MediaType::kAudio;
    out.source_index = 0;
    out.frames_per_chunk = -1;
    out.filter_desc = "aformat=sample_fmts=flt";
    reader.add_stream(out);
    reader.process_all_packets();
    auto chunks = reader.pop_chunks();
    check(chunks.size() == 1 && chunks[0].has_value(), "one chunk");
    if (chunks.size() == 1 && chunks[0]) {
      const ffstream::Chunk& c = *chunks[0];
      check(c.dtype == ffstream::DType::kFloat32, "float32 samples");
      check(c.shape.size() == 2 && c.shape[0] == 8000 && c.shape[1] == 1,
            "shape (8000, 1)");
      double worst = 0;
      for (int64_t i = 0; i < c.num_frames(); ++i) {
        float v;
        std::memcpy(&v, c.data + i * sizeof(float), sizeof(float));
        const double want = std::sin(2 * 3.14159265358979323846 * 440 * i /
                                     8000.0) / 8.0;
        worst = std::max(worst, std::abs(v - want));
      }
      check(worst < 1e-4, "samples follow the sine (worst error " +
                              std::to_string(worst) + ")");
    }

    try {
      ffstream::StreamReader missing("/nonexistent/embed_check.wav");
      check(false, "a missing file throws");
    } catch (const ffstream::Error& e) {
      check(e.kind() == ffstream::ErrorKind::kNotFound,
            std::string("a missing file is kNotFound: ") + e.what());
    }
  } catch (const std::exception& e) {
    std::cerr << "FAILED: unexpected exception: " << e.what() << "\n";
    return 1;
  }
  if (failures == 0) std::cout << "embed_check: all checks passed\n";
  return failures == 0 ? 0 : 1;
}
