// ChunkBuffer: the frames of one output, grouped into chunks.
//
// Frames are written by the converter straight into segments of chunk-sized
// storage (reserve() then commit()), so a full chunk leaves as a view of its
// segment without another copy. Every commit records the pts of its first
// frame next to the data, so dropping or popping can never put pts and data
// out of step. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "ffstream/chunk.h"
#include "ffstream/detail/converter.h"
#include "ffstream/detail/exact_time.h"
#include "ffstream/detail/storage_pool.h"

namespace ffstream::detail {

class ChunkBuffer {
 public:
  // frames_per_chunk: > 0, or -1 for one chunk of everything buffered.
  // buffer_chunk_size: > 0 chunks kept, counting an incomplete newest one,
  // before the oldest whole chunk is dropped; or -1 to keep all.
  // frame_step: seconds between consecutive frames of one commit (audio:
  // 1 / sample rate; video commits one frame at a time: 0/1).
  // capacity_hint: expected total frames, used to size the storage when
  // frames_per_chunk is -1 (0 if unknown).
  ChunkBuffer(FrameLayout layout, int64_t frames_per_chunk,
              int64_t buffer_chunk_size, AVRational frame_step,
              int64_t capacity_hint);

  struct Slot {
    uint8_t* data;  // where the next frame goes
    int64_t count;  // how many frames fit there (1 <= count <= asked)
  };
  // Room for up to `count` frames at the end of the buffer.
  Slot reserve(int64_t count);
  // Marks `count` frames written to the last reserved slot; `pts` is the
  // presentation time of the first of them.
  void commit(int64_t count, ExactTime pts);

  bool is_ready() const;
  int64_t num_frames() const { return buffered_; }
  // Frames dropped so far because more than buffer_chunk_size chunks were
  // buffered.
  int64_t frames_dropped() const { return dropped_; }
  // The oldest chunk: frames_per_chunk frames (fewer at the end of the
  // stream), or everything when frames_per_chunk is -1. Empty if no frames.
  std::optional<Chunk> pop();
  void clear();

 private:
  struct Segment {
    Storage storage;
    int64_t capacity = 0;
    int64_t begin = 0;  // first frame not yet popped or dropped
    int64_t end = 0;    // one past the last written frame
    bool fresh = false;  // newly allocated: pages mapped as frames come
    // (frame index, pts of that frame) for the first frame of every commit.
    std::vector<std::pair<int64_t, ExactTime>> anchors;
  };

  bool chunked() const { return frames_per_chunk_ > 0; }
  double pts_at(const Segment& s, int64_t index) const;
  void drop_oldest(int64_t count);
  Chunk make_chunk(Storage storage, uint8_t* data, int64_t frames,
                   double pts) const;

  FrameLayout layout_;
  int64_t frames_per_chunk_;
  int64_t buffer_chunk_size_;
  AVRational frame_step_;
  int64_t capacity_hint_;
  std::deque<Segment> segments_;
  int64_t buffered_ = 0;
  int64_t dropped_ = 0;
  // Recycles chunk-sized blocks (chunked mode only: all segments are equal).
  std::shared_ptr<StoragePool> pool_;
};

}  // namespace ffstream::detail
