#!/usr/bin/env bash
# Fuzzes the C++ core for SECONDS (default 60) with libFuzzer:
#
#   bash ci/fuzz.sh [SECONDS]            # explore; keeps what it finds
#   bash ci/fuzz.sh --smoke [SECONDS]    # the test suite's run (default 20 s)
#
# Builds tests/fuzz/fuzz_stream_reader.cpp with clang and
# -fsanitize=fuzzer,address,undefined (the core too; FFmpeg is not
# instrumented) in build/fuzz, makes a seed corpus of tiny media files with
# the ffmpeg command in build/fuzz-corpus/seeds, and runs the fuzzer on it,
# on the inputs it found before (build/fuzz-corpus/work) and on the saved
# crash inputs (tests/fuzz/regressions). --smoke starts from the seeds and
# regressions only, with a fixed random seed, and keeps nothing, so that the
# test suite's run is the same each time. Prints the number of executions and
# whether it found a crash; exits non-zero if it did. A crash input lands in
# build/fuzz/artifacts/: fix the core, then copy the input to
# tests/fuzz/regressions/ so that ctest replays it for good.
#
# Installs clang and its fuzzer runtime with apt when they are missing.
# FFSTREAM_FUZZ_JOBS (default 2) caps the build's parallelism.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
smoke=0
if [ "${1:-}" = "--smoke" ]; then
  smoke=1
  shift
fi
seconds="${1:-$([ "$smoke" -eq 1 ] && echo 20 || echo 60)}"
jobs="${FFSTREAM_FUZZ_JOBS:-2}"
build="$root/build/fuzz"
corpus="$root/build/fuzz-corpus"

bash "$root/ci/install_deps.sh"

# ---- tools: clang with libFuzzer, cmake, ninja ----
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_install() {
  echo "ffstream: installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
can_fuzz() {
  command -v clang++ >/dev/null 2>&1 || return 1
  local probe
  probe="$(mktemp -d)"
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
    > "$probe/probe.cpp"
  clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" \
    -o "$probe/probe" >/dev/null 2>&1
  local ok=$?
  rm -rf "$probe"
  return $ok
}
if ! can_fuzz; then
  command -v clang++ >/dev/null 2>&1 || apt_install clang
  # Debian ships the sanitizer and fuzzer runtimes apart from the compiler.
  major="$(clang++ -dumpversion | cut -d. -f1)"
  apt_install "libclang-rt-$major-dev"
  can_fuzz || { echo "ffstream: clang++ cannot build a libFuzzer program" >&2; exit 1; }
fi
if [ -x "$root/.venv/bin/cmake" ] && [ -x "$root/.venv/bin/ninja" ]; then
  cmake="$root/.venv/bin/cmake"
  ninja="$root/.venv/bin/ninja"
else
  command -v cmake >/dev/null 2>&1 && command -v ninja >/dev/null 2>&1 ||
    apt_install cmake ninja-build
  cmake="$(command -v cmake)"
  ninja="$(command -v ninja)"
fi

# ---- build ----
echo "== fuzz: building the harness (clang, ASan + UBSan + libFuzzer)"
"$cmake" -S "$root" -B "$build" -G Ninja -DCMAKE_MAKE_PROGRAM="$ninja" \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFFSTREAM_FUZZ=ON -DFFSTREAM_SANITIZE=address,undefined -DFFSTREAM_GUARD_STORAGE=ON \
  -DFFSTREAM_BUILD_TESTS=OFF -DFFSTREAM_BUILD_PYTHON=OFF >/dev/null
"$cmake" --build "$build" -j "$jobs" --target fuzz_stream_reader

# ---- seed corpus ----
# Tiny files (0.2 s, 32x32) in the containers and codecs people feed the
# library, each behind a few control headers (see the harness's comment):
#   plain:   audio + video outputs, BytesReader
#   choppy:  + 64-byte reads, 4-frame chunks that overflow, a precise seek to
#            0.1 s after 2 packets
#   stream:  + a non-seekable reader with 256-byte reads
#   fault:   + a reader that throws once, 60% into the file
seeds="$corpus/seeds"
recipe_hash="$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
stamp="$corpus/seeds.recipe"  # outside seeds/: libFuzzer reads every file there
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$recipe_hash" ]; then
  echo "== fuzz: making the seed corpus in $seeds"
  rm -rf "$seeds" "$corpus/media"
  mkdir -p "$seeds" "$corpus/media"
  a="sine=frequency=440:sample_rate=8000:duration=0.2"
  v="testsrc2=size=32x32:rate=25:duration=0.2"
  ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
  m="$corpus/media"
  ff -f lavfi -i "$a" -c:a pcm_s16le "$m/pcm.wav"
  ff -f lavfi -i "$a" -c:a flac "$m/audio.flac"
  ff -f lavfi -i "$a" -c:a libmp3lame "$m/audio.mp3"
  ff -f lavfi -i "$a" -c:a aac "$m/audio.m4a"
  ff -f lavfi -i "$a" -c:a libopus -b:a 16k "$m/audio.opus"
  ff -f lavfi -i "$v" -c:v libx264 -pix_fmt yuv420p -g 2 "$m/h264.mp4"
  ff -f lavfi -i "$v" -c:v libvpx-vp9 -g 2 "$m/vp9.webm"
  ff -f lavfi -i "$v" -f lavfi -i "$a" -c:v mpeg4 -g 2 -c:a flac "$m/av.mkv"
  ff -f lavfi -i "$v" -f lavfi -i "$a" -c:v libx264 -pix_fmt yuv420p -g 2 \
    -c:a aac "$m/av.ts"
  ff -f lavfi -i "$v" -f lavfi -i "$a" -c:v mjpeg -c:a pcm_u8 "$m/av.avi"
  ff -f lavfi -i "$v" -f gif "$m/anim.gif"
  # Structure, not only bytes: frame sizes of every remainder modulo 2..64,
  # pixel formats, codecs and containers drawn from a fixed random sequence
  # (the same seeds on every machine), each file decoded into an output
  # format, size and sample layout drawn the same way (header bytes 8-9).
  RANDOM=28
  sizes=(1x1 2x2 3x3 17x9 31x7 33x5 63x4 65x3 121x80 200x112 321x241 854x480)
  video=("mpeg4 -pix_fmt yuv420p" "mjpeg -pix_fmt yuvj422p" "ffv1 -pix_fmt yuv444p"
         "ffv1 -pix_fmt gray" "ffv1 -pix_fmt yuv420p10le" "libx264 -pix_fmt yuv444p"
         "libx264 -pix_fmt yuv420p10le" "mpeg2video -pix_fmt yuv422p" "png -pix_fmt rgba"
         "png -pix_fmt pal8" "rawvideo -pix_fmt nv12" "huffyuv -pix_fmt rgb24")
  containers=(mkv avi nut mov)
  audio=("pcm_s24le -ac 6" "flac -ac 8" "pcm_u8 -ac 1" "pcm_f64le -ac 2" "pcm_s16le -ac 16")
  for i in $(seq 1 24); do
    size="${sizes[RANDOM % ${#sizes[@]}]}"
    codec="${video[RANDOM % ${#video[@]}]}"
    ext="${containers[RANDOM % ${#containers[@]}]}"
    a_codec="${audio[RANDOM % ${#audio[@]}]}"
    # 4:2:0 and 4:2:2 encoders need even sizes: they get the size rounded up.
    w=${size%x*}; h=${size#*x}
    case "$codec" in *420*|*422*|*nv12*|mjpeg*|mpeg*) w=$(( (w + 1) / 2 * 2 )); h=$(( (h + 1) / 2 * 2 ));; esac
    # shellcheck disable=SC2086  # the codec entries are word lists on purpose
    ff -f lavfi -i "testsrc2=size=32x32:rate=10:duration=0.3,scale=$w:$h" \
      -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=0.3" \
      -c:v $codec -c:a $a_codec -shortest "$m/random$i-${w}x$h.$ext" 2>/dev/null || true
  done
  header() { printf "$(printf '\\x%02x' "$@")"; }
  for f in "$m"/*; do
    name="$(basename "$f")"
    { header 0x03 0 0 0 0 0 0 0 0 0; cat "$f"; } > "$seeds/$name.plain"
    { header 0x2f 63 3 0x42 5 0 0 0 0 0; cat "$f"; } > "$seeds/$name.choppy"
    { header 0x13 255 0 0 0 0 0 0 0 0; cat "$f"; } > "$seeds/$name.stream"
    at=$(( $(stat -c %s "$f") * 6 / 10 ))
    { header 0x1b 255 0 0 0 0 $(( at & 255 )) $(( (at >> 8) & 255 )) 0 0; cat "$f"; } \
      > "$seeds/$name.fault"
    # Outputs drawn at random: any pixel format, size and sample layout.
    { header 0x43 0 0 0 0 0 0 0 $(( RANDOM & 255 )) $(( RANDOM & 255 )); cat "$f"; } \
      > "$seeds/$name.outputs"
  done
  echo "$recipe_hash" > "$stamp"
fi
max_len=$(find "$seeds" -type f -printf '%s\n' | sort -n | tail -1)
max_len=$(( max_len > 65536 ? max_len : 65536 ))

# ---- run ----
mkdir -p "$build/artifacts"
if [ "$smoke" -eq 1 ]; then
  # New inputs go to the first directory: a scratch one, emptied each time.
  work="$corpus/smoke"
  rm -rf "$work"
  fixed=(-seed=1)
else
  work="$corpus/work"
  fixed=()
fi
mkdir -p "$work"
echo "== fuzz: running for ${seconds}s"
log="$build/last-run.log"
start="$build/.run-start"
touch "$start"  # artifacts newer than this are this run's
set +e
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" \
  "$build/tests/fuzz/fuzz_stream_reader" \
  -max_total_time="$seconds" -max_len="$max_len" -timeout=20 \
  -rss_limit_mb=4096 -malloc_limit_mb=1100 -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/" "${fixed[@]}" \
  "$work" "$seeds" "$root/tests/fuzz/regressions" \
  > "$log" 2>&1
status=$?
set -e

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
if [ "$status" -eq 0 ]; then
  echo "fuzz: ${seconds}s, ${execs:-?} executions, 0 crashes" \
       "(corpus: $(ls "$work" | wc -l) new inputs in ${work#"$root"/})"
  exit 0
fi
tail -n 80 "$log"
echo "fuzz: FOUND A CRASH after ${execs:-?} executions (exit status $status);" \
     "input: $(find "$build/artifacts" -type f -newer "$start" | tr '\n' ' ')"
echo "fuzz: replay with $build/tests/fuzz/fuzz_stream_reader <input>; full log: $log"
exit 1
