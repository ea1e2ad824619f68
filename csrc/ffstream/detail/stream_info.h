// Builds the public stream descriptions from FFmpeg's structs.
#pragma once

#include "ffstream/detail/ffmpeg.h"
#include "ffstream/stream_info.h"

namespace ffstream::detail {

SourceStreamInfo describe_source_stream(const AVStream* stream);
// The container's format, start, duration and bit rate.
ContainerInfo describe_container(const AVFormatContext* format);

// Frames per second of a stream: the average rate, else the base rate, else
// 0/1.
AVRational stream_frame_rate(const AVStream* stream);

// SourceStreamInfo::rotation of a stream: the counter-clockwise turn its
// display matrix asks for, in (-180, 180]; 0 without a usable matrix.
double display_rotation(const AVStream* stream);

}  // namespace ffstream::detail
