# Finds FFmpeg's libraries with pkg-config and defines one imported target per
# library: FFmpeg::avformat, FFmpeg::avcodec, ... A missing library is named in
# the error, together with the Debian package that provides it.
#
# This file is installed beside ffstreamConfig.cmake so that consumers of the
# installed core get the same targets.

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  message(FATAL_ERROR "ffstream: pkg-config was not found; it is needed to "
                      "locate FFmpeg (Debian: apt-get install pkg-config)")
endif()

set(_ffstream_ffmpeg_libs
    avformat avcodec avfilter avutil swscale swresample avdevice)
set(FFmpegLibs_FOUND TRUE)
foreach(_lib IN LISTS _ffstream_ffmpeg_libs)
  if(TARGET FFmpeg::${_lib})
    continue()
  endif()
  pkg_check_modules(FFSTREAM_${_lib} QUIET IMPORTED_TARGET GLOBAL lib${_lib})
  if(NOT FFSTREAM_${_lib}_FOUND)
    set(FFmpegLibs_FOUND FALSE)
    set(_msg "ffstream: FFmpeg library lib${_lib} was not found by pkg-config "
             "(Debian: apt-get install lib${_lib}-dev)")
    if(FFmpegLibs_FIND_REQUIRED)
      message(FATAL_ERROR ${_msg})
    endif()
    message(WARNING ${_msg})
    continue()
  endif()
  add_library(FFmpeg::${_lib} ALIAS PkgConfig::FFSTREAM_${_lib})
  if(NOT FFmpegLibs_FIND_QUIETLY)
    message(STATUS "ffstream: found lib${_lib} ${FFSTREAM_${_lib}_VERSION}")
  endif()
endforeach()
