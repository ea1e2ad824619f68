// The FFmpeg versions ffstream builds against (5.1 to 9.0), and what differs
// between them that must not reach users: each difference is absorbed here,
// with the versions and why, so the rest of the core holds no version checks.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include "ffstream/detail/ffmpeg.h"

namespace ffstream::detail {

// The oldest and newest FFmpeg releases ffstream is tested against, by
// name and by libavutil's version (every FFmpeg release bumps the majors of
// all its libraries together): 5.1 is libavutil 57.28, 9.0 libavutil 61.
inline constexpr const char* kOldestFFmpeg = "5.1";
inline constexpr const char* kNewestFFmpeg = "9.0";
inline constexpr unsigned kOldestAvutil = AV_VERSION_INT(57, 28, 0);
inline constexpr int kNewestAvutilMajor = 61;
static_assert(LIBAVUTIL_VERSION_INT >= kOldestAvutil,
              "ffstream needs FFmpeg 5.1 or later (libavutil 57.28)");

// Whether libavutil version `version` (avutil_version()) is in that range.
bool is_supported_avutil(unsigned version);

// Whether `code`, returned by av_read_frame on `format`, is the end of the
// input. AVERROR_EOF is. So is AVERROR(EIO) from an HTTP(S) response of
// unknown size when no protocol logged an error while it was read
// (`error_logged`): FFmpeg 9.0's http protocol returns it, silently, once it
// has read a chunked response's last chunk and closed the connection, where
// 5.1 to 8.1 return AVERROR_EOF. A response cut short is still an error:
// the http protocol logs "Stream ends prematurely" for it, on every version.
bool is_end_of_input(AVFormatContext* format, int code, bool error_logged);

// Makes video buffersink `sink` (allocated, not yet initialised) accept
// frames of a stated colour range only: limited or full, or with `limited`
// limited only. FFmpeg 7.1 and later negotiate colour ranges between
// filters; unasked, they may hand over converted full-range frames labelled
// unspecified (8.1: yuvj420p in, yuv444p out), and keep a full range into
// YUV formats. Earlier FFmpeg has no such negotiation (a no-op there): its
// frames carry their range, and its conversions to YUV are limited range.
void ask_stated_range(AVFilterContext* sink, bool limited);
// Whether configured video buffersink `sink` gives full-range YUV frames
// (known where FFmpeg negotiates ranges; false elsewhere).
bool is_full_range_yuv(const AVFilterContext* sink);

// The buffer source arguments that tell a filter graph the frames' colour
// matrix and range (":colorspace=1:range=2"), where the buffer filter has
// them (FFmpeg 7.1 and later, which negotiate both): without them the graph
// takes full-range frames for frames of unknown range and converts nothing.
// Empty on earlier FFmpeg, whose filters read both from each frame.
std::string buffer_source_color_args(int color_space, int color_range);

// What an encoder accepts, each empty when it takes anything (FFmpeg 7.1
// asks avcodec_get_supported_config; the AVCodec fields it replaces are
// gone from 8.0's headers on).
std::vector<int> supported_sample_formats(const AVCodec* codec);
std::vector<int> supported_sample_rates(const AVCodec* codec);
std::vector<int> supported_pixel_formats(const AVCodec* codec);
std::vector<AVRational> supported_frame_rates(const AVCodec* codec);
// The channel counts of the layouts it lists, in its order.
std::vector<int> supported_channel_counts(const AVCodec* codec);

// The buffer avio_alloc_context hands a write callback: const from FFmpeg
// 7.0 (libavformat 61) on.
using AvioWriteBuffer =
    std::conditional_t<(LIBAVFORMAT_VERSION_MAJOR >= 61), const uint8_t*, uint8_t*>;

}  // namespace ffstream::detail
