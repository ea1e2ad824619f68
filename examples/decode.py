"""Decode a media file (or a lavfi test source) into torch tensors.

    python examples/decode.py movie.mp4
    python examples/decode.py "testsrc2=duration=3" --format lavfi

Prints one line per chunk: the pts of its first frame and the tensor's shape.
"""

import argparse

from ffstream import StreamReader


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("src")
    parser.add_argument("--format")
    args = parser.parse_args()

    with StreamReader(args.src, format=args.format) as reader:
        kinds = []
        if reader.default_video_stream is not None:
            # 8 frames per chunk, scaled to 224x224 RGB: (8, 3, 224, 224) uint8.
            # buffer_chunk_size=-1: keep every frame while the audio output
            # fills its longer chunk (the default, 3, drops the oldest).
            reader.add_basic_video_stream(8, -1, width=224, height=224)
            kinds.append("video")
        if reader.default_audio_stream is not None:
            # One second of 16 kHz mono float32 per chunk: (16000, 1).
            reader.add_basic_audio_stream(16000, sample_rate=16000, num_channels=1)
            kinds.append("audio")
        for chunks in reader.stream():
            for kind, chunk in zip(kinds, chunks):
                if chunk is not None:
                    print(f"{kind:5} pts={chunk.pts:7.3f}s {tuple(chunk.shape)} {chunk.dtype}")


if __name__ == "__main__":
    main()
