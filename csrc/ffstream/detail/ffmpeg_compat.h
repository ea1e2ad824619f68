// The FFmpeg versions ffstream builds against (5.1 to 9.0), and what differs
// between them that must not reach users: each difference is absorbed here,
// with the versions and why, so the rest of the core holds no version checks.
#pragma once

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

}  // namespace ffstream::detail
