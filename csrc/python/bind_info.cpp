// Stream-info value types -> Python objects with read-only attributes. The
// Python layer turns them into the public dataclasses.
#include <pybind11/stl.h>

#include "ffstream/stream_info.h"
#include "register.h"

namespace py = pybind11;

namespace ffstream::python {

void register_info(py::module_& m) {
  py::class_<SourceStreamInfo>(m, "SourceStreamInfo")
      .def_readonly("media_type", &SourceStreamInfo::media_type)
      .def_readonly("codec_name", &SourceStreamInfo::codec_name)
      .def_readonly("codec_long_name", &SourceStreamInfo::codec_long_name)
      .def_readonly("format", &SourceStreamInfo::format)
      .def_readonly("bit_rate", &SourceStreamInfo::bit_rate)
      .def_readonly("num_frames", &SourceStreamInfo::num_frames_from_header)
      .def_readonly("bits_per_sample", &SourceStreamInfo::bits_per_sample)
      .def_readonly("metadata", &SourceStreamInfo::metadata)
      .def_readonly("sample_rate", &SourceStreamInfo::sample_rate)
      .def_readonly("num_channels", &SourceStreamInfo::num_channels)
      .def_readonly("width", &SourceStreamInfo::width)
      .def_readonly("height", &SourceStreamInfo::height)
      .def_readonly("frame_rate", &SourceStreamInfo::frame_rate)
      .def_readonly("rotation", &SourceStreamInfo::rotation)
      .def_readonly("start_time", &SourceStreamInfo::start_time)
      .def_readonly("duration", &SourceStreamInfo::duration)
      .def_readonly("color_range", &SourceStreamInfo::color_range)
      .def_readonly("color_space", &SourceStreamInfo::color_space);

  py::class_<ContainerInfo>(m, "ContainerInfo")
      .def_readonly("format_name", &ContainerInfo::format_name)
      .def_readonly("format_long_name", &ContainerInfo::format_long_name)
      .def_readonly("start_time", &ContainerInfo::start_time)
      .def_readonly("duration", &ContainerInfo::duration)
      .def_readonly("bit_rate", &ContainerInfo::bit_rate);

  py::class_<ReaderStats>(m, "ReaderStats")
      .def_readonly("bytes", &ReaderStats::bytes)
      .def_readonly("packets", &ReaderStats::packets)
      .def_readonly("frames_decoded", &ReaderStats::frames_decoded)
      .def_readonly("frames_delivered", &ReaderStats::frames_delivered)
      .def_readonly("frames_dropped", &ReaderStats::frames_dropped)
      .def_readonly("reconnects", &ReaderStats::reconnects)
      .def_readonly("frames_lost", &ReaderStats::frames_lost)
      .def_readonly("last_error", &ReaderStats::last_error)
      .def_readonly("newest_pts", &ReaderStats::newest_pts)
      .def_readonly("behind_s", &ReaderStats::behind_s);

  py::class_<SeekCounters>(m, "SeekCounters")
      .def_readonly("demuxer_seeks", &SeekCounters::demuxer_seeks)
      .def_readonly("packets_read", &SeekCounters::packets_read)
      .def_readonly("frames_decoded", &SeekCounters::frames_decoded)
      .def_readonly("frames_dropped", &SeekCounters::frames_dropped)
      .def_readonly("invalid_packets_skipped",
                    &SeekCounters::invalid_packets_skipped);

  py::class_<FrameIndexInfo>(m, "FrameIndexInfo")
      .def_readonly("pts", &FrameIndexInfo::pts)
      .def_readonly("duration", &FrameIndexInfo::duration)
      .def_readonly("key_frame", &FrameIndexInfo::key_frame)
      .def_readonly("decoded", &FrameIndexInfo::decoded);

  py::class_<OutputStreamInfo>(m, "OutputStreamInfo")
      .def_readonly("source_index", &OutputStreamInfo::source_index)
      .def_readonly("filter_description", &OutputStreamInfo::filter_description)
      .def_readonly("media_type", &OutputStreamInfo::media_type)
      .def_readonly("format", &OutputStreamInfo::format)
      .def_readonly("sample_rate", &OutputStreamInfo::sample_rate)
      .def_readonly("num_channels", &OutputStreamInfo::num_channels)
      .def_readonly("width", &OutputStreamInfo::width)
      .def_readonly("height", &OutputStreamInfo::height)
      .def_readonly("frame_rate", &OutputStreamInfo::frame_rate)
      .def_readonly("device", &OutputStreamInfo::device)
      .def_readonly("planes", &OutputStreamInfo::planes)
      .def_readonly("color_matrix", &OutputStreamInfo::color_matrix)
      .def_readonly("color_range", &OutputStreamInfo::color_range);
}

}  // namespace ffstream::python
