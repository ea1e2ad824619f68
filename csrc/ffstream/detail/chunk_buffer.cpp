#include "ffstream/detail/chunk_buffer.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace ffstream::detail {

ChunkBuffer::ChunkBuffer(FrameLayout layout, int64_t frames_per_chunk,
                         int64_t buffer_chunk_size, AVRational frame_step,
                         int64_t capacity_hint)
    : layout_(std::move(layout)),
      frames_per_chunk_(frames_per_chunk),
      buffer_chunk_size_(buffer_chunk_size),
      frame_step_(frame_step),
      capacity_hint_(capacity_hint) {
  // A limit beyond what int64 can count is no limit.
  if (chunked() && buffer_chunk_size_ > 0 &&
      buffer_chunk_size_ > std::numeric_limits<int64_t>::max() / frames_per_chunk_) {
    buffer_chunk_size_ = -1;
  }
  if (chunked()) {
    // Enough idle blocks for a full buffer plus the chunk being filled and
    // the one the user holds.
    const int64_t idle =
        buffer_chunk_size_ > 0 ? std::min<int64_t>(buffer_chunk_size_, 8) + 2 : 4;
    pool_ = StoragePool::create(frames_per_chunk * layout_.bytes(), idle);
  }
}

ChunkBuffer::Slot ChunkBuffer::reserve(int64_t count) {
  if (segments_.empty() || segments_.back().end == segments_.back().capacity) {
    Segment s;
    if (chunked()) {
      s.capacity = frames_per_chunk_;
    } else {
      // Unchunked: one segment for the whole stream when the hint is right;
      // otherwise grow geometrically so the final concatenation stays cheap.
      s.capacity = std::max({count, buffered_, capacity_hint_, int64_t{1}});
      capacity_hint_ = 0;
    }
    s.fresh = true;
    s.storage = pool_ ? pool_->acquire(&s.fresh)
                      : allocate_storage(s.capacity * layout_.bytes());
    segments_.push_back(std::move(s));
  }
  Segment& tail = segments_.back();
  Slot slot{tail.storage.get() + tail.end * layout_.bytes(),
            std::min(count, tail.capacity - tail.end)};
  if (tail.fresh) prefault(slot.data, slot.count * layout_.bytes());
  return slot;
}

void ChunkBuffer::commit(int64_t count, ExactTime pts) {
  Segment& tail = segments_.back();
  tail.anchors.emplace_back(tail.end, pts);
  tail.end += count;
  buffered_ += count;
  // torchaudio's rule, which keeps chunk boundaries where they would be
  // without dropping: chunks are cut every frames_per_chunk frames from the
  // oldest buffered frame, the newest chunk counts even while incomplete,
  // and past buffer_chunk_size chunks the oldest whole chunk goes.
  if (chunked() && buffer_chunk_size_ > 0) {
    while (buffered_ > frames_per_chunk_ * buffer_chunk_size_) {
      drop_oldest(frames_per_chunk_);
      dropped_ += frames_per_chunk_;
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

bool ChunkBuffer::is_ready() const {
  return chunked() ? buffered_ >= frames_per_chunk_ : buffered_ > 0;
}

double ChunkBuffer::pts_at(const Segment& s, int64_t index) const {
  auto it = std::upper_bound(
      s.anchors.begin(), s.anchors.end(), index,
      [](int64_t i, const std::pair<int64_t, ExactTime>& a) { return i < a.first; });
  const auto& anchor = *std::prev(it);  // anchors[0].first == 0 <= index
  return anchor.second.plus(index - anchor.first, frame_step_).seconds();
}

Chunk ChunkBuffer::make_chunk(Storage storage, uint8_t* data, int64_t frames,
                              double pts) const {
  Chunk chunk;
  chunk.storage = std::move(storage);
  chunk.data = data;
  chunk.dtype = layout_.dtype;
  chunk.shape = {frames};
  chunk.shape.insert(chunk.shape.end(), layout_.shape.begin(),
                     layout_.shape.end());
  chunk.strides = {layout_.elements};
  chunk.strides.insert(chunk.strides.end(), layout_.strides.begin(),
                       layout_.strides.end());
  chunk.pts = pts;
  return chunk;
}

std::optional<Chunk> ChunkBuffer::pop() {
  if (buffered_ == 0) return std::nullopt;
  const int64_t want =
      chunked() ? std::min(frames_per_chunk_, buffered_) : buffered_;
  const size_t frame_bytes = layout_.bytes();

  Segment& head = segments_.front();
  const double pts = pts_at(head, head.begin);
  std::optional<Chunk> chunk;
  if (head.end - head.begin >= want) {
    // The usual case: the chunk is a view of its segment, no copy.
    chunk = make_chunk(head.storage, head.storage.get() + head.begin * frame_bytes,
                       want, pts);
    head.begin += want;
    buffered_ -= want;
  } else {
    // The chunk spans segments (after frames were dropped, or when the
    // unchunked size estimate was short): gather it into new storage.
    Storage storage = allocate_storage(want * frame_bytes);
    int64_t copied = 0;
    while (copied < want) {
      Segment& s = segments_.front();
      int64_t n = std::min(want - copied, s.end - s.begin);
      std::memcpy(storage.get() + copied * frame_bytes,
                  s.storage.get() + s.begin * frame_bytes, n * frame_bytes);
      s.begin += n;
      copied += n;
      if (s.begin == s.end && segments_.size() > 1) segments_.pop_front();
    }
    buffered_ -= want;
    chunk = make_chunk(std::move(storage), nullptr, want, pts);
    chunk->data = chunk->storage.get();
  }
  // A fully used segment is never written again; release our reference.
  while (!segments_.empty() && segments_.front().begin == segments_.front().end &&
         segments_.front().end == segments_.front().capacity) {
    segments_.pop_front();
  }
  return chunk;
}

void ChunkBuffer::clear() {
  segments_.clear();
  buffered_ = 0;
}

}  // namespace ffstream::detail
