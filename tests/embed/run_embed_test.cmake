# The embedding test, run by ctest as `cmake -D... -P run_embed_test.cmake`:
#
#   1. cmake --install BUILD_DIR --prefix WORK_DIR/prefix --component core
#   2. configure, build and run two separate consumer projects against that
#      prefix with find_package(ffstream): examples/cpp (print_streams, on a
#      lavfi source; its output must list the streams and the decoded
#      counts) and tests/embed (embed_check, which checks decoded values).
#
# Inputs (-D): BUILD_DIR, SOURCE_DIR, WORK_DIR, GENERATOR; optional
# GENERATOR_PLATFORM, GENERATOR_TOOLSET, MAKE_PROGRAM, CXX_COMPILER, CONFIG.
cmake_minimum_required(VERSION 3.18)

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_embed_test.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT CONFIG)
  set(CONFIG Release)
endif()

# Runs a command; on failure stops with its output. Output lands in `out_var`.
function(run_step name out_var)
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "embed test: ${name} failed (${rc})\n"
                        "command: ${cmd}\n${out}")
  endif()
  message(STATUS "embed test: ${name}: ok")
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

function(expect_match name text regex)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "embed test: ${name}: no match for '${regex}' in:\n"
                        "${text}")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# ---- 1. install the core component of the build tree ----
run_step("install the core" out
  ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
  --component core --config ${CONFIG})
foreach(pattern
    include/ffstream/stream_reader.h include/ffstream/bytes_reader.h
    include/ffstream/chunk.h include/ffstream/error.h
    include/ffstream/options.h include/ffstream/reader.h
    include/ffstream/stream_info.h include/ffstream/utils.h
    "lib*/libffstream.a"
    lib*/cmake/ffstream/ffstreamConfig.cmake
    lib*/cmake/ffstream/ffstreamConfigVersion.cmake
    lib*/cmake/ffstream/ffstreamTargets.cmake
    lib*/cmake/ffstream/FindFFmpegLibs.cmake)
  file(GLOB found ${prefix}/${pattern})
  if(NOT found)
    message(FATAL_ERROR "embed test: the install lacks ${pattern}")
  endif()
endforeach()
# Only the public headers are installed: FFmpeg stays behind the pImpl.
file(GLOB_RECURSE detail_headers ${prefix}/include/ffstream/detail/*)
if(detail_headers)
  message(FATAL_ERROR "embed test: private headers were installed: "
                      "${detail_headers}")
endif()

# ---- 2. consumers ----
set(generator_args -G ${GENERATOR})
if(GENERATOR_PLATFORM)
  list(APPEND generator_args -A ${GENERATOR_PLATFORM})
endif()
if(GENERATOR_TOOLSET)
  list(APPEND generator_args -T ${GENERATOR_TOOLSET})
endif()
if(MAKE_PROGRAM)
  list(APPEND generator_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(CXX_COMPILER)
  list(APPEND generator_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()

# Configures and builds project `src` into WORK_DIR/`name`; sets `exe_var` to
# the built program `target`, `log_var` to the configure output.
function(build_consumer name src target exe_var log_var)
  set(bin ${WORK_DIR}/${name})
  run_step("configure ${name}" log
    ${CMAKE_COMMAND} -S ${src} -B ${bin} ${generator_args}
    -DCMAKE_BUILD_TYPE=${CONFIG}
    -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
  run_step("build ${name}" out
    ${CMAKE_COMMAND} --build ${bin} --config ${CONFIG})
  file(GLOB_RECURSE exe LIST_DIRECTORIES false
    ${bin}/${target} ${bin}/${target}.exe ${bin}/*/${target}
    ${bin}/*/${target}.exe)
  if(NOT exe)
    message(FATAL_ERROR "embed test: ${target} was not built in ${bin}")
  endif()
  list(GET exe 0 exe)
  set(${exe_var} ${exe} PARENT_SCOPE)
  set(${log_var} "${log}" PARENT_SCOPE)
endfunction()

# examples/cpp: print_streams on a lavfi source with a video and an audio
# stream (stream 0: testsrc2, stream 1: sine).
build_consumer(print_streams ${SOURCE_DIR}/examples/cpp print_streams
  print_streams_exe log)
# (Quoted: the graph's ';' must not split it into two arguments.)
set(source "testsrc2=size=64x48:rate=10:duration=1[out0];sine=frequency=440:sample_rate=8000:duration=1[out1]")
execute_process(COMMAND ${print_streams_exe} "${source}" lavfi
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "embed test: print_streams failed (${rc}):\n${out}${err}")
endif()
message(STATUS "print_streams output:\n${out}")
expect_match("print_streams" "${out}" "2 stream\\(s\\)")
expect_match("print_streams" "${out}"
  "stream 0: video, codec (rawvideo|wrapped_avframe), format [a-z0-9]+, 64x48, 10 fps")
expect_match("print_streams" "${out}"
  "stream 1: audio, codec pcm_s16le, format s16, 8000 Hz, 1 channel")
expect_match("print_streams" "${out}"
  "decoded audio \\(stream 1\\): 2 chunk\\(s\\), 8000 frame\\(s\\), first chunk \\(4096, 1\\) float32")
expect_match("print_streams" "${out}"
  "decoded video \\(stream 0\\): 2 chunk\\(s\\), 10 frame\\(s\\), first chunk \\(8, 3, 48, 64\\) uint8")

# A source that cannot be opened: a non-zero exit status and a message.
execute_process(COMMAND ${print_streams_exe} ${WORK_DIR}/no_such_file.mkv
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "no_such_file.mkv")
  message(FATAL_ERROR "embed test: print_streams on a missing file: exit "
                      "${rc}, stderr:\n${err}")
endif()

# tests/embed: find_package with a version, checks on decoded values.
build_consumer(embed_check ${SOURCE_DIR}/tests/embed embed_check
  embed_check_exe log)
# The package must come from the scratch prefix, not from elsewhere.
file(REAL_PATH ${prefix} real_prefix)
string(FIND "${log}" " found in ${prefix}/" at_prefix)
string(FIND "${log}" " found in ${real_prefix}/" at_real_prefix)
if(at_prefix EQUAL -1 AND at_real_prefix EQUAL -1)
  message(FATAL_ERROR "embed test: ffstream was not found in ${prefix}:\n"
                      "${log}")
endif()
run_step("run embed_check" out ${embed_check_exe})
expect_match("embed_check" "${out}" "all checks passed")

message(STATUS "embed test: passed")
