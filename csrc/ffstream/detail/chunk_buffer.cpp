#include "ffstream/detail/chunk_buffer.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace ffstream::detail {

ChunkBuffer::ChunkBuffer(FrameLayout layout, const ChunkSizing& sizing,
                         AVRational frame_step, int64_t capacity_hint,
                         ChunkMemory memory)
    : layout_(std::move(layout)),
      memory_(std::move(memory)),
      sizing_(sizing),
      frame_step_(frame_step),
      capacity_hint_(capacity_hint) {
  // A limit beyond what int64 can count is no limit.
  if (by_frames() && sizing_.buffer_chunk_size > 0 &&
      sizing_.buffer_chunk_size >
          std::numeric_limits<int64_t>::max() / sizing_.frames_per_chunk) {
    sizing_.buffer_chunk_size = -1;
  }
  if (by_frames()) segment_frames_ = sizing_.frames_per_chunk;
  if (by_time()) segment_frames_ = std::max<int64_t>(capacity_hint_, 1);
  if (segment_frames_ > 0) {
    // Enough idle blocks for a full buffer plus the chunk being filled and
    // the one the user holds.
    const int64_t idle = sizing_.buffer_chunk_size > 0
                             ? std::min<int64_t>(sizing_.buffer_chunk_size, 8) + 2
                             : 4;
    pool_ = StoragePool::create(segment_frames_ * layout_.bytes(), idle, memory_);
  }
}

ChunkBuffer::Slot ChunkBuffer::reserve(int64_t count, const ExactTime& pts) {
  int64_t window = 0;
  if (by_time()) {
    // A frame presented before the newest one (pts that go back) stays in
    // the newest window rather than reopening an old one.
    window = pts.window_index(sizing_.seconds_per_chunk);
    if (!segments_.empty()) window = std::max(window, segments_.back().window);
  }
  if (segments_.empty() || segments_.back().end == segments_.back().capacity ||
      segments_.back().window != window) {
    Segment s;
    if (segment_frames_ > 0) {
      s.capacity = segment_frames_;
    } else {
      // Unchunked: one segment for the whole stream when the hint is right;
      // otherwise grow geometrically so the final concatenation stays cheap.
      s.capacity = std::max({count, buffered_, capacity_hint_, int64_t{1}});
      capacity_hint_ = 0;
    }
    s.window = window;
    s.fresh = true;
    s.storage = pool_ ? pool_->acquire(&s.fresh)
                      : memory_.allocate(s.capacity * layout_.bytes());
    segments_.push_back(std::move(s));
  }
  Segment& tail = segments_.back();
  int64_t fits = std::min(count, tail.capacity - tail.end);
  if (by_time() && !video()) {
    // Samples from the next window's start on go into the next chunk.
    const ExactTime next = ExactTime::from_ticks(window + 1, sizing_.seconds_per_chunk);
    fits = std::min(fits, std::max<int64_t>(pts.steps_to(next, frame_step_), 1));
  }
  Slot slot{tail.storage.get() + tail.end * layout_.bytes(), fits};
  if (tail.fresh && memory_.on_host()) prefault(slot.data, slot.count * layout_.bytes());
  return slot;
}

void ChunkBuffer::commit(int64_t count, const ExactTime& pts, double duration) {
  Segment& tail = segments_.back();
  tail.anchors.push_back({tail.end, pts, duration});
  tail.end += count;
  buffered_ += count;
  if (sizing_.buffer_chunk_size <= 0 || !dropping_) return;
  // torchaudio's rule, which keeps chunk boundaries where they would be
  // without dropping: the newest chunk counts even while incomplete, and
  // past buffer_chunk_size chunks the oldest whole chunk goes.
  if (by_frames()) {
    while (buffered_ > sizing_.frames_per_chunk * sizing_.buffer_chunk_size) {
      drop_oldest(sizing_.frames_per_chunk);
      dropped_ += sizing_.frames_per_chunk;
    }
  } else if (by_time()) {
    while (buffered_windows() > sizing_.buffer_chunk_size) {
      const int64_t n = oldest_chunk_frames();
      drop_oldest(n);
      dropped_ += n;
    }
  }
}

void ChunkBuffer::drop_oldest(int64_t count) {
  while (count > 0) {
    Segment& head = segments_.front();
    int64_t available = head.end - head.begin;
    int64_t n = std::min(count, available);
    head.begin += n;
    buffered_ -= n;
    count -= n;
    if (head.begin == head.end && segments_.size() > 1) segments_.pop_front();
  }
}

const ChunkBuffer::Segment* ChunkBuffer::oldest() const {
  for (const Segment& s : segments_) {
    if (s.begin < s.end) return &s;
  }
  return nullptr;
}

int64_t ChunkBuffer::oldest_chunk_frames() const {
  if (by_frames()) return std::min(sizing_.frames_per_chunk, buffered_);
  if (!by_time()) return buffered_;
  const Segment* first = oldest();
  if (first == nullptr) return 0;
  int64_t n = 0;
  for (const Segment& s : segments_) {
    if (s.window == first->window) n += s.end - s.begin;
  }
  return n;
}

int64_t ChunkBuffer::buffered_windows() const {
  int64_t windows = 0;
  std::optional<int64_t> last;
  for (const Segment& s : segments_) {
    if (s.begin == s.end || s.window == last) continue;
    last = s.window;
    ++windows;
  }
  return windows;
}

bool ChunkBuffer::is_ready() const {
  if (by_frames()) return buffered_ >= sizing_.frames_per_chunk;
  if (!by_time()) return buffered_ > 0;
  // A window is complete once a frame of a later one has come.
  const Segment* first = oldest();
  return first != nullptr && first->window < segments_.back().window;
}

std::optional<double> ChunkBuffer::oldest_window_start() const {
  const Segment* first = by_time() ? oldest() : nullptr;
  if (first == nullptr) return std::nullopt;
  return ExactTime::from_ticks(first->window, sizing_.seconds_per_chunk).seconds();
}

double ChunkBuffer::pts_at(const Segment& s, int64_t index) const {
  auto it = std::upper_bound(
      s.anchors.begin(), s.anchors.end(), index,
      [](int64_t i, const Segment::Anchor& a) { return i < a.index; });
  const auto& anchor = *std::prev(it);  // anchors[0].index == 0 <= index
  return anchor.pts.plus(index - anchor.index, frame_step_).seconds();
}

void ChunkBuffer::add_frame_times(const Segment& s, int64_t from, int64_t n,
                                  Chunk* chunk) const {
  if (!video()) return;
  // One anchor per video frame, at its own index.
  for (int64_t i = from; i < from + n; ++i) {
    chunk->frame_pts.push_back(s.anchors[i].pts.seconds());
    chunk->frame_duration.push_back(s.anchors[i].duration);
  }
}

Chunk ChunkBuffer::make_chunk(Storage storage, uint8_t* data, int64_t frames,
                              double pts) const {
  Chunk chunk;
  chunk.storage = std::move(storage);
  chunk.data = data;
  memory_.stamp(&chunk);
  chunk.dtype = layout_.dtype;
  chunk.shape = {frames};
  chunk.shape.insert(chunk.shape.end(), layout_.shape.begin(),
                     layout_.shape.end());
  chunk.strides = {layout_.elements};
  chunk.strides.insert(chunk.strides.end(), layout_.strides.begin(),
                       layout_.strides.end());
  chunk.pts = pts;
  chunk.has_frame_times = video();
  if (video()) {
    chunk.frame_pts.reserve(frames);
    chunk.frame_duration.reserve(frames);
  }
  return chunk;
}

std::optional<double> ChunkBuffer::oldest_pts() const {
  const Segment* first = oldest();
  if (first == nullptr) return std::nullopt;
  return pts_at(*first, first->begin);
}

void ChunkBuffer::forget_before(double seconds) {
  while (auto pts = oldest_pts()) {
    if (*pts >= seconds) break;
    drop_oldest(1);
  }
}

std::optional<Chunk> ChunkBuffer::pop(int64_t at_most) {
  if (buffered_ == 0) return std::nullopt;
  // Segments emptied by dropping or popping (kept while they could still
  // be written) go before the oldest chunk is cut.
  while (segments_.front().begin == segments_.front().end) segments_.pop_front();
  const int64_t want = std::min(oldest_chunk_frames(), at_most);
  const size_t frame_bytes = layout_.bytes();

  Segment& head = segments_.front();
  const double pts = pts_at(head, head.begin);
  std::optional<Chunk> chunk;
  if (head.end - head.begin >= want) {
    // The usual case: the chunk is a view of its segment, no copy.
    chunk = make_chunk(head.storage, head.storage.get() + head.begin * frame_bytes,
                       want, pts);
    add_frame_times(head, head.begin, want, &*chunk);
    head.begin += want;
    buffered_ -= want;
  } else {
    // The chunk spans segments (after frames were dropped, when the
    // unchunked size estimate was short, or a time window held more frames
    // than expected): gather it into new storage.
    Storage storage = memory_.allocate(want * frame_bytes);
    chunk = make_chunk(storage, storage.get(), want, pts);
    int64_t copied = 0;
    while (copied < want) {
      Segment& s = segments_.front();
      int64_t n = std::min(want - copied, s.end - s.begin);
      memory_.copy(storage.get() + copied * frame_bytes,
                   s.storage.get() + s.begin * frame_bytes, n * frame_bytes);
      add_frame_times(s, s.begin, n, &*chunk);
      s.begin += n;
      copied += n;
      if (s.begin == s.end && segments_.size() > 1) segments_.pop_front();
    }
    buffered_ -= want;
  }
  // A used segment that is full, or whose time window is over, is never
  // written again; release our reference.
  while (!segments_.empty() && segments_.front().begin == segments_.front().end &&
         (segments_.front().end == segments_.front().capacity ||
          segments_.front().window < segments_.back().window)) {
    segments_.pop_front();
  }
  return chunk;
}

Chunk ChunkBuffer::empty_chunk() const {
  Storage storage = memory_.allocate(1);
  uint8_t* data = storage.get();
  return make_chunk(std::move(storage), data, 0, 0.0);
}

void ChunkBuffer::clear() {
  segments_.clear();
  buffered_ = 0;
}

}  // namespace ffstream::detail
