// ChunkBuffer: the frames of one output, grouped into chunks.
//
// Frames are written by the converter straight into segments of chunk-sized
// storage (reserve() then commit()), so a full chunk leaves as a view of its
// segment without another copy. Every commit records the pts (and, for
// video, the duration) of its first frame next to the data, so dropping or
// popping can never put times and data out of step. Not thread-safe.
//
// Chunks are cut one of three ways: every frames_per_chunk frames (counted
// from the oldest buffered frame, as torchaudio did); by time, chunk k
// holding what is presented in [k * T, (k + 1) * T) seconds, audio cut at
// the exact sample; or not at all (one chunk of everything buffered).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "ffstream/chunk.h"
#include "ffstream/detail/chunk_memory.h"
#include "ffstream/detail/converter.h"
#include "ffstream/detail/exact_time.h"
#include "ffstream/detail/storage_pool.h"

namespace ffstream::detail {

// How an output's frames become chunks.
struct ChunkSizing {
  // > 0: frames (audio: samples) per chunk; -1: by time, or everything.
  int64_t frames_per_chunk = -1;
  // num > 0: chunks are windows of this many seconds (frames_per_chunk -1).
  AVRational seconds_per_chunk{0, 1};
  // > 0: chunks kept, counting an incomplete newest one, before the oldest
  // whole chunk is dropped; -1 keeps all.
  int64_t buffer_chunk_size = -1;
};

class ChunkBuffer {
 public:
  // frame_step: seconds between consecutive frames of one commit (audio:
  // 1 / sample rate; video commits one frame at a time: 0/1).
  // capacity_hint: expected frames of the whole stream when nothing cuts
  // chunks, or of one time window; 0 if unknown. `memory`: where chunks
  // live (the host unless the output decodes on a GPU).
  ChunkBuffer(FrameLayout layout, const ChunkSizing& sizing,
              AVRational frame_step, int64_t capacity_hint,
              ChunkMemory memory = {});

  struct Slot {
    uint8_t* data;  // where the next frame goes
    int64_t count;  // how many frames fit there (1 <= count <= asked)
  };
  // Room for up to `count` frames at the end of the buffer, the first of
  // them presented at `pts`. Fewer fit where a segment or a time window
  // ends.
  Slot reserve(int64_t count, const ExactTime& pts);
  // Marks `count` frames written to the last reserved slot; `pts` is the
  // presentation time of the first of them, `duration` (video) how long
  // each is shown, in seconds.
  void commit(int64_t count, const ExactTime& pts, double duration = 0);

  bool is_ready() const;
  int64_t num_frames() const { return buffered_; }
  // Frames dropped so far because more than buffer_chunk_size chunks were
  // buffered.
  int64_t frames_dropped() const { return dropped_; }
  // By time: the start (seconds) of the window the oldest buffered frame
  // is in; empty otherwise or when nothing is buffered.
  std::optional<double> oldest_window_start() const;
  // The oldest chunk: frames_per_chunk frames (fewer at the end of the
  // stream), the oldest time window's frames, or everything. Video chunks
  // carry every frame's pts and duration. Empty if no frames. With
  // `at_most`, no more than that many frames (frames on demand take one).
  std::optional<Chunk> pop(int64_t at_most = INT64_MAX);
  // A chunk of no frames, shaped as this buffer's chunks.
  Chunk empty_chunk() const;
  // The pts (seconds) of the oldest buffered frame.
  std::optional<double> oldest_pts() const;
  // Forgets buffered frames presented before `seconds` (not counted as
  // dropped: frames on demand skipping forward).
  void forget_before(double seconds);
  // While off, buffer_chunk_size drops nothing (a frame asked for on
  // demand must not be dropped before it is taken).
  void set_dropping(bool on) { dropping_ = on; }
  void clear();

 private:
  struct Segment {
    Storage storage;
    int64_t capacity = 0;
    int64_t begin = 0;  // first frame not yet popped or dropped
    int64_t end = 0;    // one past the last written frame
    bool fresh = false;  // newly allocated: pages mapped as frames come
    int64_t window = 0;  // by time: the window every frame here is in
    // For the first frame of every commit: its index, pts and duration.
    // Video commits single frames, so there is one entry per frame.
    struct Anchor {
      int64_t index;
      ExactTime pts;
      double duration;
    };
    std::vector<Anchor> anchors;
  };

  bool by_frames() const { return sizing_.frames_per_chunk > 0; }
  bool by_time() const { return sizing_.seconds_per_chunk.num > 0; }
  bool video() const { return frame_step_.num == 0; }
  // The oldest segment that still holds frames.
  const Segment* oldest() const;
  double pts_at(const Segment& s, int64_t index) const;
  // How many frames the oldest chunk has now.
  int64_t oldest_chunk_frames() const;
  int64_t buffered_windows() const;
  void drop_oldest(int64_t count);
  // Appends the times of frames [from, from + n) of `s` to a video chunk.
  void add_frame_times(const Segment& s, int64_t from, int64_t n,
                       Chunk* chunk) const;
  Chunk make_chunk(Storage storage, uint8_t* data, int64_t frames,
                   double pts) const;

  FrameLayout layout_;
  ChunkMemory memory_;
  ChunkSizing sizing_;
  AVRational frame_step_;
  int64_t capacity_hint_;
  std::deque<Segment> segments_;
  int64_t buffered_ = 0;
  int64_t dropped_ = 0;
  bool dropping_ = true;
  // Frames per segment when all segments are equal (by frames or by time);
  // then a pool recycles their blocks.
  int64_t segment_frames_ = 0;
  std::shared_ptr<StoragePool> pool_;
};

}  // namespace ffstream::detail
