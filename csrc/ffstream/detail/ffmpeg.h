// The one place that includes FFmpeg's C headers, and the feature macros that
// name the API differences between the FFmpeg versions ffstream supports
// (4.4 through 7.x).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/display.h>
#include <libavutil/hwcontext.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

// AVChannelLayout (ch_layout) arrived in FFmpeg 5.1; 7.0 removed the old
// channel_layout/channels fields.
#define FFSTREAM_HAS_CH_LAYOUT \
  (LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 28, 100))

// av_demuxer_iterate & co. return const pointers since FFmpeg 4.0; the
// AVInputFormat/AVCodec they return became const-qualified in 5.0.
#define FFSTREAM_HAS_CONST_AVFORMAT \
  (LIBAVFORMAT_VERSION_INT >= AV_VERSION_INT(59, 0, 100))

#if FFSTREAM_HAS_CONST_AVFORMAT
#define FFSTREAM_AVFORMAT_CONST const
#else
#define FFSTREAM_AVFORMAT_CONST
#endif

// AVFrame::duration replaced pkt_duration in FFmpeg 6.0 (lavu 57.30).
#define FFSTREAM_HAS_FRAME_DURATION \
  (LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 30, 100))

// avformat_index_get_entry replaced AVStream::index_entries in lavf 58.78.
#define FFSTREAM_HAS_INDEX_GET_ENTRY \
  (LIBAVFORMAT_VERSION_INT >= AV_VERSION_INT(58, 78, 100))

// FFmpeg 6.1 (lavc 60.31) moved a stream's side data, the display matrix
// among it, into codecpar->coded_side_data; 7.0 removed AVStream::side_data.
#define FFSTREAM_HAS_CODED_SIDE_DATA \
  (LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 31, 102))

namespace ffstream::detail {

// The timestamp (stream ticks) of the key frame the demuxer's index has at
// or before `ticks`, if it has an index.
inline std::optional<int64_t> indexed_key_at_or_before(AVStream* stream,
                                                       int64_t ticks) {
  const int i = av_index_search_timestamp(stream, ticks, AVSEEK_FLAG_BACKWARD);
  if (i < 0) return std::nullopt;
#if FFSTREAM_HAS_INDEX_GET_ENTRY
  const AVIndexEntry* entry = avformat_index_get_entry(stream, i);
  if (entry == nullptr) return std::nullopt;
  return entry->timestamp;
#else
  return stream->index_entries[i].timestamp;
#endif
}

inline bool is_key_frame(const AVFrame* frame) {
#ifdef AV_FRAME_FLAG_KEY
  return (frame->flags & AV_FRAME_FLAG_KEY) != 0;
#else
  return frame->key_frame != 0;
#endif
}

inline int64_t frame_duration(const AVFrame* frame) {
#if FFSTREAM_HAS_FRAME_DURATION
  return frame->duration;
#else
  return frame->pkt_duration;
#endif
}

inline int num_channels(const AVCodecParameters* par) {
#if FFSTREAM_HAS_CH_LAYOUT
  return par->ch_layout.nb_channels;
#else
  return par->channels;
#endif
}

inline int num_channels(const AVFrame* frame) {
#if FFSTREAM_HAS_CH_LAYOUT
  return frame->ch_layout.nb_channels;
#else
  return frame->channels;
#endif
}

// The stream's display matrix (nine 16.16 fixed-point values, see
// libavutil/display.h), or nullptr when the container gives none.
inline const int32_t* display_matrix(const AVStream* stream) {
  constexpr size_t kBytes = 9 * sizeof(int32_t);
#if FFSTREAM_HAS_CODED_SIDE_DATA
  const AVCodecParameters* par = stream->codecpar;
  const AVPacketSideData* sd = av_packet_side_data_get(
      par->coded_side_data, par->nb_coded_side_data, AV_PKT_DATA_DISPLAYMATRIX);
  if (sd != nullptr && sd->size >= kBytes) {
    return reinterpret_cast<const int32_t*>(sd->data);
  }
#else
  for (int i = 0; i < stream->nb_side_data; ++i) {
    const AVPacketSideData& sd = stream->side_data[i];
    if (sd.type == AV_PKT_DATA_DISPLAYMATRIX &&
        static_cast<size_t>(sd.size) >= kBytes) {
      return reinterpret_cast<const int32_t*>(sd.data);
    }
  }
#endif
  return nullptr;
}

}  // namespace ffstream::detail
